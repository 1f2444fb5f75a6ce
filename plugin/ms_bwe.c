/* ms_bwe.c: a viewer's bandwidth estimate from its RTCP (see ms_bwe.h). */
#include <string.h>
#include "ms_bwe.h"

void ms_bwe_reset(ms_bwe *b)
{
	memset(b, 0, sizeof(*b));
}

/* Times never run back: a caller's clock read before another's may come
 * second. */
static gint64 advance(ms_bwe *b, gint64 now)
{
	if(now < b->now)
		return b->now;
	b->now = now;
	return now;
}

static gint64 tick_of(gint64 now)
{
	return MAX(now, 0) / MS_BWE_BUCKET_US + 1;
}

/* The bucket of now, emptied when it last held an older time. */
static ms_bwe_bucket *bucket(ms_bwe *b, gint64 now)
{
	gint64 tick = tick_of(now);
	ms_bwe_bucket *k = &b->ring[tick % MS_BWE_BUCKETS];
	if(k->tick != tick) {
		memset(k, 0, sizeof(*k));
		k->tick = tick;
	}
	return k;
}

/* The sums of the buckets in the window ending at now; *start: when the
 * oldest of them began. */
static void window(const ms_bwe *b, gint64 now, ms_bwe_bucket *sum, gint64 *start)
{
	gint64 tick = tick_of(now);
	memset(sum, 0, sizeof(*sum));
	for(guint i = 0; i < MS_BWE_BUCKETS; i++) {
		const ms_bwe_bucket *k = &b->ring[i];
		if(k->tick == 0 || k->tick > tick || k->tick <= tick - MS_BWE_BUCKETS)
			continue;
		sum->bytes += k->bytes;
		sum->packets += k->packets;
		sum->nacks += k->nacks;
		sum->reports += k->reports;
		sum->lost += k->lost;
	}
	*start = MAX(tick - MS_BWE_BUCKETS, 0) * MS_BWE_BUCKET_US;
}

static guint64 rate_of(const ms_bwe *b, const ms_bwe_bucket *w, gint64 start, gint64 now)
{
	if(w->bytes == 0 || !b->sending)
		return 0;
	/* Not a full window yet: over the time since the first packet */
	gint64 span = now - MAX(start, b->first_sent);
	span = MAX(span, MS_BWE_BUCKET_US);
	return w->bytes * 8 * G_USEC_PER_SEC / (guint64)span;
}

static double loss_of(const ms_bwe_bucket *w)
{
	double rr = w->reports > 0 ? (double)w->lost / (256.0 * w->reports) : 0.0;
	double nack = w->packets >= MS_BWE_NACK_MIN_PACKETS ? (double)w->nacks / w->packets : 0.0;
	return MIN(MAX(rr, nack), 1.0);
}

/* The send rate, once measured over MS_BWE_MIN_SPAN_US (else 0). */
static guint64 settled_rate(const ms_bwe *b, const ms_bwe_bucket *w, gint64 start, gint64 now)
{
	return b->sending && now - b->first_sent >= MS_BWE_MIN_SPAN_US ? rate_of(b, w, start, now) : 0;
}

static gint64 cut_over(const ms_bwe *b)
{
	return b->last_cut > 0 ? b->last_cut + MS_BWE_DECREASE_INTERVAL_US : 0;
}

static gboolean remb_fresh(const ms_bwe *b, gint64 now)
{
	return b->remb > 0 && now - b->remb_at < MS_BWE_REMB_TTL_US;
}

/* Lower the estimate to target (never raise it), at least MS_BWE_MIN_BPS. */
static void cut(ms_bwe *b, guint64 target, gint64 now)
{
	target = MAX(target, MS_BWE_MIN_BPS);
	if(b->estimate == 0 || target < b->estimate)
		b->estimate = target;
	b->last_cut = now;
	b->cuts++;
}

/* Cut, grow or keep the estimate on the loss of the window. */
static void judge(ms_bwe *b, gint64 now)
{
	ms_bwe_bucket w;
	gint64 start;
	window(b, now, &w, &start);
	guint64 rate = settled_rate(b, &w, start, now);
	if(rate > b->probed)
		b->probed = rate;
	double loss = loss_of(&w);
	gint64 over = cut_over(b);
	if(loss > MS_BWE_LOSS_HIGH) {
		if(rate > 0 && now >= over) {
			guint64 target = (guint64)(rate * (1.0 - loss / 2.0));
			cut(b, remb_fresh(b, now) ? MIN(target, b->remb) : target, now);
		}
	} else if(loss < MS_BWE_LOSS_LOW && w.reports > 0 && b->estimate > 0 && now >= over) {
		/* Growth counts from the end of the last cut's interval */
		gint64 dt = MIN(now - MAX(b->last_judged, over), G_USEC_PER_SEC);
		/* Slowly while the last cut is recent: what failed is near */
		gboolean clear = now - b->last_cut >= MS_BWE_CALM_US ||
			(remb_fresh(b, now) && b->remb > b->estimate);
		guint64 pct = clear ? MS_BWE_GROW_PERCENT : MS_BWE_GROW_NEAR_PERCENT;
		guint64 grown = b->estimate + b->estimate * pct * (guint64)MAX(dt, 0) / (100 * G_USEC_PER_SEC);
		guint64 cap = (guint64)(b->probed * MS_BWE_PROBE_HEADROOM);
		b->estimate = grown > cap ? MAX(b->estimate, cap) : grown;
	}
	b->last_judged = now;
}

