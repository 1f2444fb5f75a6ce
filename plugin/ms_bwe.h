/* ms_bwe.h: what one viewer's PeerConnection can carry, from its RTCP
 * (pure: no Janus, no locks, no allocation; fake-clock tested).
 *
 * A loss-based send-side estimate in the spirit of GCC's loss controller.
 * The plugin cannot probe (no padding): what it sends is the only probe,
 * so the estimate says "less than you send" under loss and grows back
 * slowly when loss is gone.
 *
 * REMB is no cap. Chromium sends one (its receive-side, delay-based
 * estimate) even when the answer does not negotiate goog-remb, but it
 * never rises above about 1.5 times what arrives, and a GOP replay (a
 * burst of frames stamped a tick apart) reads to it as a queue building
 * up: taken as a cap, one replay pushed a 9-tile wall down to its
 * smallest variants and kept it there, uncapped, for good. What it tells
 * is kept: a REMB that drops (below MS_BWE_REMB_DROP of the last one, and
 * below the send rate) while the window shows loss (MS_BWE_LOSS_LOW or
 * more) is a queue seen building up, and cuts the estimate to it, with
 * the loss rule's interval (without loss it would spiral: the receiver's
 * estimate follows what arrives down, and every step down's replay reads
 * to it as a queue again); and a loss cut goes down to a
 * fresh REMB when that is lower than the loss rule's target. Neither
 * holds growth back.
 *
 * Evidence is kept per MS_BWE_BUCKET_US in a ring covering
 * MS_BWE_WINDOW_US (one second): bytes and packets sent, NACKed packets,
 * receiver report blocks and their fraction lost. The loss of the window
 * is the larger of
 *   - the mean fraction lost of its report blocks (all slots' SSRCs), and
 *   - NACKed packets / packets sent, once MS_BWE_NACK_MIN_PACKETS went out
 *     (a NACK burst is loss seen before the next receiver report).
 * Each receiver report and each NACK re-judges, with the loss of the
 * window:
 *   - loss > MS_BWE_LOSS_HIGH: estimate = send rate * (1 - loss / 2), or a
 *     REMB of the last MS_BWE_REMB_TTL_US when lower, never above the
 *     estimate it had, at least MS_BWE_MIN_BPS; at most once per
 *     MS_BWE_DECREASE_INTERVAL_US (so the next cut is judged on loss seen
 *     after this one), and only on a send rate measured over
 *     MS_BWE_MIN_SPAN_US or more. Nothing sent: nothing to judge.
 *   - loss < MS_BWE_LOSS_LOW, a report in the window, and the last cut
 *     MS_BWE_DECREASE_INTERVAL_US ago: the estimate (if any) grows
 *     MS_BWE_GROW_PERCENT a second (MS_BWE_GROW_NEAR_PERCENT within
 *     MS_BWE_CALM_US of the last cut, unless a fresh REMB is above the
 *     estimate) (pro rata of the time since the last
 *     judgement, at most a second's worth), up to MS_BWE_PROBE_HEADROOM
 *     times the highest one-second send rate seen so far ("what has been
 *     probed"); a growth never lowers it.
 *   - in between: unchanged.
 * A replay (a GOP cache sent at once on a switch, a resume or a
 * keyframe request) is a burst the viewer's socket and the first hop may
 * drop packets of although the path carries the steady rate: for
 * MS_BWE_BURST_GRACE_US after one, receiver reports, NACKs and REMBs are
 * not kept (neither cut nor growth is judged on them). A path that does
 * not carry the steady rate shows loss after the grace, and is cut then.
 * A grace is not given again within MS_BWE_BURST_GRACE_US of the end of
 * the last one: loss makes the browser ask for keyframes, which are
 * replays too, and must not hide the loss for good.
 * There is no estimate (0) until loss first cuts one: nothing is known,
 * nothing limits.
 *
 * Times are monotonic microseconds; a time earlier than one already seen
 * counts as that one. Every call is O(1) (the ring has a fixed size).
 * Not thread-safe: the caller serialises access. */
#ifndef MS_BWE_H
#define MS_BWE_H

#include <glib.h>

#define MS_BWE_WINDOW_US G_USEC_PER_SEC
#define MS_BWE_BUCKET_US (100 * 1000)
#define MS_BWE_BUCKETS (MS_BWE_WINDOW_US / MS_BWE_BUCKET_US)
/* A send rate measured over less (since the sending started or resumed
 * after a pause of a window) says little: loss does not cut on it, and
 * it is not taken as probed. */
#define MS_BWE_MIN_SPAN_US (500 * 1000)
/* Loss thresholds, fractions of packets (GCC's) */
#define MS_BWE_LOSS_HIGH 0.10
#define MS_BWE_LOSS_LOW 0.02
#define MS_BWE_NACK_MIN_PACKETS 20
#define MS_BWE_DECREASE_INTERVAL_US G_USEC_PER_SEC
#define MS_BWE_GROW_PERCENT 40
/* Within MS_BWE_CALM_US of a cut, growth is MS_BWE_GROW_NEAR_PERCENT a
 * second (GCC's 8 %): near what failed, a step up that fails again
 * freezes the wall for as long as its replay takes to drain. Unless a
 * fresh REMB is above the estimate: the receiver sees no queue (under a
 * bottleneck it says less than arrives), the bottleneck is gone. */
