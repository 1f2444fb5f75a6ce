/* test_bwe.c: the viewer's bandwidth estimate (ms_bwe) against a fake
 * clock: the send rate window, cuts on loss and NACK bursts, growth back,
 * the grace after a replay burst. */
#include <math.h>
#include <glib.h>
#include "ms_bwe.h"

#define MS (1000)
#define S G_USEC_PER_SEC
#define T0 (100 * S)

/* Send at bps from t for dur (a packet every 10 ms) with a receiver report
 * block of fraction lost every 250 ms (lost < 0: none); returns the end. */
static gint64 run(ms_bwe *b, gint64 t, gint64 dur, guint64 bps, int lost)
{
	guint bytes = (guint)(bps / 8 / 100);
	for(gint64 end = t + dur; t < end; t += 10 * MS) {
		ms_bwe_sent(b, bytes, t);
		if(lost >= 0 && t % (250 * MS) == 0)
			ms_bwe_report(b, (guint8)lost, t);
	}
	return t;
}

static void assert_near(guint64 got, guint64 want, double tolerance)
{
	if(got < want * (1.0 - tolerance) || got > want * (1.0 + tolerance))
		g_error("got %" G_GUINT64_FORMAT ", want %" G_GUINT64_FORMAT " +- %.0f %%", got, want, tolerance * 100);
}

static void test_rate_window(void)
{
	ms_bwe b = { 0 };
	g_assert_cmpuint(ms_bwe_send_rate(&b, T0), ==, 0);
	/* half a second in: over the time since the first packet */
	gint64 t = run(&b, T0, 500 * MS, 1000000, -1);
	assert_near(ms_bwe_send_rate(&b, t), 1000000, 0.02);
	t = run(&b, t, 3 * S, 1000000, -1);
	assert_near(ms_bwe_send_rate(&b, t), 1000000, 0.02);
	/* a faster second replaces it */
	t = run(&b, t, S, 3000000, -1);
	assert_near(ms_bwe_send_rate(&b, t), 3000000, 0.02);
	/* stopped: the window empties within a second */
	guint64 half = ms_bwe_send_rate(&b, t + 500 * MS);
	g_assert_cmpuint(half, >, 1000000);
	g_assert_cmpuint(half, <, 2000000);
	g_assert_cmpuint(ms_bwe_send_rate(&b, t + 1100 * MS), ==, 0);
	/* resumed after the pause: counted from the new first packet */
	t = run(&b, t + 5 * S, 300 * MS, 1000000, -1);
	assert_near(ms_bwe_send_rate(&b, t), 1000000, 0.05);
}

/* Low or moderate loss alone tells nothing: no estimate. */
static void test_no_estimate(void)
{
	ms_bwe b = { 0 };
	gint64 t = run(&b, T0, 3 * S, 2000000, 0);
	g_assert_cmpuint(ms_bwe_estimate(&b, t), ==, 0);
	t = run(&b, t, 3 * S, 2000000, 13);	/* 5 % */
	g_assert_cmpuint(ms_bwe_estimate(&b, t), ==, 0);
	assert_near((guint64)(ms_bwe_loss(&b, t) * 1000), 51, 0.05);
	/* blocks in a batch count as one each */
	ms_bwe_reports(&b, 0, 200, t);
	ms_bwe_reports(&b, 4, 4 * 13, t);
	assert_near((guint64)(ms_bwe_loss(&b, t) * 1000), 51, 0.05);
	ms_bwe_reports(&b, 2, 2 * 255 + 100, t);	/* more than 255 each: 255 */
	g_assert_cmpuint(b.ring[(t / MS_BWE_BUCKET_US + 1) % MS_BWE_BUCKETS].lost, ==, 4 * 13 + 2 * 255);
	/* loss but nothing sent: nothing to judge */
	ms_bwe c = { 0 };
	ms_bwe_report(&c, 200, T0);
	g_assert_cmpuint(ms_bwe_estimate(&c, T0), ==, 0);
}

