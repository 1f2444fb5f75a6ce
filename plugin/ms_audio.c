/* ms_audio.c: a session's audio m-line (docs/protocol.md §14): it carries
 * the audio of one slot's camera (the focus) and follows that slot through
 * its switches.
 *
 * The m-line has one rewriter: one SSRC for the life of the PeerConnection,
 * seq +1 and timestamps on the wall clock across every change of camera.
 * Audio needs no keyframe: a change of camera cuts between two packets, the
 * new camera's first packet is re-anchored (ms_rewrite.h) and nothing stale
 * is replayed. Packets run on the audio source's thread with its mutex held
 * and take only a->mutex; ms_audio_follow runs with the session mutex held
 * and never holds a->mutex while it binds or unbinds a source. */
#include <string.h>
#include "ms_session_priv.h"
#include "ms_rtp.h"

struct ms_audio {
	ms_session *session;
	ms_consumer consumer;		/* registered with the bound audio source */
	GMutex mutex;			/* guards everything below */
	int mindex;			/* the audio m-line, -1 before the offer */
	int pt_opus, pt_pcmu, pt_pcma;	/* -1: not negotiated */
	int focus;			/* the slot heard, -1: none */
	ms_source *bound;		/* the audio source relayed, or NULL */
	char stream[MS_RESOLVED_MAX];	/* the focused slot's stream, as last told */
	const char *status;		/* "active", "unavailable", "off", as last told */
	ms_rewrite rw;
	gboolean rebase;		/* the next packet is another source's */
	guint64 packets;
};

static int pt_for(const ms_audio *a, const ms_codec *codec)
{
	if(codec == &ms_codec_opus)
		return a->pt_opus;
	if(codec == &ms_codec_pcmu)
		return a->pt_pcmu;
	if(codec == &ms_codec_pcma)
		return a->pt_pcma;
	return -1;
}

static void audio_rtp(ms_consumer *c, ms_source *src, const ms_packet *pkt, gint64 now)
{
	ms_audio *a = c->ctx;
	guint8 buf[MS_RTP_MAX_PACKET];
	g_mutex_lock(&a->mutex);
	const ms_codec *codec = ms_source_codec(src);
	int pt = pt_for(a, codec);
	if(src == a->bound && a->mindex >= 0 && pt >= 0 && pkt->len <= sizeof(buf) &&
			ms_session_media_ready(a->session)) {
		if(a->rebase) {
			ms_rewrite_rebase(&a->rw, FALSE);
			a->rebase = FALSE;
		}
		a->rw.pt = (guint8)pt;
		ms_rewrite_set_clock(&a->rw, codec->clock);
		memcpy(buf, pkt->data, pkt->len);
		if(ms_rewrite_live(&a->rw, buf, pkt->len, now)) {
			janus_plugin_rtp rtp;
			janus_plugin_rtp_reset(&rtp);
			rtp.mindex = a->mindex;
			rtp.video = FALSE;
			rtp.buffer = (char *)buf;
			rtp.length = (uint16_t)pkt->len;
			ms_io->relay_rtp(a->session->handle, &rtp);
			ms_session_sent(a->session, pkt->len);
			a->packets++;
		}
	}
	g_mutex_unlock(&a->mutex);
}

static void audio_state(ms_consumer *c, ms_source *src, ms_source_state st)
{
	/* Availability is looked at by the session's tick (ms_audio_follow) */
}

static const ms_consumer_ops audio_ops = {
	.rtp = audio_rtp,
	.state = audio_state,
};

ms_audio *ms_audio_new(ms_session *s)
{
	ms_audio *a = g_new0(ms_audio, 1);
	a->session = s;
	a->consumer.ops = &audio_ops;
	a->consumer.ctx = a;
	g_mutex_init(&a->mutex);
	a->mindex = -1;
	a->pt_opus = a->pt_pcmu = a->pt_pcma = -1;
	a->focus = -1;
	a->status = "off";
	return a;
}