#define MS_BWE_GROW_NEAR_PERCENT 8
#define MS_BWE_CALM_US (8 * G_USEC_PER_SEC)
#define MS_BWE_PROBE_HEADROOM 1.5
#define MS_BWE_MIN_BPS (100 * 1000)
#define MS_BWE_REMB_TTL_US (2 * G_USEC_PER_SEC)
/* A REMB below MS_BWE_REMB_DROP of the last one and below the send rate
 * is a queue building up. The receiver's delay estimate lags: a replay
 * burst shows in its REMBs for seconds, so they have a grace of their
 * own, MS_BWE_REMB_GRACE_US (given and re-armed as the other). */
#define MS_BWE_REMB_DROP 0.97
#define MS_BWE_REMB_GRACE_US (4 * G_USEC_PER_SEC)
/* Long enough for the receiver report that covers a burst (browsers send
 * one about every second, spread over 0.5-1.5 s) */
#define MS_BWE_BURST_GRACE_US (1500 * 1000)

typedef struct ms_bwe_bucket {
	gint64 tick;		/* its time / MS_BWE_BUCKET_US + 1; 0: never used */
	guint64 bytes;
	guint32 packets;
	guint32 nacks;		/* packets NACKed */
	guint32 reports;	/* receiver report blocks */
	guint32 lost;		/* sum of their fraction lost (0..255 each) */
} ms_bwe_bucket;

/* Zeroed: a fresh estimator (or see ms_bwe_reset). */
typedef struct ms_bwe {
	ms_bwe_bucket ring[MS_BWE_BUCKETS];
	gint64 now;		/* the latest time seen */
	gboolean sending;	/* a packet went out ... */
	gint64 first_sent;	/* ... the first since the last pause of a window or more */
	gint64 last_sent;
	guint64 estimate;	/* bps, loss-based (0: none) */
	guint64 probed;		/* highest send rate seen at a judgement */
	gint64 last_cut;	/* when loss last cut the estimate (0: never) */
	gint64 last_judged;	/* the last report or NACK */
	guint64 cuts;		/* loss cuts, for stats */
	guint64 remb;		/* bps of the last REMB kept (0: none) */
	gint64 remb_at;
	gint64 burst_until;	/* feedback before this is not kept */
	gint64 remb_until;	/* REMBs before this are not kept */
	gint64 probe_until;	/* a probe's: no feedback before this is kept */
	guint64 forgiven;	/* report blocks and NACKed packets not kept, for stats */
} ms_bwe;

/* Forget everything (a new PeerConnection). */
void ms_bwe_reset(ms_bwe *b);

/* A packet of bytes went to the viewer (any slot, any m-line). */
void ms_bwe_sent(ms_bwe *b, guint bytes, gint64 now);
/* packets packets of bytes in all went out since the last call (a caller
 * that sums on its hot path and hands over the sums now and then). */
void ms_bwe_sent_many(ms_bwe *b, guint64 bytes, guint packets, gint64 now);
/* A REMB of bps (0: ignored). */
void ms_bwe_remb(ms_bwe *b, guint64 bps, gint64 now);
/* A replay burst went out now (see MS_BWE_BURST_GRACE_US). */
void ms_bwe_burst(ms_bwe *b, gint64 now);
/* A padding probe (ms_probe.h) runs: until then, receiver reports, NACKs
 * and REMBs tell of the probe, which judges them itself; they are not
 * kept here (a probe that fails must not cut the estimate below what the
 * wall carried fine before it). */
void ms_bwe_probing(ms_bwe *b, gint64 until);
/* One receiver report block: its fraction lost, 0..255 as in RTCP. */
void ms_bwe_report(ms_bwe *b, guint8 fraction_lost, gint64 now);
/* n blocks at once, lost_sum the sum of their fractions lost (what
 * ms_rtcp_read_feedback gives: reports, loss_sum); n = 0: nothing. */
void ms_bwe_reports(ms_bwe *b, guint n, guint lost_sum, gint64 now);
/* A NACK asked for n packets again (n = 0: nothing). */
void ms_bwe_nacks(ms_bwe *b, guint n, gint64 now);

/* A padding probe (ms_probe.h) showed the link carries bps: the estimate
 * is at least MS_BWE_PROVEN_HEADROOM times it (room for quality auto's
 * margin), and bps counts as probed. No estimate (0): stays none. */
#define MS_BWE_PROVEN_HEADROOM 1.25
void ms_bwe_proven(ms_bwe *b, guint64 bps, gint64 now);

/* What the connection can carry, bits per second; 0: no estimate. */
guint64 ms_bwe_estimate(const ms_bwe *b, gint64 now);
/* What went out over the last MS_BWE_WINDOW_US (since the first packet
 * while that is more recent, but at least one bucket's time), bps. */
guint64 ms_bwe_send_rate(const ms_bwe *b, gint64 now);
/* The loss of the window as judged (0..1), for stats and logs. */
double ms_bwe_loss(const ms_bwe *b, gint64 now);

#endif
