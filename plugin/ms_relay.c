/* ms_relay.c: the per-packet path of a slot. Runs on source threads with the
 * source mutex held, takes only the slot mutex, never allocates (status
 * events at a flip are the exception: once per switch, not per packet).
 *
 * A switch is make-before-break: the slot keeps relaying its bound source
 * until the next source can start the decoder (its GOP cache replays from a
 * keyframe, or a live keyframe arrives) and the bound source's frame has
 * ended (marker bit); then the slot flips in one step. */
#include <string.h>
#include "ms_session_priv.h"
#include "ms_rtp.h"
#include "ms_h264.h"
#include "ms_gop.h"

/* How long a frame left open by a stalled source may block a switch. */
#define MS_CUT_STALL_US (150 * 1000)
/* A source keyframe due this soon is waited for instead of replaying an
 * almost whole GOP: the decoder would drop the replayed frames it has not
 * shown yet when the live keyframe lands (measured by bench/). */
#define MS_KEYFRAME_DUE_US (120 * 1000)

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
	janus_plugin_session *h = slot->session->handle;
	ms_push_event(h, transaction, ms_msg_status(request_id, slot->index, slot->stream,
		slot->quality[0] ? slot->quality : NULL, slot->status, slot->error), NULL);
	if(changed) {
		json_t *info = json_object();
		json_object_set_new(info, "event", json_string("status"));
		json_object_set_new(info, "slot", json_integer(slot->index));
		json_object_set_new(info, "stream", json_string(slot->stream));
		json_object_set_new(info, "status", json_string(ms_slot_status_name(slot->status)));
		ms_notify(h, info);
	}
}

static gboolean media_ready(ms_slot *slot)
{
	ms_session *s = slot->session;
	return slot->mindex >= 0 && g_atomic_int_get(&s->media_up) &&
		!g_atomic_int_get(&s->handle->stopped);
}