void ms_bwe_sent(ms_bwe *b, guint bytes, gint64 now)
{
	ms_bwe_sent_many(b, bytes, 1, now);
}

void ms_bwe_sent_many(ms_bwe *b, guint64 bytes, guint packets, gint64 now)
{
	if(packets == 0)
		return;
	now = advance(b, now);
	/* A rate counts from the first packet after a pause of a window */
	if(!b->sending || now - b->last_sent >= MS_BWE_WINDOW_US)
		b->first_sent = now;
	b->sending = TRUE;
	b->last_sent = now;
	ms_bwe_bucket *k = bucket(b, now);
	k->bytes += bytes;
	k->packets += packets;
}

/* Inside a burst's grace: the evidence is not kept. */
static gboolean forgive(ms_bwe *b, guint n, gint64 now)
{
	if(now >= b->burst_until && now >= b->probe_until)
		return FALSE;
	b->forgiven += n;
	return TRUE;
}

void ms_bwe_burst(ms_bwe *b, gint64 now)
{
	now = advance(b, now);
	/* Within a grace, or too soon after one: no new grace */
	if(b->burst_until == 0 || now >= b->burst_until + MS_BWE_BURST_GRACE_US)
		b->burst_until = now + MS_BWE_BURST_GRACE_US;
	if(b->remb_until == 0 || now >= b->remb_until + MS_BWE_REMB_GRACE_US)
		b->remb_until = now + MS_BWE_REMB_GRACE_US;
}

void ms_bwe_probing(ms_bwe *b, gint64 until)
{
	b->probe_until = MAX(b->probe_until, until);
}

void ms_bwe_remb(ms_bwe *b, guint64 bps, gint64 now)
{
	if(bps == 0)
		return;
	now = advance(b, now);
	if(now < b->remb_until || now < b->probe_until) {
		b->forgiven++;
		return;
	}
	/* A REMB lower than the last one and than what goes out, with loss:
	 * the receiver saw a queue build up just now. Cut to it, as loss
	 * does. Without loss it is no cut: the receiver's estimate follows
	 * what arrives down (to 0.85 of it), and each step down's replay reads
	 * to it as a queue again, so cutting to it spirals down to the
	 * smallest variants on a link that carries more. */
	ms_bwe_bucket w;
	gint64 start;
	window(b, now, &w, &start);
	if(b->remb > 0 && bps < b->remb * MS_BWE_REMB_DROP && bps < settled_rate(b, &w, start, now) &&
			loss_of(&w) >= MS_BWE_LOSS_LOW && now >= cut_over(b))
		cut(b, bps, now);
	b->remb = bps;
	b->remb_at = now;
}

void ms_bwe_report(ms_bwe *b, guint8 fraction_lost, gint64 now)
{
	ms_bwe_reports(b, 1, fraction_lost, now);
}

void ms_bwe_reports(ms_bwe *b, guint n, guint lost_sum, gint64 now)
{
	if(n == 0)
		return;
	now = advance(b, now);
	if(forgive(b, n, now))
		return;
	ms_bwe_bucket *k = bucket(b, now);
	k->reports += n;
	k->lost += MIN(lost_sum, 255 * n);
	judge(b, now);
}

void ms_bwe_nacks(ms_bwe *b, guint n, gint64 now)
{
	if(n == 0)
		return;
	now = advance(b, now);
	if(forgive(b, n, now))
		return;
	ms_bwe_bucket *k = bucket(b, now);
	k->nacks += n;
	judge(b, now);
}

void ms_bwe_proven(ms_bwe *b, guint64 bps, gint64 now)
{
	advance(b, now);
	if(b->estimate == 0)
		return;
	b->estimate = MAX(b->estimate, (guint64)(bps * MS_BWE_PROVEN_HEADROOM));
	b->probed = MAX(b->probed, bps);
}

guint64 ms_bwe_estimate(const ms_bwe *b, gint64 now)
{
	(void)now;
	return b->estimate;
}

guint64 ms_bwe_send_rate(const ms_bwe *b, gint64 now)
{
	ms_bwe_bucket w;
	gint64 start;
	now = MAX(now, b->now);
	window(b, now, &w, &start);
	return rate_of(b, &w, start, now);
}

double ms_bwe_loss(const ms_bwe *b, gint64 now)
{
	ms_bwe_bucket w;
	gint64 start;
	window(b, MAX(now, b->now), &w, &start);
	return loss_of(&w);
}
