/* test_probe.c: padding probes of a viewer's link (ms_probe) against a
 * fake clock: the ramp, passing on clean feedback, failing at once on
 * loss, NACKs or a REMB drop, no verdict without feedback, the backoff,
 * a replay burst dropping a probe. */
#include <glib.h>
#include "ms_probe.h"

#define MS (1000)
#define S G_USEC_PER_SEC
#define T0 (100 * S)

/* Run a probe from t to its verdict with a clean report block every
 * 100 ms; returns the verdict, *end the time it came. */
static ms_probe_verdict run_clean(ms_probe *p, gint64 t, gint64 *end)
{
	for(; t < T0 + 60 * S; t += 100 * MS) {
		ms_probe_sent(p, 30);
		ms_probe_reports(p, 1, 0, t);
		ms_probe_verdict v = ms_probe_poll(p, t);
		if(v != MS_PROBE_NONE) {
			*end = t;
			return v;
		}
	}
	return MS_PROBE_NONE;
}

static void test_ramp(void)
{
	ms_probe p = { 0 };
	g_assert_cmpuint(ms_probe_padding_bps(&p, T0), ==, 0);
	g_assert_true(ms_probe_can_start(&p, T0));
	ms_probe_start(&p, 1000000, 3000000, 0, T0);
	g_assert_false(ms_probe_can_start(&p, T0));
	/* 2 Mbit/s of padding at MS_PROBE_SLOPE_BPS a second */
	g_assert_cmpint(p.ramp_us, ==, (gint64)2000000 * G_USEC_PER_SEC / MS_PROBE_SLOPE_BPS);
	g_assert_cmpint(p.end_us, ==, p.ramp_us + MS_PROBE_HOLD_US);
	g_assert_cmpuint(ms_probe_padding_bps(&p, T0), ==, 0);
	g_assert_cmpuint(ms_probe_padding_bps(&p, T0 + p.ramp_us / 2), ==, 1000000);
	g_assert_cmpuint(ms_probe_padding_bps(&p, T0 + p.ramp_us), ==, 2000000);
	g_assert_cmpuint(ms_probe_padding_bps(&p, T0 + p.end_us - 1), ==, 2000000);
	/* the padding ends; the verdict waits for the feedback on it */
	g_assert_cmpuint(ms_probe_padding_bps(&p, T0 + p.end_us), ==, 0);
	g_assert_cmpint(ms_probe_poll(&p, T0 + p.end_us), ==, MS_PROBE_NONE);
	/* a small step ramps over the least time, a big one over the most,
	 * lowered to the most padding */
	ms_probe q = { 0 };
	ms_probe_start(&q, 1000000, 1100000, 0, T0);
	g_assert_cmpint(q.ramp_us, ==, MS_PROBE_RAMP_MIN_US);
	ms_probe_start(&q, 1000000, 40000000, 0, T0);
	g_assert_cmpint(q.ramp_us, ==, MS_PROBE_RAMP_MAX_US);
	g_assert_cmpuint(q.target_bps, ==, 1000000 + MS_PROBE_MAX_PADDING_BPS);
	g_assert_cmpuint(ms_probe_padding_bps(&q, T0 + q.ramp_us), ==, MS_PROBE_MAX_PADDING_BPS);
}

static void test_pass(void)
{
	ms_probe p = { 0 };
	ms_probe_start(&p, 1000000, 3000000, 2000000, T0);
	gint64 end = 0;
	g_assert_cmpint(run_clean(&p, T0, &end), ==, MS_PROBE_PASSED);
	g_assert_cmpint(end, ==, T0 + p.end_us + MS_PROBE_TAIL_US);
	/* told once; good for a while, for its target */
	g_assert_cmpint(ms_probe_poll(&p, end), ==, MS_PROBE_NONE);
	g_assert_cmpuint(ms_probe_proven_bps(&p, end), ==, 3000000);
	g_assert_cmpuint(ms_probe_proven_bps(&p, end + MS_PROBE_VALID_US - 1), ==, 3000000);
	g_assert_cmpuint(ms_probe_proven_bps(&p, end + MS_PROBE_VALID_US), ==, 0);
	/* the next may start at once */
	g_assert_true(ms_probe_can_start(&p, end));
	g_assert_cmpuint(p.passes, ==, 1);
}

