/* ms_relay.c: the per-packet path of a slot: it locks, asks the switch
 * engine (ms_switch.h) what to do, and does it: relay, replay the GOP
 * cache, flip, report. Runs on source threads with the source mutex held
 * and takes only the slot mutex; never allocates on the live path (status
 * events at a flip, and replays asked for by requests, which go out after
 * the source's mutex is released, are the exceptions). */
#include <string.h>
#include "ms_session_priv.h"
#include "ms_rtp.h"
#include "ms_gop.h"

/* A source keyframe due this soon is waited for instead of replaying an
 * almost whole GOP: the decoder would drop the replayed frames it has not
 * shown yet when the live keyframe lands (measured by bench/). */
#define MS_KEYFRAME_DUE_US (120 * 1000)

void ms_relay_report_status(ms_slot *slot, json_t *request_id, const char *transaction)
{
	if(g_atomic_int_get(&slot->session->destroyed))
		return;
	const ms_source *shown = slot->sw.bound;
	ms_io->event(slot->session->handle, transaction, ms_msg_status_auto(request_id, slot->index, slot->stream,
		slot->quality[0] ? slot->quality : NULL, slot->status, slot->error,
		shown != NULL ? ms_source_codec_name(shown) : NULL,
		ms_slot_auto(slot) && slot->actual[0] ? slot->actual : NULL), NULL);
}

void ms_relay_set_status(ms_slot *slot, ms_slot_event ev, json_t *request_id,
		const char *transaction, const char *error)
{
	ms_slot_status next = slot->status;
	if(!ms_slot_transition(slot->status, ev, &next))
		JANUS_LOG(LOG_VERB, MS_TAG "Slot %d: %s ignored in %s\n", slot->index,
			ms_slot_event_name(ev), ms_slot_status_name(slot->status));
	gboolean changed = (next != slot->status);
	slot->status = next;
	g_free(slot->error);
	slot->error = (next == MS_SLOT_ERROR && error) ? g_strdup(error) : NULL;
	if(!changed && request_id == NULL)
		return;
	/* Nobody to tell: the core is detaching this handle */
	if(g_atomic_int_get(&slot->session->destroyed))
		return;
	ms_relay_report_status(slot, request_id, transaction);
	janus_plugin_session *h = slot->session->handle;
	if(changed) {
		json_t *info = json_object();
		json_object_set_new(info, "event", json_string("status"));
		json_object_set_new(info, "slot", json_integer(slot->index));
		json_object_set_new(info, "stream", json_string(slot->stream));
		json_object_set_new(info, "status", json_string(ms_slot_status_name(slot->status)));
		ms_io->notify(h, info);
	}
}

void ms_session_sent(ms_session *s, gsize len)
{
	g_atomic_int_add(&s->sent_bytes, (gint)len);
	g_atomic_int_inc(&s->sent_packets);
}

ms_bwe *ms_session_bwe_lock(ms_session *s, gint64 now)
{
	g_mutex_lock(&s->bwe_mutex);
	guint bytes = (guint)g_atomic_int_exchange(&s->sent_bytes, 0);
	guint packets = (guint)g_atomic_int_exchange(&s->sent_packets, 0);
	ms_bwe_sent_many(&s->bwe, bytes, packets, now);
	ms_probe_sent(&s->probe, packets);
	return &s->bwe;
}

void ms_session_burst(ms_session *s, gint64 now)
{
	ms_bwe_burst(ms_session_bwe_lock(s, now), now);
	ms_probe_drop(&s->probe, now);
	ms_session_bwe_unlock(s);
}

void ms_session_bwe_unlock(ms_session *s)
{
	g_mutex_unlock(&s->bwe_mutex);
}

gboolean ms_session_media_ready(ms_session *s)
{
	return g_atomic_int_get(&s->media_up) && !g_atomic_int_get(&s->handle->stopped);
}

static gboolean media_ready(ms_slot *slot)
{
	return slot->mindex >= 0 && ms_session_media_ready(slot->session);
}

/* Hand one rewritten packet to Janus for the slot's m-line; now: when
 * (the report lag's ring keeps it). */