static void test_loss_cuts(void)
{
	ms_bwe b = { 0 };
	/* 20 % loss from the start: the first cut once half a second was sent */
	ms_bwe_sent(&b, 2500, T0);
	ms_bwe_report(&b, 51, T0);
	g_assert_cmpuint(ms_bwe_estimate(&b, T0), ==, 0);
	gint64 t = run(&b, T0 + 10 * MS, 2 * S, 2000000, 51);
	g_assert_cmpuint(b.cuts, >=, 1);
	assert_near(ms_bwe_estimate(&b, t), 2000000 * (1.0 - 51.0 / 512), 0.02);
	/* the rate falls, the loss stays: cut after cut, following the rate */
	guint64 before = ms_bwe_estimate(&b, t);
	guint64 cuts = b.cuts;
	t = run(&b, t, 500 * MS, 1000000, 51);
	g_assert_cmpuint(b.cuts, <=, cuts + 1);		/* at most once a second */
	t = run(&b, t, 2 * S, 1000000, 51);
	g_assert_cmpuint(ms_bwe_estimate(&b, t), <, before);
	assert_near(ms_bwe_estimate(&b, t), 1000000 * (1.0 - 51.0 / 512), 0.02);
	/* a rate back up under loss never raises it */
	before = ms_bwe_estimate(&b, t);
	t = run(&b, t, 2 * S, 3000000, 51);
	g_assert_cmpuint(ms_bwe_estimate(&b, t), ==, before);
	/* moderate loss (5 %): kept as it is */
	t = run(&b, t, 2 * S, 1000000, 51);
	before = ms_bwe_estimate(&b, t);
	t = run(&b, t, 5 * S, 1000000, 13);
	g_assert_cmpuint(ms_bwe_estimate(&b, t), ==, before);
	/* heavy loss: never under the floor */
	t = run(&b, t, 10 * S, 100000, 255);
	g_assert_cmpuint(ms_bwe_estimate(&b, t), ==, MS_BWE_MIN_BPS);
}

static void test_grows_back(void)
{
	ms_bwe b = { 0 };
	gint64 t = run(&b, T0, 3 * S, 2000000, 0);
	t = run(&b, t, 2 * S, 2000000, 51);
	t = run(&b, t, 3 * S, 1000000, 51);
	guint64 cut = ms_bwe_estimate(&b, t);
	assert_near(cut, 900000, 0.02);
	/* loss gone: nothing while the window still holds it */
	t = run(&b, t, 500 * MS, 1000000, 0);
	g_assert_cmpuint(ms_bwe_estimate(&b, t), ==, cut);
	t = run(&b, t, S, 1000000, 0);
	/* then MS_BWE_GROW_NEAR_PERCENT a second while the cut is recent */
	guint64 e0 = ms_bwe_estimate(&b, t);
	g_assert_cmpuint(e0, >, cut);
	t = run(&b, t, S, 1000000, 0);
	guint64 e01 = ms_bwe_estimate(&b, t);
	g_assert_cmpuint(e01, >=, (guint64)(e0 * (1.0 + MS_BWE_GROW_NEAR_PERCENT / 100.0)));
	g_assert_cmpuint(e01, <=, (guint64)(e0 * exp(MS_BWE_GROW_NEAR_PERCENT / 100.0) * 1.01));
	t = run(&b, t, b.last_cut + MS_BWE_CALM_US - t, 1000000, 0);
	/* then MS_BWE_GROW_PERCENT a second, pro rata of each report's
	 * interval (compounded over the second's reports) */
	guint64 e1 = ms_bwe_estimate(&b, t);
	g_assert_cmpuint(e1, >=, cut);
	t = run(&b, t, S, 1000000, 0);
	guint64 e2 = ms_bwe_estimate(&b, t);
	g_assert_cmpuint(e2, >=, (guint64)(e1 * (1.0 + MS_BWE_GROW_PERCENT / 100.0)));
	g_assert_cmpuint(e2, <=, (guint64)(e1 * exp(MS_BWE_GROW_PERCENT / 100.0) * 1.01));
	/* up to 1.5 times what went out (2 Mbit/s), never beyond */
	assert_near(b.probed, 2000000, 0.03);
	t = run(&b, t, 60 * S, 1000000, 0);
	g_assert_cmpuint(ms_bwe_estimate(&b, t), ==, (guint64)(b.probed * MS_BWE_PROBE_HEADROOM));
	t = run(&b, t, 10 * S, 1000000, 0);
	g_assert_cmpuint(ms_bwe_estimate(&b, t), ==, (guint64)(b.probed * MS_BWE_PROBE_HEADROOM));
	/* a first cut from there: the send rate, not the estimate, counts */
	t = run(&b, t, 2 * S, 1000000, 77);	/* 30 % */
	assert_near(ms_bwe_estimate(&b, t), 1000000 * (1.0 - 77.0 / 512), 0.02);
}