static void test_fail_on_loss(void)
{
	ms_probe p = { 0 };
	ms_probe_start(&p, 1000000, 3000000, 0, T0);
	/* a lossy report right at the start tells of the time before: kept out */
	ms_probe_reports(&p, 1, 128, T0 + 100 * MS);
	g_assert_cmpuint(ms_probe_padding_bps(&p, T0 + 200 * MS), >, 0);
	/* one block of two with 5 % lost: a mean of 2.5 % */
	ms_probe_reports(&p, 2, 13, T0 + MS_PROBE_REPORT_LAG_US);
	g_assert_cmpuint(ms_probe_padding_bps(&p, T0 + MS_PROBE_REPORT_LAG_US), ==, 0);
	g_assert_cmpint(ms_probe_poll(&p, T0 + MS_PROBE_REPORT_LAG_US), ==, MS_PROBE_FAILED);
	g_assert_cmpuint(ms_probe_proven_bps(&p, T0 + MS_PROBE_REPORT_LAG_US), ==, 0);
	/* a little loss (1 %) is no failure */
	ms_probe q = { 0 };
	ms_probe_start(&q, 1000000, 3000000, 0, T0);
	ms_probe_reports(&q, 1, 2, T0 + MS_PROBE_REPORT_LAG_US);
	g_assert_cmpuint(ms_probe_padding_bps(&q, T0 + q.ramp_us), >, 0);
}

static void test_fail_on_nacks(void)
{
	ms_probe p = { 0 };
	ms_probe_start(&p, 1000000, 3000000, 0, T0);
	ms_probe_sent(&p, 1000);
	/* 3 NACKed of 1000: under MS_PROBE_LOSS */
	ms_probe_nacks(&p, 3, T0 + 50 * MS);
	g_assert_cmpuint(ms_probe_padding_bps(&p, T0 + 100 * MS), >, 0);
	/* 25 of 1000: over it; NACKs count from the start (no lag: they are
	 * about packets the probe sent) */
	ms_probe_nacks(&p, 22, T0 + 60 * MS);
	g_assert_cmpuint(ms_probe_padding_bps(&p, T0 + 100 * MS), ==, 0);
	g_assert_cmpint(ms_probe_poll(&p, T0 + 100 * MS), ==, MS_PROBE_FAILED);
	/* fewer than MS_PROBE_NACK_MIN never fail one */
	ms_probe q = { 0 };
	ms_probe_start(&q, 1000000, 3000000, 0, T0);
	ms_probe_nacks(&q, MS_PROBE_NACK_MIN - 1, T0 + 50 * MS);
	g_assert_cmpint(q.state, ==, MS_PROBE_RUNNING);
}

static void test_fail_on_remb_drop(void)
{
	ms_probe p = { 0 };
	ms_probe_start(&p, 1000000, 3000000, 2000000, T0);
	ms_probe_remb(&p, 1900000, T0 + 200 * MS);	/* within MS_PROBE_REMB_DROP */
	g_assert_cmpint(p.state, ==, MS_PROBE_RUNNING);
	ms_probe_remb(&p, 1500000, T0 + 300 * MS);
	g_assert_cmpint(ms_probe_poll(&p, T0 + 300 * MS), ==, MS_PROBE_FAILED);
	/* no REMB before: a REMB cannot fail it */
	ms_probe q = { 0 };
	ms_probe_start(&q, 1000000, 3000000, 0, T0);
	ms_probe_remb(&q, 100000, T0 + 300 * MS);
	g_assert_cmpint(q.state, ==, MS_PROBE_RUNNING);
}

static void test_no_feedback_fails(void)
{
	ms_probe p = { 0 };
	ms_probe_start(&p, 1000000, 3000000, 0, T0);
	/* one report after the ramp is not enough */
	ms_probe_reports(&p, 1, 0, T0 + p.ramp_us + 100 * MS);
	gint64 t = T0 + p.end_us + MS_PROBE_TAIL_US;
	g_assert_cmpint(ms_probe_poll(&p, t - 1), ==, MS_PROBE_NONE);
	g_assert_cmpint(ms_probe_poll(&p, t), ==, MS_PROBE_FAILED);
}