static void send_rtp(ms_slot *slot, guint8 *buf, gsize len, gint64 now)
{
	janus_plugin_rtp rtp;
	janus_plugin_rtp_reset(&rtp);
	rtp.mindex = slot->mindex;
	rtp.video = TRUE;
	rtp.buffer = (char *)buf;
	rtp.length = (uint16_t)len;
	ms_io->relay_rtp(slot->session->handle, &rtp);
	ms_session_sent(slot->session, len);
	guint16 seq = ms_rtp_seq(buf);
	__atomic_store_n(&slot->sent_at[seq % MS_SENT_RING],
		((guint64)seq << 48) | ((guint64)now & MS_SENT_TIME_MASK), __ATOMIC_RELAXED);
}

gint64 ms_slot_sent_at(ms_slot *slot, guint16 seq)
{
	guint64 e = __atomic_load_n(&slot->sent_at[seq % MS_SENT_RING], __ATOMIC_RELAXED);
	return e != 0 && (guint16)(e >> 48) == seq ? (gint64)(e & MS_SENT_TIME_MASK) : -1;
}

/* Send now, counted; slot mutex held. */
static void relay(ms_slot *slot, guint8 *buf, gsize len, gint64 now)
{
	send_rtp(slot, buf, len, now);
	slot->packets++;
}

/* Queue a rewritten packet for a deferred replay (guint16 length, bytes). */
static void queue_packet(GByteArray **queue, const guint8 *buf, gsize len)
{
	guint16 n = (guint16)len;
	if(*queue == NULL)
		*queue = g_byte_array_sized_new(64 * 1024);
	g_byte_array_append(*queue, (const guint8 *)&n, sizeof(n));
	g_byte_array_append(*queue, buf, (guint)len);
}

/* The slot's payload type for what src sends; set before a packet of src
 * is rewritten (a switch between an H264 and an H265 camera changes it
 * between two frames). */
static void use_codec_of(ms_slot *slot, ms_source *src)
{
	int pt = ms_slot_pt(slot, ms_source_codec(src));
	if(pt >= 0)
		slot->rw.pt = (guint8)pt;
}

/* A probe of the viewer's link is running (ms_probe.h): after a frame,
 * the slot's share of its padding since the last frame, in packets of
 * MS_PAD_BYTES of padding (between frames only: a frame's packets stay
 * together). Slot mutex held. */
#define MS_PAD_BYTES 255
#define MS_PAD_GAP_US (200 * 1000)	/* a longer gap is not made up for */
#define MS_PAD_MAX_PACKETS 64		/* per frame */
static void pad_after_frame(ms_slot *slot, gint64 now)
{
	ms_session *s = slot->session;
	guint kbps = (guint)g_atomic_int_get(&s->pad_kbps);
	guint shares = (guint)MAX(g_atomic_int_get(&s->pad_shares), 1);
	if(kbps == 0 || slot->pad_last == 0 || now - slot->pad_last > MS_PAD_GAP_US) {
		slot->pad_last = kbps > 0 ? now : 0;
		slot->pad_credit = 0;
		return;
	}
	slot->pad_credit += (guint64)kbps * 1000 / shares * (guint64)(now - slot->pad_last) / (8 * G_USEC_PER_SEC);
	slot->pad_last = now;
	guint8 buf[MS_RTP_HEADER_LEN + MS_PAD_BYTES];
	for(guint i = 0; i < MS_PAD_MAX_PACKETS && slot->pad_credit >= sizeof(buf); i++) {
		gsize len = ms_rewrite_padding(&slot->rw, buf, MS_PAD_BYTES);
		if(len == 0)
			break;
		send_rtp(slot, buf, len, now);
		slot->pad_credit -= len;
		slot->padded++;
	}
	slot->pad_credit = MIN(slot->pad_credit, (guint64)MS_PAD_MAX_PACKETS * sizeof(buf));
}

/* Rewrite and send one live packet of src (or queue it behind a replay in
 * flight). */