/* NACKs are loss seen before the next receiver report. */
static void test_nack_burst(void)
{
	ms_bwe b = { 0 };
	gint64 t = run(&b, T0, 3 * S, 1000000, 0);
	/* 5 % of the window's packets: nothing */
	ms_bwe_nacks(&b, 5, t);
	g_assert_cmpuint(ms_bwe_estimate(&b, t), ==, 0);
	ms_bwe_nacks(&b, 0, t);
	/* 15 more (20 of the window's 90 packets): a cut */
	ms_bwe_nacks(&b, 15, t + 10 * MS);
	assert_near(ms_bwe_estimate(&b, t + 10 * MS), 1000000 * (1.0 - 20.0 / 90 / 2), 0.02);
	/* NACKs alone, rare ones: no growth without a receiver report */
	guint64 cut = ms_bwe_estimate(&b, t + 10 * MS);
	t += 10 * MS;
	for(int i = 0; i < 5; i++) {
		t = run(&b, t, S, 1000000, -1);
		ms_bwe_nacks(&b, 1, t);
	}
	g_assert_cmpuint(ms_bwe_estimate(&b, t), ==, cut);
	/* too few packets to judge by NACKs */
	ms_bwe c = { 0 };
	for(int i = 0; i < 10; i++)
		ms_bwe_sent(&c, 1000, T0 + i * 60 * MS);
	ms_bwe_nacks(&c, 8, T0 + 600 * MS);
	g_assert_cmpuint(c.cuts, ==, 0);
	g_assert_cmpuint(ms_bwe_estimate(&c, T0 + 600 * MS), ==, 0);
}

/* Loss within a replay burst's grace is not kept; loss that goes on
 * after it cuts as ever. */
static void test_burst_grace(void)
{
	ms_bwe b = { 0 };
	gint64 t = run(&b, T0, 3 * S, 1000000, 0);
	ms_bwe_burst(&b, t);
	/* 30 % loss and NACKs right after the burst, for its grace: no cut */
	t = run(&b, t, MS_BWE_BURST_GRACE_US - 20 * MS, 1000000, 77);
	ms_bwe_nacks(&b, 40, t);
	g_assert_cmpuint(b.cuts, ==, 0);
	g_assert_cmpuint(ms_bwe_estimate(&b, t), ==, 0);
	g_assert_cmpuint(b.forgiven, >=, 40 + 5);
	/* no growth either: a cut estimate stays as it is through a grace */
	ms_bwe c = { 0 };
	gint64 u = run(&c, T0, 2 * S, 1000000, 51);
	guint64 cut = ms_bwe_estimate(&c, u);
	g_assert_cmpuint(cut, >, 0);
	u = run(&c, u, 2 * S, 1000000, 0);
	guint64 before = ms_bwe_estimate(&c, u);
	ms_bwe_burst(&c, u);
	u = run(&c, u, MS_BWE_BURST_GRACE_US - 20 * MS, 1000000, 0);
	g_assert_cmpuint(ms_bwe_estimate(&c, u), ==, before);
	/* the loss goes on after the grace: cut within the next second */
	t = run(&b, t, S, 1000000, 77);
	g_assert_cmpuint(b.cuts, >, 0);
	assert_near(ms_bwe_estimate(&b, t), 1000000 * (1.0 - 0.3 / 2), 0.05);
	/* no new grace within one, nor within a grace's length after it (the
	 * keyframe requests loss brings must not hide it for good) */
	g_assert_cmpint(t, <, b.burst_until + MS_BWE_BURST_GRACE_US);
	ms_bwe_burst(&b, t);		/* too soon after the first */
	g_assert_cmpint(b.burst_until, ==, T0 + 3 * S + MS_BWE_BURST_GRACE_US);
	t = run(&b, t, MS_BWE_BURST_GRACE_US, 1000000, 77);
	gint64 until = t + MS_BWE_BURST_GRACE_US;
	ms_bwe_burst(&b, t);
	g_assert_cmpint(b.burst_until, ==, until);
	ms_bwe_burst(&b, t + MS_BWE_BURST_GRACE_US / 2);
	g_assert_cmpint(b.burst_until, ==, until);
	ms_bwe_burst(&b, until + MS_BWE_BURST_GRACE_US - 1);
	g_assert_cmpint(b.burst_until, ==, until);
	t = run(&b, until, MS_BWE_BURST_GRACE_US, 1000000, 200);
	guint64 cuts = b.cuts;
	t = run(&b, t, S, 1000000, 200);
	g_assert_cmpuint(b.cuts, >, cuts);
	ms_bwe_burst(&b, t);
	g_assert_cmpint(b.burst_until, ==, t + MS_BWE_BURST_GRACE_US);
}

