/* test_guard.c: token-guessing bounds against a fake clock, and the
 * constant-time secret comparison. */
#include <glib.h>
#include "ms_guard.h"

#define S G_USEC_PER_SEC

static void test_session_lock(void)
{
	ms_guard g = { 0 };
	gint64 now = 1000 * S;
	/* limit 3: the first two failures lock nothing */
	g_assert_cmpint(ms_guard_fail_session(&g, 3, now), ==, 0);
	g_assert_cmpint(ms_guard_fail_session(&g, 3, now), ==, 0);
	g_assert_false(ms_guard_locked(&g, now));
	/* the third locks 1 s, then 2, 4, 8 ... */
	g_assert_cmpint(ms_guard_fail_session(&g, 3, now), ==, 1 * S);
	g_assert_true(ms_guard_locked(&g, now + S - 1));
	g_assert_false(ms_guard_locked(&g, now + S));
	g_assert_cmpint(ms_guard_fail_session(&g, 3, now + S), ==, 2 * S);
	g_assert_cmpint(ms_guard_fail_session(&g, 3, now + 3 * S), ==, 4 * S);
	/* growing to the 60 s ceiling, never beyond */
	gint64 lock = 0;
	for(int i = 0; i < 20; i++)
		lock = ms_guard_fail_session(&g, 3, now + 100 * S);
	g_assert_cmpint(lock, ==, MS_GUARD_SESSION_LOCK_MAX_US);
	/* a success clears the count: two more failures are free again */
	ms_guard_success(&g);
	g_assert_cmpint(ms_guard_fail_session(&g, 3, now + 500 * S), ==, 0);
	g_assert_cmpint(ms_guard_fail_session(&g, 3, now + 500 * S), ==, 0);
	g_assert_cmpint(ms_guard_fail_session(&g, 3, now + 500 * S), ==, S);
}

static void test_global_bucket(void)
{
	ms_guard g = { 0 };
	gint64 now = 1000 * S;
	/* 10 a minute: 9 at once lock nothing, the 10th locks for 2 s */
	for(int i = 0; i < 9; i++)
		g_assert_cmpint(ms_guard_fail_global(&g, 10, now), ==, 0);
	g_assert_cmpint(ms_guard_fail_global(&g, 10, now), ==, 2 * S);
	g_assert_true(ms_guard_locked(&g, now + 2 * S - 1));
	g_assert_false(ms_guard_locked(&g, now + 2 * S));
	/* a steady trickle under the rate never locks: one every 7 s is 8.6/min */
	gint64 t = now + 10 * S;
	for(int i = 0; i < 50; i++, t += 7 * S)
		g_assert_cmpint(ms_guard_fail_global(&g, 10, t), ==, 0);
	/* a burst again: the next lock is 4 s (locks in a row double) */
	gint64 lock = 0;
	for(int i = 0; i < 20 && lock == 0; i++)
		lock = ms_guard_fail_global(&g, 10, t);
	g_assert_cmpint(lock, ==, 4 * S);
	/* doubling stops at the ceiling */
	for(int n = 0; n < 12; n++) {
		lock = 0;
		for(int i = 0; i < 20 && lock == 0; i++)
			lock = ms_guard_fail_global(&g, 10, t);
	}
	g_assert_cmpint(lock, ==, MS_GUARD_GLOBAL_LOCK_MAX_US);
	/* ten quiet minutes after the last lock: back to the first step */
	t += MS_GUARD_GLOBAL_LOCK_MAX_US + MS_GUARD_GLOBAL_COOL_US + S;
	lock = 0;
	for(int i = 0; i < 20 && lock == 0; i++)
		lock = ms_guard_fail_global(&g, 10, t);
	g_assert_cmpint(lock, ==, 2 * S);
}

static void test_secret_equal(void)
{
	g_assert_true(ms_secret_equal("s3cret", "s3cret"));
	g_assert_false(ms_secret_equal("s3cret", "s3creT"));
	g_assert_false(ms_secret_equal("s3cret", "s3cre"));
	g_assert_false(ms_secret_equal("s3cre", "s3cret"));
	g_assert_false(ms_secret_equal("s3cret", "s3crets"));
	g_assert_false(ms_secret_equal("s3cret", ""));
	g_assert_false(ms_secret_equal("", ""));
	g_assert_false(ms_secret_equal("s3cret", NULL));
	g_assert_false(ms_secret_equal(NULL, "s3cret"));
	g_assert_false(ms_secret_equal("", "x"));
	/* bytes above 127 compare as bytes */
	g_assert_true(ms_secret_equal("p\xc3\xa4ss", "p\xc3\xa4ss"));
	g_assert_false(ms_secret_equal("p\xc3\xa4ss", "p\xc3\xa5ss"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ms/guard/session-lock", test_session_lock);
	g_test_add_func("/ms/guard/global-bucket", test_global_bucket);
	g_test_add_func("/ms/guard/secret-equal", test_secret_equal);
	return g_test_run();
}