static void relay_live(ms_slot *slot, ms_source *src, const ms_packet *pkt, gint64 now)
{
	guint8 buf[MS_RTP_MAX_PACKET];
	if(pkt->len > sizeof(buf))
		return;
	use_codec_of(slot, src);
	memcpy(buf, pkt->data, pkt->len);
	if(!ms_rewrite_live(&slot->rw, buf, pkt->len, now))
		return;
	ms_switch_sent(&slot->sw, (pkt->facts & MS_PKT_START) != 0, now);
	if(slot->replaying) {
		queue_packet(&slot->backlog, buf, pkt->len);
	} else {
		relay(slot, buf, pkt->len, now);
		if(ms_rtp_marker(buf))
			pad_after_frame(slot, now);
	}
}

/* Replay src's GOP cache onto the slot: sent now (live path), or copied
 * for ms_relay_try_now to send once the source's mutex is released
 * (defer). Slot and source mutexes held. */
static void replay(ms_slot *slot, ms_source *src, gboolean defer, gint64 now)
{
	ms_gop *gop = ms_source_gop_locked(src);
	guint8 buf[MS_RTP_MAX_PACKET];
	guint n = ms_gop_count(gop);
	gint64 t0 = g_get_monotonic_time();
	if(defer && slot->replay == NULL)
		slot->replay = g_byte_array_sized_new((guint)(ms_gop_bytes(gop) + 2 * n));
	use_codec_of(slot, src);
	for(guint i = 0; i < n; i++) {
		gsize plen = 0;
		const guint8 *p = ms_gop_packet(gop, i, &plen);
		if(p == NULL || plen > sizeof(buf))
			continue;
		memcpy(buf, p, plen);
		ms_rewrite_replay(&slot->rw, buf, plen, i == 0, now);
		if(defer)
			queue_packet(&slot->replay, buf, plen);
		else
			relay(slot, buf, plen, now);
	}
	ms_rewrite_rebase(&slot->rw, TRUE);
	slot->replaying = defer;
	ms_switch_sent(&slot->sw, FALSE, now);
	ms_session_burst(slot->session, now);
	ms_source_replay_spent(src, g_get_monotonic_time() - t0);
}

/* One engine step for src (a live packet, or a look at its cache when pkt
 * is NULL), carried out. Slot and source mutexes held. */
static void step(ms_slot *slot, ms_source *src, const ms_packet *pkt, gint64 now, gboolean defer)
{
	if((src == slot->sw.bound || src == slot->sw.next) && ms_slot_pt(slot, ms_source_codec(src)) == -1) {
		/* Never a codec the m-line did not negotiate: nothing of src goes
		 * out; the session's tick moves the slot to src's transcode */
		slot->wrong_codec = src;
		return;
	}
	ms_switch_offer offer = { .keyframe = pkt != NULL && (pkt->facts & MS_PKT_START) != 0 };
	if(ms_switch_waits_for(&slot->sw, src)) {
		ms_gop *gop = ms_source_gop_locked(src);
		offer.cache = ms_gop_ready(gop, now, ms_config.gop_cache_age) &&
			!ms_gop_keyframe_due(gop, now, MS_KEYFRAME_DUE_US);
		if(src == slot->sw.next && slot->next_live)
			offer.cache = FALSE;	/* its live keyframe, no burst */
		offer.budget = offer.cache && ms_source_replay_allowed(src, now);
	}
	gboolean media = media_ready(slot);
	ms_switch_result r = ms_switch_step(&slot->sw, src, pkt != NULL, &offer, media,
		ms_rewrite_frame_open(&slot->rw), now);
	switch(r.act) {
		case MS_SW_REPLAY:
			replay(slot, src, defer, now);
			break;
		case MS_SW_START:
			ms_rewrite_rebase(&slot->rw, FALSE);
			relay_live(slot, src, pkt, now);
			break;
		case MS_SW_RELAY:
			relay_live(slot, src, pkt, now);
			break;
		case MS_SW_WITHHOLD:
			break;
	}
	if(r.flipped) {
		if(slot->next_live)
			slot->live_flip = now;
		slot->next_live = FALSE;
		ms_relay_set_status(slot, MS_SLOT_EV_FLIP, NULL, NULL, NULL);
	} else if(r.synced && slot->status != MS_SLOT_ACTIVE) {
		ms_relay_set_status(slot, MS_SLOT_EV_FLIP, NULL, NULL, NULL);
	}
}