/* REMB: never an estimate or a cap of its own; where loss cuts, the cut
 * goes down to a fresh REMB when that is lower. */
/* A padding probe's feedback is the probe's: kept out while it runs (no
 * cut below what the wall carried before it, REMBs too); a pass lifts the
 * estimate to the proven rate with headroom, and counts it as probed. */
static void test_probe(void)
{
	ms_bwe b = { 0 };
	gint64 t = run(&b, T0, 2 * S, 1000000, 51);	/* 20 %: cut */
	guint64 cut = ms_bwe_estimate(&b, t);
	g_assert_cmpuint(cut, >, 0);
	t = run(&b, t, 10 * S, 1000000, 0);
	guint64 before = ms_bwe_estimate(&b, t), cuts = b.cuts;
	ms_bwe_probing(&b, t + 2 * S);
	/* twice the rate, with 30 % loss and a REMB drop: nothing changes */
	gint64 u = run(&b, t, 2 * S - 10 * MS, 2000000, 77);
	ms_bwe_remb(&b, 300000, u);
	g_assert_cmpuint(b.cuts, ==, cuts);
	g_assert_cmpuint(ms_bwe_estimate(&b, u), ==, before);
	/* after it, loss cuts again */
	u = run(&b, t + 2 * S, S, 1000000, 77);
	g_assert_cmpuint(b.cuts, >, cuts);
	/* a pass: the estimate at least 1.25 times the proven rate */
	ms_bwe_proven(&b, 4000000, u);
	g_assert_cmpuint(ms_bwe_estimate(&b, u), ==, 5000000);
	g_assert_cmpuint(b.probed, >=, 4000000);
	ms_bwe_proven(&b, 1000000, u);		/* never lowers it */
	g_assert_cmpuint(ms_bwe_estimate(&b, u), ==, 5000000);
	/* no estimate: stays none (nothing limits) */
	ms_bwe c = { 0 };
	ms_bwe_proven(&c, 4000000, T0);
	g_assert_cmpuint(ms_bwe_estimate(&c, T0), ==, 0);
}

static void test_remb(void)
{
	ms_bwe b = { 0 };
	gint64 t = run(&b, T0, 2 * S, 1000000, 0);
	ms_bwe_remb(&b, 300000, t);
	ms_bwe_remb(&b, 0, t);		/* ignored */
	g_assert_cmpuint(b.remb, ==, 300000);
	g_assert_cmpuint(ms_bwe_estimate(&b, t), ==, 0);
	/* 20 % loss: the loss rule says 900 kbit/s, the REMB 300 */
	t = run(&b, t, S, 1000000, 51);
	g_assert_cmpuint(b.cuts, ==, 1);
	g_assert_cmpuint(ms_bwe_estimate(&b, t), ==, 300000);
	/* growth once loss is gone: slow near the cut ... */
	t = run(&b, t, 3 * S, 1000000, 0);
	guint64 slow = ms_bwe_estimate(&b, t);
	g_assert_cmpuint(slow, <, 300000 * exp(3.0 * MS_BWE_GROW_NEAR_PERCENT / 100.0) * 1.01);
	/* ... fast when a REMB above the estimate says no queue is seen */
	ms_bwe_remb(&b, 2000000, t);
	t = run(&b, t, 2 * S, 1000000, 0);
	g_assert_cmpuint(ms_bwe_estimate(&b, t), >, slow * 1.5);
	/* a stale REMB plays no part in the next cut */
	ms_bwe c = { 0 };
	gint64 u = run(&c, T0, 2 * S, 1000000, 0);
	ms_bwe_remb(&c, 300000, u);
	u = run(&c, u + MS_BWE_REMB_TTL_US, 2 * S, 1000000, 51);
	assert_near(ms_bwe_estimate(&c, u), 900000, 0.03);
	/* within a burst's grace, a REMB is not kept */
	ms_bwe_burst(&c, u);
	ms_bwe_remb(&c, 100000, u + MS);
	g_assert_cmpuint(c.remb, ==, 300000);
}

/* A REMB that drops below what goes out cuts to it when the window shows
 * loss; without loss it does not (it once spiralled a capped wall down to
 * its smallest variants: the receiver's estimate follows what arrives). */