static void relay(ms_slot *slot, guint8 *buf, gsize len, gint64 now)
{
	janus_plugin_rtp rtp;
	janus_plugin_rtp_reset(&rtp);
	rtp.mindex = slot->mindex;
	rtp.video = TRUE;
	rtp.buffer = (char *)buf;
	rtp.length = (uint16_t)len;
	ms_gateway->relay_rtp(slot->session->handle, &rtp);
	slot->last_send = now;
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

static void relay_live(ms_slot *slot, const guint8 *pkt, gsize len, gint64 now)
{
	guint8 buf[MS_RTP_MAX_PACKET];
	if(len > sizeof(buf))
		return;
	memcpy(buf, pkt, len);
	if(!ms_rewrite_live(&slot->rw, buf, len, now))
		return;
	if(slot->replaying)
		queue_packet(&slot->backlog, buf, len);	/* after the replay in flight */
	else
		relay(slot, buf, len, now);
}

typedef enum start_result {
	START_NOT_YET = 0,	/* no decodable start point yet */
	START_REPLAYED,		/* the GOP cache (incl. the current packet) went out */
	START_LIVE,		/* pkt starts a keyframe: caller relays it live */
} start_result;

/* May the slot replay src's GOP cache now? Not when a keyframe request /
 * PLI / FIR asked within a second of the last one it caused (sync_live),
 * not beyond the slot's replays per second, not beyond the source's replay
 * time (ms_source_replay_allowed). Slot and source mutexes held. */
static gboolean replay_allowed(ms_slot *slot, ms_source *src, gint64 now)
{
	if(src == slot->bound && slot->need_sync && slot->sync_live)
		return FALSE;
	if(now - slot->replay_window >= G_USEC_PER_SEC) {
		slot->replay_window = now;
		slot->replay_count = 0;
	}
	return slot->replay_count < MS_REPLAYS_PER_SECOND && ms_source_replay_allowed(src, now);
}

/* Start the browser's decoder on src: replay src's GOP cache, or else use
 * pkt when it starts a keyframe. Slot and source mutexes held. */
static start_result start_on(ms_slot *slot, ms_source *src, const guint8 *pkt, gsize len,
		guint flags, gint64 now, gboolean defer)
{
	ms_gop *gop = ms_source_gop_locked(src);
	if(ms_gop_ready(gop, now, ms_config.gop_cache_age) && !ms_gop_keyframe_due(gop, now, MS_KEYFRAME_DUE_US) &&
			replay_allowed(slot, src, now)) {
		guint8 buf[MS_RTP_MAX_PACKET];
		guint n = ms_gop_count(gop);
		gint64 t0 = g_get_monotonic_time();
		if(defer && slot->replay == NULL)
			slot->replay = g_byte_array_sized_new((guint)(ms_gop_bytes(gop) + 2 * n));
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
		slot->replaying = defer;
		ms_rewrite_rebase(&slot->rw, TRUE);
		ms_source_replay_spent(src, now, g_get_monotonic_time() - t0);
		slot->replay_count++;
		if(src == slot->bound && slot->need_sync)
			slot->resync_replay = now;
		slot->keyframe_out = now;
		slot->sync_live = FALSE;
		return START_REPLAYED;
	}
	if(pkt != NULL && (flags & (MS_H264_SPS | MS_H264_IDR))) {
		ms_rewrite_rebase(&slot->rw, FALSE);
		slot->keyframe_out = now;
		slot->sync_live = FALSE;
		return START_LIVE;
	}
	return START_NOT_YET;
}

/* May the bound source be cut now? Only between frames, unless it stalled. */
static gboolean can_cut(ms_slot *slot, gint64 now)
{
	return slot->bound == NULL || !ms_rewrite_frame_open(&slot->rw) ||
		now - slot->last_send > MS_CUT_STALL_US;
}

static void flip(ms_slot *slot, ms_source *src)
{
	if(slot->bound != NULL && slot->bound != src)
		slot->unbind_pending = TRUE;	/* not here: no second source mutex */
	slot->bound = src;
	slot->next = NULL;
	slot->switches++;
	ms_relay_set_status(slot, MS_SLOT_EV_FLIP, NULL, NULL, NULL);
}

/* Packet or cache-driven step for src; slot and source mutexes held.
 * Returns TRUE when pkt was consumed (replayed or must not go out). */
static gboolean step(ms_slot *slot, ms_source *src, const guint8 *pkt, gsize len, guint flags, gint64 now,
		gboolean defer)
{
	if(src == slot->next) {
		if(!media_ready(slot)) {
			/* Nothing to show yet: bind now, start at setup_media */
			flip(slot, src);
			slot->need_sync = TRUE;
			return TRUE;
		}
		if(!can_cut(slot, now))
			return TRUE;
		start_result r = start_on(slot, src, pkt, len, flags, now, defer);
		if(r == START_NOT_YET)
			return TRUE;
		flip(slot, src);
		slot->need_sync = FALSE;
		if(r == START_LIVE)
			relay_live(slot, pkt, len, now);
		return TRUE;
	}
	if(src != slot->bound || !media_ready(slot))
		return TRUE;
	if(slot->need_sync) {
		start_result r = start_on(slot, src, pkt, len, flags, now, defer);
		if(r == START_NOT_YET)
			return TRUE;
		slot->need_sync = FALSE;
		if(slot->status != MS_SLOT_ACTIVE)
			ms_relay_set_status(slot, MS_SLOT_EV_FLIP, NULL, NULL, NULL);
		if(r == START_LIVE)
			relay_live(slot, pkt, len, now);
		return TRUE;
	}
	return FALSE;
}

static void on_rtp(ms_consumer *c, ms_source *src, const guint8 *pkt, gsize len, guint flags, gint64 now)
{
	ms_slot *slot = c->ctx;
	g_mutex_lock(&slot->mutex);
	if(slot->replaying) {
		/* A replay is going out (ms_relay_try_now): the bound source's
		 * packets queue behind it, anything else waits for it to end */
		if(src == slot->bound && !slot->need_sync)
			relay_live(slot, pkt, len, now);
	} else if(!step(slot, src, pkt, len, flags, now, FALSE)) {
		relay_live(slot, pkt, len, now);
		if(flags & (MS_H264_SPS | MS_H264_IDR))
			slot->keyframe_out = now;	/* a PLI right after it is answered */
	}
	g_mutex_unlock(&slot->mutex);
}

static void on_state(ms_consumer *c, ms_source *src, ms_source_state st)
{
	ms_slot *slot = c->ctx;
	g_mutex_lock(&slot->mutex);
	if(src == slot->bound || src == slot->next) {
		gboolean watched = (src == slot->next) || (slot->next == NULL);
		if(st == MS_SRC_OFFLINE && watched) {
			ms_relay_set_status(slot, MS_SLOT_EV_SOURCE_DOWN, NULL, NULL, NULL);
		} else if(st == MS_SRC_ACTIVE && slot->status == MS_SLOT_OFFLINE) {
			/* Back: restart the decoder at the source's next keyframe */
			if(src == slot->bound)
				slot->need_sync = TRUE;
		}
	}
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
	if(!slot->replaying && (src == slot->next || (src == slot->bound && slot->need_sync)))
		step(slot, src, NULL, 0, 0, g_get_monotonic_time(), TRUE);
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
		gint64 now = g_get_monotonic_time();
		slot->last_send = now;
		slot->packets += n;
		g_mutex_unlock(&slot->mutex);
		for(guint off = 0; off + 2 <= chunk->len;) {
			guint16 plen;
			memcpy(&plen, chunk->data + off, sizeof(plen));
			janus_plugin_rtp rtp;
			janus_plugin_rtp_reset(&rtp);
			rtp.mindex = slot->mindex;
			rtp.video = TRUE;
			rtp.buffer = (char *)chunk->data + off + 2;
			rtp.length = plen;
			ms_gateway->relay_rtp(slot->session->handle, &rtp);
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