static void test_backoff(void)
{
	ms_probe p = { 0 };
	gint64 t = T0;
	gint64 want[] = { MS_PROBE_BACKOFF_US, 2 * MS_PROBE_BACKOFF_US, MS_PROBE_BACKOFF_MAX_US, MS_PROBE_BACKOFF_MAX_US };
	for(guint i = 0; i < G_N_ELEMENTS(want); i++) {
		ms_probe_start(&p, 1000000, 3000000, 0, t);
		ms_probe_sent(&p, 100);
		ms_probe_nacks(&p, 10, t + 10 * MS);
		t += 10 * MS;
		g_assert_cmpint(ms_probe_poll(&p, t), ==, MS_PROBE_FAILED);
		g_assert_false(ms_probe_can_start(&p, t + want[i] - 1));
		g_assert_true(ms_probe_can_start(&p, t + want[i]));
		t += want[i];
	}
	/* a pass resets it */
	ms_probe_start(&p, 1000000, 3000000, 0, t);
	gint64 end = 0;
	g_assert_cmpint(run_clean(&p, t, &end), ==, MS_PROBE_PASSED);
	ms_probe_start(&p, 3000000, 6000000, 0, end);
	ms_probe_sent(&p, 100);
	ms_probe_nacks(&p, 10, end + 10 * MS);
	g_assert_true(ms_probe_can_start(&p, end + 10 * MS + MS_PROBE_BACKOFF_US));
	g_assert_cmpuint(p.fails, ==, 5);
}

static void test_burst_drops(void)
{
	ms_probe p = { 0 };
	ms_probe_start(&p, 1000000, 3000000, 0, T0);
	ms_probe_drop(&p, T0 + 200 * MS);
	g_assert_cmpint(p.state, ==, MS_PROBE_IDLE);
	g_assert_cmpuint(ms_probe_padding_bps(&p, T0 + 300 * MS), ==, 0);
	g_assert_cmpint(ms_probe_poll(&p, T0 + 5 * S), ==, MS_PROBE_NONE);
	g_assert_cmpuint(p.dropped, ==, 1);
	g_assert_false(ms_probe_can_start(&p, T0 + 200 * MS + MS_PROBE_BACKOFF_US - 1));
	g_assert_true(ms_probe_can_start(&p, T0 + 200 * MS + MS_PROBE_BACKOFF_US));
	/* an idle probe is not touched by one */
	ms_probe_drop(&p, T0 + 10 * S);
	g_assert_cmpuint(p.dropped, ==, 1);
}

static void test_fail_on_report_lag(void)
{
	ms_probe p = { 0 };
	g_assert_cmpint(ms_probe_path_lag(&p, T0), ==, -1);
	/* the path: 5-40 ms */
	for(gint64 t = T0 - 3 * S; t < T0; t += 100 * MS)
		ms_probe_lag(&p, 5 * MS + (t / (100 * MS)) % 8 * 5 * MS, t);
	g_assert_cmpint(ms_probe_path_lag(&p, T0), ==, 5 * MS);
	ms_probe_start(&p, 1000000, 3000000, 0, T0);
	/* as much as the noise: no queue */
	ms_probe_lag(&p, 40 * MS, T0 + 300 * MS);
	ms_probe_lag(&p, 5 * MS + MS_PROBE_QUEUE_US, T0 + 400 * MS);
	g_assert_cmpint(p.state, ==, MS_PROBE_RUNNING);
	g_assert_cmpint(p.lag_over, ==, MS_PROBE_QUEUE_US);
	/* over it: a queue builds up */
	ms_probe_lag(&p, 6 * MS + MS_PROBE_QUEUE_US, T0 + 500 * MS);
	g_assert_cmpint(ms_probe_poll(&p, T0 + 500 * MS), ==, MS_PROBE_FAILED);
	g_assert_cmpstr(p.why, ==, "report lag (a queue)");
	/* the path's lag forgets what is older than MS_PROBE_LAG_BUCKETS s */
	ms_probe_lag(&p, 300 * MS, T0 + 1 * S);
	g_assert_cmpint(ms_probe_path_lag(&p, T0 + 1 * S), ==, 5 * MS);
	g_assert_cmpint(ms_probe_path_lag(&p, T0 + (MS_PROBE_LAG_BUCKETS + 1) * S), ==, -1);
	g_assert_cmpint(ms_probe_path_lag(&p, T0 + MS_PROBE_LAG_BUCKETS * S), ==, 300 * MS);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ms/probe/ramp", test_ramp);
	g_test_add_func("/ms/probe/pass", test_pass);
	g_test_add_func("/ms/probe/fail-on-loss", test_fail_on_loss);
	g_test_add_func("/ms/probe/fail-on-nacks", test_fail_on_nacks);
	g_test_add_func("/ms/probe/fail-on-remb-drop", test_fail_on_remb_drop);
	g_test_add_func("/ms/probe/fail-on-report-lag", test_fail_on_report_lag);
	g_test_add_func("/ms/probe/no-feedback-fails", test_no_feedback_fails);
	g_test_add_func("/ms/probe/backoff", test_backoff);
	g_test_add_func("/ms/probe/burst-drops", test_burst_drops);
	return g_test_run();
}