static void test_remb_drop(void)
{
	ms_bwe b = { 0 };
	gint64 t = run(&b, T0, 2 * S, 1000000, 0);
	ms_bwe_remb(&b, 1200000, t);
	ms_bwe_remb(&b, 600000, t + 10 * MS);
	g_assert_cmpuint(b.cuts, ==, 0);
	g_assert_cmpuint(ms_bwe_estimate(&b, t), ==, 0);
	/* 3 % loss: not enough for the loss rule, enough to trust the REMB */
	ms_bwe c = { 0 };
	gint64 u = run(&c, T0, 2 * S, 1000000, 8);
	g_assert_cmpuint(c.cuts, ==, 0);
	ms_bwe_remb(&c, 1200000, u);
	ms_bwe_remb(&c, 600000, u + 10 * MS);
	g_assert_cmpuint(c.cuts, ==, 1);
	g_assert_cmpuint(ms_bwe_estimate(&c, u + 10 * MS), ==, 600000);
	/* a REMB that drops a little (above MS_BWE_REMB_DROP) is no cut */
	ms_bwe d = { 0 };
	u = run(&d, T0, 2 * S, 1000000, 8);
	ms_bwe_remb(&d, 900000, u);
	ms_bwe_remb(&d, 900000 * MS_BWE_REMB_DROP + 1000, u + 10 * MS);
	g_assert_cmpuint(d.cuts, ==, 0);
}

/* What was summed and handed over at once counts as sent then. */
static void test_sent_many(void)
{
	ms_bwe a = { 0 }, b = { 0 };
	gint64 t = T0;
	for(int i = 0; i < 20; i++, t += 100 * MS) {
		for(int j = 0; j < 10; j++)
			ms_bwe_sent(&a, 1250, t);
		ms_bwe_sent_many(&b, 12500, 10, t);
	}
	g_assert_cmpuint(ms_bwe_send_rate(&a, t), ==, ms_bwe_send_rate(&b, t));
	assert_near(ms_bwe_send_rate(&b, t), 1000000, 0.1);
	ms_bwe_sent_many(&b, 0, 0, t + S);	/* nothing: no packet, no time */
	g_assert_cmpint(b.now, <, t);
	ms_bwe_nacks(&b, 30, t);	/* 30 of the window's 90 packets */
	g_assert_cmpuint(b.cuts, ==, 1);
}

/* A time earlier than one seen counts as that one; reset forgets. */
static void test_clock_and_reset(void)
{
	ms_bwe b = { 0 };
	gint64 t = run(&b, T0, 2 * S, 1000000, 51);
	guint64 e = ms_bwe_estimate(&b, t);
	g_assert_cmpuint(e, >, 0);
	gint64 last = b.now;
	guint64 rate = ms_bwe_send_rate(&b, last);
	/* five seconds back: counted at the latest time */
	ms_bwe_sent(&b, 12500, last - 5 * S);
	g_assert_cmpint(b.now, ==, last);
	g_assert_cmpuint(ms_bwe_send_rate(&b, last - 5 * S), >, rate);
	ms_bwe_report(&b, 51, last - 5 * S);
	g_assert_cmpint(b.now, ==, last);
	g_assert_cmpuint(ms_bwe_estimate(&b, 0), ==, e);
	ms_bwe_reset(&b);
	g_assert_cmpuint(ms_bwe_estimate(&b, t), ==, 0);
	g_assert_cmpuint(ms_bwe_send_rate(&b, t), ==, 0);
	g_assert_false(b.sending);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ms/bwe/rate-window", test_rate_window);
	g_test_add_func("/ms/bwe/no-estimate", test_no_estimate);
	g_test_add_func("/ms/bwe/loss-cuts", test_loss_cuts);
	g_test_add_func("/ms/bwe/grows-back", test_grows_back);
	g_test_add_func("/ms/bwe/nack-burst", test_nack_burst);
	g_test_add_func("/ms/bwe/clock-and-reset", test_clock_and_reset);
	g_test_add_func("/ms/bwe/burst-grace", test_burst_grace);
	g_test_add_func("/ms/bwe/sent-many", test_sent_many);
	g_test_add_func("/ms/bwe/remb", test_remb);
	g_test_add_func("/ms/bwe/probe", test_probe);
	g_test_add_func("/ms/bwe/remb-drop", test_remb_drop);
	return g_test_run();
}
