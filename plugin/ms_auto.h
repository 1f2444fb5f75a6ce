/* ms_auto.h: quality "auto", which variant each slot of a viewer shows
 * (pure: no Janus, no locks, no allocation; fake-clock tested).
 *
 * A slot's candidates are its stream and the stream's variants, each with
 * a height (0: the native stream, of unknown size: the tallest) and an
 * expected bitrate (0: ms_auto_default_kbps of its height). For each auto
 * slot, ms_auto_choose decides:
 *
 *   1. The size choice: the smallest candidate at least as tall as the
 *      slot's rendered height (device pixels); the tallest (native) when
 *      none is, or when the rendered height is unknown (0: no hint yet). A
 *      hidden slot picks nothing (inactive) and forgets its level.
 *   2. The bandwidth: the pick is `level` candidates below the size
 *      choice (never below the smallest). While the expected bitrates of
 *      all slots (those not auto at the stream they show) add up to more
 *      than the available bps, auto slots step down one candidate at a
 *      time, the smallest rendered first (equal ones: the least stepped
 *      first), at once. A step back up needs the available bps to exceed
 *      the sum with the stepped-up candidate by MS_AUTO_UP_MARGIN_PERCENT,
 *      the wait after the last step, and the room seen continuously for
 *      MS_AUTO_HOLD_US (or the wait, when shorter: a doubled hold counts
 *      from the step down, not from when room is seen); then every slot
 *      whose step still fits
 *      steps up, the largest rendered first (equal ones: the most stepped
 *      first), and the next step up waits MS_AUTO_UP_AGAIN_US (a recovery
 *      climbs quickly); a step down makes it wait the hold: none within a
 *      hold time of a step down. The
 *      hold is MS_AUTO_HOLD_US; a step down within MS_AUTO_UP_FAIL_US of a
 *      step up (the step up did not fit after all) doubles it, up to
 *      MS_AUTO_HOLD_MAX_US; a step down later than that resets it.
 *      Available 0 (no estimate): nothing limits, every level is cleared.
 *
 * Resizing keeps the level: a tile enlarged while stepped down moves up at
 * once by its size (sizes are never held back), staying `level` below its
 * new size choice while the bandwidth still says so; a shrunk one moves
 * down at once. Slots that are not auto are never changed, but count.
 *
 * Default expected bitrates (kbit/s), by the first height at least as tall:
 *   180p 300, 240p 500, 360p 800, 480p 1200, 540p 1500, 720p 2500,
 *   1080p 4500, 1440p 8000, 2160p (and taller) 16000; native (0) 4500.
 * Measured or configured rates, when known, are better: pass them.
 *
 * Not thread-safe: the caller serialises access. */
#ifndef MS_AUTO_H
#define MS_AUTO_H

#include <glib.h>

#define MS_AUTO_MAX_CANDIDATES 16
#define MS_AUTO_UP_MARGIN_PERCENT 20
#define MS_AUTO_HOLD_US (3 * G_USEC_PER_SEC)
#define MS_AUTO_UP_AGAIN_US G_USEC_PER_SEC
#define MS_AUTO_HOLD_MAX_US (16 * G_USEC_PER_SEC)
#define MS_AUTO_UP_FAIL_US (5 * G_USEC_PER_SEC)
#define MS_AUTO_NATIVE_KBPS 4500

typedef struct ms_auto_candidate {
	const void *stream;	/* the caller's (opaque) */
	guint height;		/* pixels; 0: native, size unknown (the tallest) */
	guint kbps;		/* expected bitrate; 0: ms_auto_default_kbps(height) */
} ms_auto_candidate;

typedef struct ms_auto_slot {
	/* The caller's: what the slot is, and the last hint */
	gboolean is_auto;
	gboolean hidden;	/* hinted visible: false */
	guint height;		/* rendered height, device pixels (0: unknown) */
	ms_auto_candidate cand[MS_AUTO_MAX_CANDIDATES];	/* smallest first, native last */
	guint n_cand;
	/* The engine's (the caller's for a slot that is not auto) */
	gint pick;		/* index in cand of what it shows; -1: nothing */
	guint level;		/* candidates below its size choice (bandwidth) */
	gint prev;		/* pick before the last ms_auto_choose */
	gboolean changed;	/* ... which changed it: switch the slot */
	gboolean stepped_up;	/* ... by a bandwidth step up: the new pick is a
				 * probe of the link (start it without a burst) */
} ms_auto_slot;

/* Zeroed: a fresh engine (one per viewer). */
typedef struct ms_auto {
	gboolean up_fits;	/* a step up fits ... */
	gint64 up_since;	/* ... since */
	gint64 stepped_at;	/* the last step (0: none) */
	gint64 last_up;		/* the last step up, while it may still fail (0: none) */
	gint64 hold;		/* the hold now (0: MS_AUTO_HOLD_US) */
	gint64 wait;		/* what the next step up waits: the hold after a
				 * step down, MS_AUTO_UP_AGAIN_US after a step up */
	guint64 ups, downs;	/* bandwidth steps, for stats */
	guint64 up_limit;	/* the caller's: steps up for bandwidth only while
				 * the sum stays at or under it (0: no limit; sizes
				 * and steps down never look at it) */
	gboolean proven;	/* the caller's: up_limit is room just proven (a
				 * probe of the link passed): the steps up that fit
				 * it go at once, MS_AUTO_UP_AGAIN_US after the last
				 * step, without the hold */
} ms_auto;

/* An auto slot of these candidates (the stream and its variants, in any
 * order; at most MS_AUTO_MAX_CANDIDATES are kept, a list with more should
 * leave out what it cares least about; variants of unknown height other
 * than the stream itself are better left out: they count as native). Set
 * at init/switch/resume: the same candidates again (streams and heights;
 * their bitrates are measured and may move) keep pick and level; others
 * clear pick (-1) and level, so the next ms_auto_choose reports the slot
 * changed. Keeps hidden and height. */
void ms_auto_slot_set(ms_auto_slot *s, const ms_auto_candidate *c, guint n);
/* A slot that is not auto, showing stream (NULL: nothing, e.g. paused,
 * offline, error; also how a slot struct starts). Keeps hidden and height. */
void ms_auto_slot_fixed(ms_auto_slot *s, const void *stream, guint height, guint kbps);
/* What the slot shows, or NULL. */
const ms_auto_candidate *ms_auto_picked(const ms_auto_slot *s);

guint ms_auto_default_kbps(guint height);
/* A candidate's expected bitrate, kbit/s. */
guint ms_auto_kbps(const ms_auto_candidate *c);
/* The expected bitrate of the slots as they are, bps. */
guint64 ms_auto_sum_bps(const ms_auto_slot *slots, guint n);

/* What a round of bandwidth steps up from slots as they are (after an
 * ms_auto_choose) would reach: steps in the order ms_auto_choose takes
 * them while the sum stays at or under limit, at least one step when any
 * is left (what to probe the link for before stepping). The sum as it is
 * when no auto slot is stepped down. scratch: room for n slots. */
guint64 ms_auto_up_target(const ms_auto_slot *slots, ms_auto_slot *scratch, guint n, guint64 limit);

/* Update the picks of the auto slots (see above) for available_bps (0: no
 * estimate) at now. Call on a hint, a slot's change (set/fixed), and each
 * new estimate, at least about once a second: the hold counts from the
 * first call that sees a step up fit, and room seen by two calls is taken
 * as there in between. Sets each slot's changed (and prev); returns how
 * many changed. */
guint ms_auto_choose(ms_auto *a, ms_auto_slot *slots, guint n, guint64 available_bps, gint64 now);

#endif