void ms_audio_free(ms_audio *a)
{
	if(a == NULL)
		return;
	g_mutex_lock(&a->mutex);
	a->bound = NULL;
	g_mutex_unlock(&a->mutex);
	ms_sources_unbind_consumer(&a->consumer, NULL, NULL);
	g_mutex_clear(&a->mutex);
	g_free(a);
}

void ms_audio_negotiated(ms_audio *a, const ms_sdp_audio *sdp)
{
	g_mutex_lock(&a->mutex);
	a->mindex = sdp->mindex;
	a->pt_opus = sdp->pt_opus;
	a->pt_pcmu = sdp->pt_pcmu;
	a->pt_pcma = sdp->pt_pcma;
	ms_rewrite_init(&a->rw, g_random_int(), (guint8)sdp->pt_opus);
	a->rebase = TRUE;
	g_mutex_unlock(&a->mutex);
}

void ms_audio_set_focus(ms_audio *a, int slot)
{
	g_mutex_lock(&a->mutex);
	a->focus = slot;
	g_mutex_unlock(&a->mutex);
}

/* What the focused slot should carry now: its stream's camera's audio
 * source (NULL: none), the stream's name and the status. Session mutex held. */
static ms_source *target(ms_audio *a, ms_session *s, int focus, char *stream, gsize len, const char **status)
{
	stream[0] = '\0';
	*status = "off";
	if(focus < 0 || (guint)focus >= s->n_slots)
		return NULL;
	ms_slot *slot = s->slots[focus];
	g_mutex_lock(&slot->mutex);
	g_strlcpy(stream, slot->stream, len);
	gboolean shown = slot->status != MS_SLOT_PAUSED && slot->status != MS_SLOT_ERROR;
	g_mutex_unlock(&slot->mutex);
	*status = "unavailable";
	ms_source *src = shown ? ms_sources_lookup(stream) : NULL;
	if(src == NULL)
		return NULL;
	g_mutex_lock(&a->mutex);
	gboolean pcmu = a->pt_pcmu >= 0, pcma = a->pt_pcma >= 0;
	g_mutex_unlock(&a->mutex);
	ms_source *audio = ms_source_audio(ms_source_camera(src), pcmu, pcma);
	if(audio != NULL && ms_source_get_state(audio) == MS_SRC_ACTIVE)
		*status = "active";
	return audio;
}

void ms_audio_follow(ms_audio *a, json_t *request_id, const char *transaction)
{
	ms_session *s = a->session;
	char stream[MS_RESOLVED_MAX];
	const char *status;
	g_mutex_lock(&a->mutex);
	int focus = a->focus;
	ms_source *old = a->bound;
	g_mutex_unlock(&a->mutex);
	ms_source *want = target(a, s, focus, stream, sizeof(stream), &status);
	if(want != old) {
		if(want != NULL)
			ms_source_add_consumer(want, &a->consumer);
		g_mutex_lock(&a->mutex);
		a->bound = want;
		a->rebase = TRUE;
		g_mutex_unlock(&a->mutex);
		if(old != NULL)
			ms_source_remove_consumer(old, &a->consumer);
	}
	g_mutex_lock(&a->mutex);
	gboolean changed = strcmp(stream, a->stream) != 0 || strcmp(status, a->status) != 0;
	g_strlcpy(a->stream, stream, sizeof(a->stream));
	a->status = status;
	g_mutex_unlock(&a->mutex);
	/* A reply always; a notice when what the m-line carries changed */
	if((request_id != NULL || changed) && !g_atomic_int_get(&s->destroyed))
		ms_io->event(s->handle, request_id != NULL ? transaction : NULL,
			ms_msg_audio(request_id, focus, stream, status), NULL);
}

gboolean ms_audio_follows(ms_audio *a, int slot)
{
	g_mutex_lock(&a->mutex);
	gboolean yes = a->focus >= 0 && a->focus == slot;
	g_mutex_unlock(&a->mutex);
	return yes;
}
