/* ms_session_priv.h: session and slot internals shared by ms_session.c
 * (requests, lifecycle) and ms_relay.c (the per-packet path). */
#ifndef MS_SESSION_PRIV_H
#define MS_SESSION_PRIV_H

#include "ms_plugin.h"
#include "ms_session.h"
#include "ms_source.h"
#include "ms_protocol.h"
#include "ms_rewrite.h"
#include "ms_sdp.h"
#include "ms_slot.h"
#include "ms_guard.h"
#include "ms_switch.h"
#include "ms_auto.h"
#include "ms_bwe.h"
#include "ms_probe.h"
#include "ms_rtp.h"

typedef struct ms_audio ms_audio;

/* Tokens a session remembers as accepted (a plugin-wide lock does not
 * apply to them). */
#define MS_PROVEN_TOKENS 4

#define MS_SENT_RING 512

typedef struct ms_slot {
	ms_session *session;		/* owner (alive while the slot is bound) */
	int index;
	ms_consumer consumer;		/* registered with bound/next sources */

	GMutex mutex;			/* guards everything below */
	int mindex;			/* m-line index, -1 before the offer */
	char mid[MS_SDP_MID_MAX];
	ms_slot_status status;
	char *error;			/* status error string, or NULL */
	char stream[MS_RESOLVED_MAX];	/* resolved name shown (or switched to) */
	char quality[MS_NAME_MAX];	/* requested quality ("" if none) */
	char token[MS_NAME_MAX];	/* the token that authorized stream (resume reuses it) */
	ms_switch sw;			/* bound/next sources and the switch state (ms_switch.h) */
	ms_rewrite rw;
	int pt_h264, pt_h265;		/* payload types of its m-line (-1: not negotiated) */
	/* Quality "auto" (quality is "auto"; docs/protocol.md §15): the last
	 * hint, and how many candidates below its size choice the bandwidth
	 * keeps it. A hint is kept for a slot that is not auto too. */
	gboolean hinted, visible;
	guint hint_w, hint_h;
	guint step_down;
	char actual[MS_NAME_MAX];	/* what an auto slot shows: "native" or a quality */
	/* The candidates next to an auto slot's pick (one below, one above)
	 * kept running by this no-op consumer while the slot is shown
	 * (auto_warm), so a resize or a bandwidth step flips at once. Session
	 * mutex. */
	ms_consumer warm;
	ms_source *warm_src[2];
	/* A source the slot should show but cannot send (its m-line lacks that
	 * codec): withheld, and moved to its transcode by the next tick */
	ms_source *wrong_codec;
	guint64 packets;		/* relayed */
	/* A replay that goes out after the source's lock is released (requests,
	 * PLI: ms_relay_try_now), so the source's other consumers do not wait
	 * for it: its rewritten packets, and the live packets of the bound
	 * source that arrive meanwhile, in order */
	gboolean replaying;
	/* The pending switch starts at next's live keyframe, never from its
	 * cache: a bandwidth step up of quality auto, whose replay would be a
	 * burst on a link not known to carry even the steady rate */
	gboolean next_live;
	gint64 live_at;			/* when it was asked for */
	gint64 live_flip;		/* when such a step up last flipped (0: never) */
	/* Its share of a probe's padding (ms_probe.h): owed bytes, since */
	guint64 pad_credit;
	gint64 pad_last;
	guint64 padded;			/* padding packets sent */
	/* When its last packets went out, for the report lag (ms_probe.h):
	 * by sequence number % MS_SENT_RING, each the number << 48 | the
	 * monotonic time (atomics: written without the slot mutex too) */
	guint64 sent_at[MS_SENT_RING];
	GByteArray *replay;		/* packets, each a guint16 length then the bytes */
	GByteArray *backlog;		/* same layout */
} ms_slot;

