/* test_bwe.c: the viewer's bandwidth estimate (ms_bwe) against a fake
 * clock: the send rate window, cuts on loss and NACK bursts, growth back,
 * the REMB cap. */
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

static void test_remb_cap(void)
{
	ms_bwe b = { 0 };
	gint64 t = run(&b, T0, 2 * S, 1000000, 0);
	/* alone, a REMB is the estimate, while fresh */
	ms_bwe_remb(&b, 800000, t);
	g_assert_cmpuint(ms_bwe_estimate(&b, t), ==, 800000);
	ms_bwe_remb(&b, 0, t);		/* ignored */
	g_assert_cmpuint(ms_bwe_estimate(&b, t), ==, 800000);
	g_assert_cmpuint(ms_bwe_estimate(&b, t + MS_BWE_REMB_TTL_US - 1), ==, 800000);
	g_assert_cmpuint(ms_bwe_estimate(&b, t + MS_BWE_REMB_TTL_US), ==, 0);
	/* above the loss estimate it changes nothing */
	t = run(&b, t + MS_BWE_REMB_TTL_US, 3 * S, 1000000, 51);
	guint64 loss = ms_bwe_estimate(&b, t);
	assert_near(loss, 900000, 0.02);
	ms_bwe_remb(&b, 5000000, t);
	g_assert_cmpuint(ms_bwe_estimate(&b, t), ==, loss);
	/* below, it caps it, and the kept estimate grows back from there */
	ms_bwe_remb(&b, 500000, t);
	g_assert_cmpuint(ms_bwe_estimate(&b, t), ==, 500000);
	g_assert_cmpuint(ms_bwe_estimate(&b, t + MS_BWE_REMB_TTL_US), ==, 500000);
	t = run(&b, t, 3 * S, 1000000, 0);
	g_assert_cmpuint(ms_bwe_estimate(&b, t), ==, 500000);	/* capped while fresh */
	t = run(&b, t, 5 * S, 1000000, 0);
	guint64 e = ms_bwe_estimate(&b, t);
	g_assert_cmpuint(e, >, 500000);
	/* grown for about 3 s since the REMB went stale, no faster */
	g_assert_cmpuint(e, <, 500000 * exp(4.0 * MS_BWE_GROW_PERCENT / 100.0));
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
	g_test_add_func("/ms/bwe/remb-cap", test_remb_cap);
	g_test_add_func("/ms/bwe/nack-burst", test_nack_burst);
	g_test_add_func("/ms/bwe/clock-and-reset", test_clock_and_reset);
	return g_test_run();
}
