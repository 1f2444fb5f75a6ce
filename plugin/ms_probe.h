/* ms_probe.h: a padding probe of a viewer's link before a bandwidth step
 * up (pure: no Janus, no locks, no allocation; fake-clock tested).
 *
 * Quality auto steps a slot down when loss says the link cannot carry the
 * wall. Stepping back up blind is a gamble: the new variant's keyframe and
 * rate land on a link not known to carry them, and when it does not, one or
 * two tiles freeze for a second. So a big step up (ms_session.c says
 * which) is proven first: the plugin
 * sends RTP padding (packets of no media, on the slots' own SSRCs and
 * sequence numbers, between frames) on top of the wall, as much as the step
 * would add, and steps up only when the browser's feedback shows the link
 * carried it.
 *
 * A probe from base to target bps (what the slots carry now, what the
 * step up would reach):
 *   - its padding ramps from 0 to target - base (at most
 *     MS_PROBE_MAX_PADDING_BPS: the target is lowered to fit) at
 *     MS_PROBE_SLOPE_BPS a second, then holds (a link that cannot carry the target loses
 *     packets while the excess is still small);
 *   - it fails at once, padding stopped, on the first sign of a queue
 *     overflowing: packets NACKed (MS_PROBE_NACK_MIN, and
 *     MS_PROBE_LOSS of what went out since it began), a receiver report
 *     block at MS_PROBE_LOSS or more (mean of the report's blocks, received
 *     MS_PROBE_REPORT_LAG_US or more after the start: earlier ones describe
 *     the time before), a report lag (below) MS_PROBE_QUEUE_US over the
 *     path's own, or a REMB below MS_PROBE_REMB_DROP of the one before the
 *     probe (the receiver saw its delay grow);
 *   - it passes MS_PROBE_TAIL_US after its padding ended with none of
 *     these, once MS_PROBE_MIN_REPORTS report blocks came after the ramp
 *     (no feedback proves nothing: it then fails).
 * The probe is short: a link that cannot carry the target queues its
 * excess (its delay grows: the REMB drops) long before it drops packets,
 * so a failure costs the wall a moment's delay, not a freeze.
 * Padding ramps quickly and holds; the tail gives the browser's receiver
 * reports (about one a second per SSRC, spread) time to come in;
 *   - a replay burst (a switch, a keyframe request) while it runs makes
 *     the feedback say nothing of the probe: it is dropped, no verdict.
 * After a failure the next probe waits a backoff: MS_PROBE_BACKOFF_US,
 * doubling with each failure in a row up to MS_PROBE_BACKOFF_MAX_US; a
 * pass resets it. A dropped probe waits MS_PROBE_BACKOFF_US. A pass is good for MS_PROBE_VALID_US: the caller steps
 * up to its target within that time, or probes again.
 *
 * Times are monotonic microseconds. Not thread-safe: the caller serialises
 * access. */
#ifndef MS_PROBE_H
#define MS_PROBE_H

#include <glib.h>

/* The ramp: MS_PROBE_SLOPE_BPS a second, over MS_PROBE_RAMP_MIN_US to
 * MS_PROBE_RAMP_MAX_US; then the padding holds for MS_PROBE_HOLD_US. At
 * most MS_PROBE_MAX_PADDING_BPS of padding (packets of no more than 267
 * bytes: more costs both ends more CPU than it proves) */
#define MS_PROBE_SLOPE_BPS 2000000
#define MS_PROBE_RAMP_MIN_US (400 * 1000)
#define MS_PROBE_RAMP_MAX_US (1200 * 1000)
#define MS_PROBE_HOLD_US (400 * 1000)
#define MS_PROBE_MAX_PADDING_BPS 6000000
#define MS_PROBE_TAIL_US (600 * 1000)
#define MS_PROBE_REPORT_LAG_US (200 * 1000)
#define MS_PROBE_MIN_REPORTS 2
#define MS_PROBE_LOSS 0.02
#define MS_PROBE_NACK_MIN 3
/* Report lag: how long before a receiver report block came in the packet
 * after the one it names as the highest received went out (the caller's
 * measure: the packet had not arrived when the report was written, so the
 * path took at least that long, both ways). Its least over
 * MS_PROBE_LAG_BUCKETS seconds is the path without a queue; a block
 * MS_PROBE_QUEUE_US over it says a queue is building up. */