struct ms_session {
	janus_plugin_session *handle;
	GMutex mutex;			/* guards state and slots */
	ms_session_state state;
	ms_slot **slots;
	guint n_slots;
	volatile gint media_up;		/* PeerConnection up (setup_media .. hangup) */
	volatile gint destroyed;
	volatile gint refs;
	gint64 last_rtcp;		/* monotonic us, written by the core's thread */
	gint64 grace_since;		/* silent since (0: healthy) */
	char token[MS_NAME_MAX];	/* the init's token: default for later requests */
	gint64 rate_window;		/* start of the current one-second window */
	guint rate_count;		/* requests in that window */
	gint64 setup_since;		/* init with media not up yet (0: not waiting) */
	/* Token checks (ms_guard.h) */
	ms_guard guard;			/* this session's failures and lock */
	char proven[MS_PROVEN_TOKENS][MS_NAME_MAX];	/* tokens accepted here */
	guint n_proven;
	char failed_name[MS_RESOLVED_MAX];	/* the last failed check, not */
	char failed_token[MS_NAME_MAX];		/* counted again when repeated */
	ms_audio *audio;		/* the audio m-line (init with audio: true), or NULL */
	/* Quality "auto" (docs/protocol.md §15): the engine's view of every
	 * slot (n_slots, then n_slots of scratch for ms_auto_up_target; NULL
	 * before an init), its state, and the viewer's bandwidth estimate,
	 * fed by every packet sent and every RTCP */
	ms_auto_slot *auto_slots;
	ms_auto autoq;
	GMutex bwe_mutex;		/* guards bwe and rtcp: the core's thread, the tick, a replay on a source thread */
	ms_bwe bwe;
	ms_probe probe;			/* a padding probe before a step up (bwe_mutex) */
	/* Its padding now, shared by this many slots (atomics: the tick sets
	 * them, the slots' packet paths read them) */
	gint pad_kbps, pad_shares;
	/* What went out since bwe last heard (atomics: every packet adds, on
	 * the source threads, without a lock; ms_session_bwe_lock hands the
	 * sums to bwe) */
	gint sent_bytes, sent_packets;
	ms_rtcp_feedback rtcp;		/* what the viewer's RTCP said, summed (admin query) */
};

/* The seam to Janus (ms_sessions_init). */
extern const ms_session_io *ms_io;

/* The PeerConnection can take packets (media up, handle not stopped). */
gboolean ms_session_media_ready(ms_session *s);
/* A packet of len bytes went to the viewer (for the bandwidth estimate). */
void ms_session_sent(ms_session *s, gsize len);
/* Lock bwe_mutex, hand bwe what went out since, and return it. A leaf
 * lock: taken under the session, slot and source mutexes, never before
 * them. */
ms_bwe *ms_session_bwe_lock(ms_session *s, gint64 now);
void ms_session_bwe_unlock(ms_session *s);
/* When the slot's packet seq went out (monotonic us), -1 when it is no
 * longer known. */
#define MS_SENT_TIME_MASK ((G_GUINT64_CONSTANT(1) << 48) - 1)
gint64 ms_slot_sent_at(ms_slot *slot, guint16 seq);
/* A replay burst went out to the viewer (ms_bwe_burst; a probe running is dropped). */
void ms_session_burst(ms_session *s, gint64 now);

/* ms_audio.c: the session's audio m-line (docs/protocol.md §14) */
ms_audio *ms_audio_new(ms_session *s);
void ms_audio_free(ms_audio *a);
/* The offer's audio m-line, as answered. */
void ms_audio_negotiated(ms_audio *a, const ms_sdp_audio *sdp);
/* Which slot is heard (-1: none); then ms_audio_follow. */
void ms_audio_set_focus(ms_audio *a, int slot);
/* Carry the focused slot's camera's audio (bind, unbind), and tell: a reply
 * when request_id is given, else a notice when the stream or the status
 * changed. Session mutex held. */
void ms_audio_follow(ms_audio *a, json_t *request_id, const char *transaction);
/* Is slot the one heard? */
gboolean ms_audio_follows(ms_audio *a, int slot);

/* ms_relay.c */
extern const ms_consumer_ops ms_relay_ops;
/* Move the slot to a new status, emitting a status event when it changed
 * or when request_id is given (a reply). Slot mutex held. */
void ms_relay_set_status(ms_slot *slot, ms_slot_event ev, json_t *request_id,
	const char *transaction, const char *error);
/* Tell the slot's status as it is (a reply when request_id is given). Slot
 * mutex held. */
void ms_relay_report_status(ms_slot *slot, json_t *request_id, const char *transaction);
/* Try to start/flip the slot right now from the GOP cache of src (no live
 * packet needed). Takes src's mutex then the slot's. */
void ms_relay_try_now(ms_slot *slot, ms_source *src);

/* Is the slot's quality "auto"? Slot mutex held (or the session's). */
static inline gboolean ms_slot_auto(const ms_slot *slot)
{
	return strcmp(slot->quality, MS_QUALITY_AUTO) == 0;
}

/* The payload type slot sends codec with; -1 when its m-line did not
 * negotiate it. Before the offer, and for a codec not known yet, every
 * codec is taken (-2): the check comes once both are known. Slot mutex
 * held (or the session's, before media). */
static inline int ms_slot_pt(const ms_slot *slot, const ms_codec *codec)
{
	if(slot->mindex < 0 || codec == NULL)
		return -2;
	return codec == &ms_codec_h265 ? slot->pt_h265 : slot->pt_h264;
}

#endif