static void on_rtp(ms_consumer *c, ms_source *src, const ms_packet *pkt, gint64 now)
{
	ms_slot *slot = c->ctx;
	g_mutex_lock(&slot->mutex);
	if(!slot->replaying)
		step(slot, src, pkt, now, FALSE);
	else if(src == slot->sw.bound && !slot->sw.need_sync)
		relay_live(slot, src, pkt, now);	/* queued behind the replay in flight */
	g_mutex_unlock(&slot->mutex);
}

static void on_state(ms_consumer *c, ms_source *src, ms_source_state st)
{
	ms_slot *slot = c->ctx;
	g_mutex_lock(&slot->mutex);
	if(st == MS_SRC_OFFLINE && ms_switch_source_down(&slot->sw, src))
		ms_relay_set_status(slot, MS_SLOT_EV_SOURCE_DOWN, NULL, NULL, NULL);
	else if(st == MS_SRC_ACTIVE && slot->status == MS_SLOT_OFFLINE)
		ms_switch_source_up(&slot->sw, src);	/* restart at its next keyframe */
	g_mutex_unlock(&slot->mutex);
}

const ms_consumer_ops ms_relay_ops = {
	.rtp = on_rtp,
	.state = on_state,
};

typedef struct try_now_ctx {
	ms_slot *slot;
} try_now_ctx;

static void try_now_locked(ms_source *src, ms_gop *gop, void *data)
{
	try_now_ctx *ctx = data;
	ms_slot *slot = ctx->slot;
	g_mutex_lock(&slot->mutex);
	if(!slot->replaying)
		step(slot, src, NULL, g_get_monotonic_time(), TRUE);
	g_mutex_unlock(&slot->mutex);
}

/* Take up to max queued packets off *queue into out (same layout), slot
 * mutex held. Returns how many. */
static guint take_packets(GByteArray **queue, GByteArray *out, guint max)
{
	guint n = 0, off = 0;
	while(*queue != NULL && off + 2 <= (*queue)->len && n < max) {
		guint16 plen;
		memcpy(&plen, (*queue)->data + off, sizeof(plen));
		off += 2 + plen;
		n++;
	}
	if(n == 0)
		return 0;
	g_byte_array_append(out, (*queue)->data, off);
	g_byte_array_remove_range(*queue, 0, off);
	return n;
}

/* Send a deferred replay, then what queued behind it, a chunk at a time
 * with only the slot mutex taken (briefly) to take each chunk. Called on
 * the thread that asked for it, with the session mutex held (so the slot
 * lives) and no source mutex. */
static void flush_replay(ms_slot *slot)
{
	GByteArray *chunk = g_byte_array_new();
	for(;;) {
		g_byte_array_set_size(chunk, 0);
		g_mutex_lock(&slot->mutex);
		guint n = take_packets(&slot->replay, chunk, 64);
		if(n == 0)
			n = take_packets(&slot->backlog, chunk, 64);
		if(n == 0) {
			slot->replaying = FALSE;
			g_clear_pointer(&slot->replay, g_byte_array_unref);
			g_clear_pointer(&slot->backlog, g_byte_array_unref);
			g_mutex_unlock(&slot->mutex);
			break;
		}
		slot->packets += n;
		g_mutex_unlock(&slot->mutex);
		gint64 now = g_get_monotonic_time();
		for(guint off = 0; off + 2 <= chunk->len;) {
			guint16 plen;
			memcpy(&plen, chunk->data + off, sizeof(plen));
			send_rtp(slot, chunk->data + off + 2, plen, now);	/* counted when taken */
			off += 2 + plen;
		}
	}
	g_byte_array_unref(chunk);
}

void ms_relay_try_now(ms_slot *slot, ms_source *src)
{
	try_now_ctx ctx = { .slot = slot };
	ms_source_with_gop(src, try_now_locked, &ctx);
	flush_replay(slot);
}