#define MS_PROBE_QUEUE_US (50 * 1000)
#define MS_PROBE_LAG_BUCKETS 5
#define MS_PROBE_REMB_DROP 0.90
#define MS_PROBE_BACKOFF_US (3 * G_USEC_PER_SEC)
#define MS_PROBE_BACKOFF_MAX_US (6 * G_USEC_PER_SEC)
#define MS_PROBE_VALID_US (1500 * 1000)
/* Feedback on a probe keeps coming after its padding ends: receiver
 * reports cover about a second each and come up to one later, and what
 * the probe lost (a failed one overruns the queue a little before its
 * padding stops) shows in them: what ms_bwe_probing should cover */
#define MS_PROBE_ECHO_US (2 * G_USEC_PER_SEC)

typedef enum ms_probe_state {
	MS_PROBE_IDLE = 0,	/* nothing running; see passed/failed */
	MS_PROBE_RUNNING,	/* padding, or waiting for its feedback */
} ms_probe_state;

typedef enum ms_probe_verdict {
	MS_PROBE_NONE = 0,	/* no verdict (yet, or dropped) */
	MS_PROBE_PASSED,
	MS_PROBE_FAILED,
} ms_probe_verdict;

/* Zeroed: idle, no backoff. */
typedef struct ms_probe {
	/* The least report lag of each of the last seconds */
	gint64 lag_min[MS_PROBE_LAG_BUCKETS];
	gint64 lag_tick[MS_PROBE_LAG_BUCKETS];	/* its second + 1; 0: none */
	gint64 lag_over;	/* the running probe's largest lag over the path's */
	ms_probe_state state;
	gint64 started;
	gint64 ramp_us, end_us;	/* its ramp, and its padding, from started */
	guint64 base_bps, target_bps;
	guint64 remb_before;	/* the REMB when it started (0: none) */
	guint64 packets;	/* sent since it started */
	guint nacked;		/* packets NACKed since it started */
	guint reports;		/* report blocks after its ramp */
	/* The last verdict */
	ms_probe_verdict verdict;
	gint64 verdict_at;
	gboolean told;		/* ms_probe_poll returned it */
	guint64 passed_bps;	/* target of the last pass */
	const char *why;	/* what failed the last failure (for logs) */
	/* Backoff */
	gint64 backoff;		/* after the last failure (0: none) */
	guint fails_in_row;	/* failures since the last pass */
	gint64 not_before;	/* no probe starts before */
	guint64 passes, fails, dropped;	/* for stats */
} ms_probe;

/* Can a probe start now (none running, the backoff after a failure over)? */
gboolean ms_probe_can_start(const ms_probe *p, gint64 now);
/* Start probing from base to target bps (target > base; lowered to at
 * most MS_PROBE_MAX_PADDING_BPS over base); remb: the last REMB (0:
 * none). Its padding ends at started + end_us. */
void ms_probe_start(ms_probe *p, guint64 base_bps, guint64 target_bps, guint64 remb, gint64 now);
/* Padding to send now, bits per second on top of the media (0: none). */
guint64 ms_probe_padding_bps(const ms_probe *p, gint64 now);
/* Feedback, as ms_bwe takes it. */
void ms_probe_sent(ms_probe *p, guint packets);
void ms_probe_reports(ms_probe *p, guint n, guint lost_sum, gint64 now);
void ms_probe_nacks(ms_probe *p, guint n, gint64 now);
void ms_probe_remb(ms_probe *p, guint64 bps, gint64 now);
/* A receiver report block's lag (see MS_PROBE_QUEUE_US), us. */
void ms_probe_lag(ms_probe *p, gint64 lag, gint64 now);
/* The path's own lag: the least of the last MS_PROBE_LAG_BUCKETS seconds
 * (-1: none seen). */
gint64 ms_probe_path_lag(const ms_probe *p, gint64 now);
/* Stop a running probe without a verdict (a replay burst went out, the
 * wall changed: its feedback says nothing of the probe); the next waits
 * MS_PROBE_BACKOFF_US (no doubling). */
void ms_probe_drop(ms_probe *p, gint64 now);
/* Judge a running probe on time (call about every 100 ms); returns the
 * verdict reached by this call or by feedback since the last one (each
 * verdict is returned once), else MS_PROBE_NONE. */
ms_probe_verdict ms_probe_poll(ms_probe *p, gint64 now);
/* The target of a pass that is still good now (0: none). */
guint64 ms_probe_proven_bps(const ms_probe *p, gint64 now);

#endif
