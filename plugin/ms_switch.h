/* ms_switch.h: the switch engine of one slot (pure: no Janus, no locks, no
 * allocation; the caller holds the slot's lock and carries out what it is
 * told).
 *
 * A slot shows one source (bound) and may be switching to another (next).
 * Make-before-break: bound keeps flowing until next can start the
 * browser's decoder, then the slot flips between two frames. The engine
 * decides, for each packet of a source or each look at a source's cache:
 *
 *   - withhold, relay, replay the cache, or start live on a keyframe;
 *   - when to cut the old stream (only between frames, unless it stalled);
 *   - when to flip, and which sources the slot no longer needs.
 *
 * Sources are opaque pointers here; what a source can offer at that moment
 * (a ready GOP cache, replay budget, a keyframe in the packet at hand) is
 * given by the caller, who knows the codec (ms_codec.h) and the cache.
 *
 * Replays are bounded whatever asks: a resync (keyframe request, PLI, FIR)
 * within MS_KEYFRAME_ANSWERED_US after a keyframe went out is already
 * answered; resyncs replay at most once per MS_RESYNC_REPLAY_INTERVAL_US
 * (else the slot waits for the source's live keyframe); replays of any
 * cause are at most MS_REPLAYS_PER_SECOND per slot. */
#ifndef MS_SWITCH_H
#define MS_SWITCH_H

#include <glib.h>

/* How long a frame left open by a stalled source may block a switch. */
#define MS_CUT_STALL_US (150 * 1000)
#define MS_KEYFRAME_ANSWERED_US (500 * 1000)
#define MS_RESYNC_REPLAY_INTERVAL_US G_USEC_PER_SEC
#define MS_REPLAYS_PER_SECOND 5

typedef struct ms_switch {
	const void *bound;	/* the source the browser decodes (NULL: none) */
	const void *next;	/* the source being switched to (NULL: none) */
	gboolean need_sync;	/* the browser needs a keyframe start from bound */
	gboolean sync_live;	/* ... which a replay may not give (resync bound) */
	gboolean stale;		/* a flip left a source behind: unbind it */
	gint64 last_send;	/* monotonic us a packet last went out */
	gint64 keyframe_out;	/* ... a keyframe start last went out */
	gint64 resync_replay;	/* ... a resync last caused a replay */
	gint64 replay_window;	/* start of the current second of replays */
	guint replay_count;	/* replays in it */
	guint64 switches;	/* flips to another source */
} ms_switch;

/* What a source can start the decoder with right now. */
typedef struct ms_switch_offer {
	gboolean cache;		/* its GOP cache is ready (and its next keyframe not due) */
	gboolean budget;	/* it may still replay this second */
	gboolean keyframe;	/* the packet at hand starts a keyframe */
} ms_switch_offer;

typedef enum ms_switch_act {
	MS_SW_WITHHOLD = 0,	/* nothing goes out for this packet / look */
	MS_SW_RELAY,		/* relay the packet live */
	MS_SW_REPLAY,		/* replay the source's cache (which holds the packet) */
	MS_SW_START,		/* the packet starts a keyframe: rebase, relay it */
} ms_switch_act;

typedef struct ms_switch_result {
	ms_switch_act act;
	gboolean flipped;	/* the slot now shows the source: report it */
	gboolean synced;	/* bound restarted the decoder: report it active */
} ms_switch_result;

/* A switch (or resume) to src. showing: the slot is active on src with
 * nothing pending (src is bound, no resync waiting): then nothing needs
 * waiting for and *now is set (flip at once). Returns the source a pending
 * switch no longer needs (to unbind), or NULL. */
const void *ms_switch_bind(ms_switch *sw, const void *src, gboolean showing, gboolean *now);

/* At init, or when the slot must start from src's next keyframe: src is
 * bound, the decoder needs a start. */
void ms_switch_bind_synced(ms_switch *sw, const void *src);

/* Forget every source (pause, unbind); keeps the counters. */
void ms_switch_clear(ms_switch *sw);

/* One step for src: a live packet (live = TRUE; o->keyframe says whether it
 * starts one) or a look at src's cache (live = FALSE). media: the
 * PeerConnection can take packets; frame_open: the last packet sent did
 * not end a frame. Updates the state and the replay bookkeeping as if the
 * result were carried out. */
ms_switch_result ms_switch_step(ms_switch *sw, const void *src, gboolean live, const ms_switch_offer *o,
	gboolean media, gboolean frame_open, gint64 now);

/* Does the slot wait for a start from src (it is next, or bound with the
 * decoder to restart)? Only then does the caller need to look at what src
 * can offer; otherwise ms_switch_step ignores the offer. */
gboolean ms_switch_waits_for(const ms_switch *sw, const void *src);

/* A live packet went out (relayed, or queued behind a replay). */
void ms_switch_sent(ms_switch *sw, gboolean keyframe, gint64 now);

/* The browser needs a keyframe (keyframe request, PLI, FIR, media up).
 * TRUE: the slot waits for one from bound (ask upstream, look at its cache
 * now); FALSE: nothing to do (no source, a switch pending, or already
 * answered). */
gboolean ms_switch_resync(ms_switch *sw, gint64 now);

/* src went silent: TRUE when the slot should report it offline (it is the
 * source the slot waits for, or shows with nothing pending). */
gboolean ms_switch_source_down(const ms_switch *sw, const void *src);
/* src delivers again while the slot is offline: restart from its keyframe. */
void ms_switch_source_up(ms_switch *sw, const void *src);

/* After a flip: TRUE once, when sources other than bound and next may be
 * unbound (the caller does it outside the packet path). */
gboolean ms_switch_take_stale(ms_switch *sw);

#endif
