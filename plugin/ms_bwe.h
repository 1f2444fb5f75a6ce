/* ms_bwe.h: what one viewer's PeerConnection can carry, from its RTCP
 * (pure: no Janus, no locks, no allocation; fake-clock tested).
 *
 * A loss-based send-side estimate in the spirit of GCC's loss controller,
 * with the viewer's REMB as a cap. The plugin cannot probe (no padding):
 * what it sends is the only probe, so the estimate says "less than you
 * send" under loss and grows back slowly when loss is gone.
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
 *   - loss > MS_BWE_LOSS_HIGH: estimate = send rate * (1 - loss / 2), never
 *     above the estimate it had, at least MS_BWE_MIN_BPS; at most once per
 *     MS_BWE_DECREASE_INTERVAL_US (so the next cut is judged on loss seen
 *     after this one), and only on a send rate measured over
 *     MS_BWE_MIN_SPAN_US or more. Nothing sent: nothing to judge.
 *   - loss < MS_BWE_LOSS_LOW, a report in the window, and the last cut
 *     MS_BWE_DECREASE_INTERVAL_US ago: the estimate (if any) grows
 *     MS_BWE_GROW_PERCENT a second (pro rata of the time since the last
 *     judgement, at most a second's worth), up to MS_BWE_PROBE_HEADROOM
 *     times the highest one-second send rate seen so far ("what has been
 *     probed"); a growth never lowers it.
 *   - in between: unchanged.
 * There is no estimate (0) until loss first cuts one: nothing is known,
 * nothing limits. A REMB (bps > 0) caps the estimate for
 * MS_BWE_REMB_TTL_US; alone it is the estimate. A REMB also lowers the
 * kept estimate, which then grows back as above.
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
#define MS_BWE_PROBE_HEADROOM 1.5
#define MS_BWE_MIN_BPS (100 * 1000)
#define MS_BWE_REMB_TTL_US (5 * G_USEC_PER_SEC)

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
	guint64 remb;		/* bps of the last REMB (0: none) */
	gint64 remb_at;
	guint64 cuts;		/* loss cuts, for stats */
} ms_bwe;

/* Forget everything (a new PeerConnection). */
void ms_bwe_reset(ms_bwe *b);

/* A packet of bytes went to the viewer (any slot, any m-line). */
void ms_bwe_sent(ms_bwe *b, guint bytes, gint64 now);
/* One receiver report block: its fraction lost, 0..255 as in RTCP. */
void ms_bwe_report(ms_bwe *b, guint8 fraction_lost, gint64 now);
/* n blocks at once, lost_sum the sum of their fractions lost (what
 * ms_rtcp_read_feedback gives: reports, loss_sum); n = 0: nothing. */
void ms_bwe_reports(ms_bwe *b, guint n, guint lost_sum, gint64 now);
/* A NACK asked for n packets again (n = 0: nothing). */
void ms_bwe_nacks(ms_bwe *b, guint n, gint64 now);
/* A REMB of bps (0: ignored). */
void ms_bwe_remb(ms_bwe *b, guint64 bps, gint64 now);

/* What the connection can carry, bits per second; 0: no estimate. */
guint64 ms_bwe_estimate(const ms_bwe *b, gint64 now);
/* What went out over the last MS_BWE_WINDOW_US (since the first packet
 * while that is more recent, but at least one bucket's time), bps. */
guint64 ms_bwe_send_rate(const ms_bwe *b, gint64 now);
/* The loss of the window as judged (0..1), for stats and logs. */
double ms_bwe_loss(const ms_bwe *b, gint64 now);

#endif
