/* test_auto.c: quality "auto" picks (ms_auto) against a fake clock: the
 * size choice, visibility, steps down and up with the bandwidth, hold and
 * backoff, resizes, and the edges. */
#include <string.h>
#include <glib.h>
#include "ms_auto.h"

#define MS (1000)
#define S G_USEC_PER_SEC
#define T0 (100 * S)
#define K (1000)	/* kbit/s in bps */

/* A camera and its variants, out of order (expected 300, 800, 2500 and,
 * native, 4500 kbit/s by default). */
static const ms_auto_candidate cam[] = {
	{ "cam", 0, 0 }, { "cam-720p", 720, 0 }, { "cam-180p", 180, 0 }, { "cam-360p", 360, 0 },
};

static const char *shown(const ms_auto_slot *s)
{
	const ms_auto_candidate *c = ms_auto_picked(s);
	return c != NULL ? c->stream : NULL;
}

static void auto_slot(ms_auto_slot *s, guint height)
{
	memset(s, 0, sizeof(*s));
	ms_auto_slot_fixed(s, NULL, 0, 0);
	ms_auto_slot_set(s, cam, G_N_ELEMENTS(cam));
	s->height = height;
}

/* Choose every 250 ms from t to end at avail; returns how many changes. */
static guint hold_at(ms_auto *a, ms_auto_slot *slots, guint n, guint64 avail, gint64 t, gint64 end)
{
	guint changes = 0;
	for(; t < end; t += 250 * MS)
		changes += ms_auto_choose(a, slots, n, avail, t);
	return changes;
}

static void test_defaults(void)
{
	g_assert_cmpuint(ms_auto_default_kbps(0), ==, MS_AUTO_NATIVE_KBPS);
	g_assert_cmpuint(ms_auto_default_kbps(100), ==, 300);
	g_assert_cmpuint(ms_auto_default_kbps(180), ==, 300);
	g_assert_cmpuint(ms_auto_default_kbps(181), ==, 500);
	g_assert_cmpuint(ms_auto_default_kbps(360), ==, 800);
	g_assert_cmpuint(ms_auto_default_kbps(720), ==, 2500);
	g_assert_cmpuint(ms_auto_default_kbps(1080), ==, 4500);
	g_assert_cmpuint(ms_auto_default_kbps(4320), ==, 16000);
	ms_auto_candidate c = { "x", 360, 650 };
	g_assert_cmpuint(ms_auto_kbps(&c), ==, 650);
	c.kbps = 0;
	g_assert_cmpuint(ms_auto_kbps(&c), ==, 800);
}

static void test_size_choice(void)
{
	ms_auto a = { 0 };
	ms_auto_slot s;
	auto_slot(&s, 360);
	/* sorted by height, native last */
	g_assert_cmpuint(s.n_cand, ==, 4);
	g_assert_cmpstr(s.cand[0].stream, ==, "cam-180p");
	g_assert_cmpstr(s.cand[3].stream, ==, "cam");
	g_assert_cmpint(s.pick, ==, -1);
	static const struct {
		guint height;
		const char *want;
	} cases[] = {
		{ 360, "cam-360p" },	/* exact */
		{ 361, "cam-720p" },	/* between: the taller */
		{ 720, "cam-720p" },
		{ 721, "cam" },		/* taller than all: native */
		{ 2160, "cam" },
		{ 0, "cam" },		/* unknown (no hint yet): native */
		{ 1, "cam-180p" },
		{ 100, "cam-180p" },
		{ 181, "cam-360p" },
	};
	for(guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		s.height = cases[i].height;
		ms_auto_choose(&a, &s, 1, 0, T0);
		g_assert_cmpstr(shown(&s), ==, cases[i].want);
		g_assert_cmpuint(s.level, ==, 0);
	}
	/* reported once: the same size again changes nothing */
	s.height = 100;
	g_assert_cmpuint(ms_auto_choose(&a, &s, 1, 0, T0), ==, 1);
	g_assert_true(s.changed);
	g_assert_cmpint(s.prev, ==, 1);
	g_assert_cmpstr(s.cand[s.prev].stream, ==, "cam-360p");
	g_assert_cmpuint(ms_auto_choose(&a, &s, 1, 0, T0), ==, 0);
	g_assert_false(s.changed);
	/* candidates with a known native height: taller than all, the tallest */
	static const ms_auto_candidate known[] = { { "k-1080", 1080, 0 }, { "k-480", 480, 0 } };
	ms_auto_slot_set(&s, known, G_N_ELEMENTS(known));
	s.height = 2000;
	ms_auto_choose(&a, &s, 1, 0, T0);
	g_assert_cmpstr(shown(&s), ==, "k-1080");
	s.height = 400;
	ms_auto_choose(&a, &s, 1, 0, T0);
	g_assert_cmpstr(shown(&s), ==, "k-480");
}

static void test_visibility(void)
{
	ms_auto a = { 0 };
	ms_auto_slot s[2];
	auto_slot(&s[0], 700);
	auto_slot(&s[1], 200);
	g_assert_cmpuint(ms_auto_choose(&a, s, 2, 0, T0), ==, 2);
	g_assert_cmpstr(shown(&s[0]), ==, "cam-720p");
	/* hidden: nothing (inactive), not counted */
	s[0].hidden = TRUE;
	g_assert_cmpuint(ms_auto_choose(&a, s, 2, 0, T0), ==, 1);
	g_assert_true(s[0].changed);
	g_assert_null(shown(&s[0]));
	g_assert_cmpint(s[0].pick, ==, -1);
	g_assert_cmpuint(ms_auto_sum_bps(s, 2), ==, 800 * K);
	/* visible again: its size choice */
	s[0].hidden = FALSE;
	g_assert_cmpuint(ms_auto_choose(&a, s, 2, 0, T0), ==, 1);
	g_assert_cmpstr(shown(&s[0]), ==, "cam-720p");
	/* hidden forgets its level: back at its size choice when it fits */
	s[1].hidden = TRUE;
	ms_auto_choose(&a, s, 2, 1000 * K, T0);
	g_assert_cmpstr(shown(&s[0]), ==, "cam-360p");
	g_assert_cmpuint(s[0].level, ==, 1);
	s[0].hidden = TRUE;
	ms_auto_choose(&a, s, 2, 1000 * K, T0 + S);
	g_assert_cmpuint(s[0].level, ==, 0);
	s[0].hidden = FALSE;
	ms_auto_choose(&a, s, 2, 3000 * K, T0 + 2 * S);
	g_assert_cmpstr(shown(&s[0]), ==, "cam-720p");
	/* all hidden: nothing sent, nothing to step */
	s[0].hidden = s[1].hidden = TRUE;
	g_assert_cmpuint(ms_auto_choose(&a, s, 2, 100 * K, T0 + 3 * S), ==, 1);
	g_assert_null(shown(&s[0]));
	g_assert_null(shown(&s[1]));
	g_assert_cmpuint(ms_auto_sum_bps(s, 2), ==, 0);
	g_assert_cmpuint(a.downs, ==, 1);
}

static void test_step_down(void)
{
	ms_auto a = { 0 };
	ms_auto_slot s[4];
	auto_slot(&s[0], 200);		/* size choice 360p, 800 */
	auto_slot(&s[1], 400);		/* 720p, 2500 */
	auto_slot(&s[2], 1000);		/* native, 4500 */
	memset(&s[3], 0, sizeof(s[3]));
	ms_auto_slot_fixed(&s[3], "other", 720, 1000);
	g_assert_cmpuint(ms_auto_choose(&a, s, 4, 0, T0), ==, 3);
	g_assert_cmpuint(ms_auto_sum_bps(s, 4), ==, 8800 * K);
	/* 8000: the smallest first (to its smallest), then the next */
	g_assert_cmpuint(ms_auto_choose(&a, s, 4, 8000 * K, T0 + S), ==, 2);
	g_assert_cmpstr(shown(&s[0]), ==, "cam-180p");
	g_assert_cmpstr(shown(&s[1]), ==, "cam-360p");
	g_assert_cmpstr(shown(&s[2]), ==, "cam");
	g_assert_cmpstr(shown(&s[3]), ==, "other");
	g_assert_false(s[3].changed);
	g_assert_cmpuint(s[0].level, ==, 1);
	g_assert_cmpuint(s[1].level, ==, 1);
	g_assert_cmpuint(ms_auto_sum_bps(s, 4), ==, 6600 * K);
	/* 6000: the middle one to its smallest, then the largest */
	g_assert_cmpuint(ms_auto_choose(&a, s, 4, 6000 * K, T0 + 2 * S), ==, 2);
	g_assert_cmpstr(shown(&s[1]), ==, "cam-180p");
	g_assert_cmpstr(shown(&s[2]), ==, "cam-720p");
	g_assert_cmpuint(ms_auto_sum_bps(s, 4), ==, 4100 * K);
	/* which left room for the middle one's step back (4600 * 1.2 < 6000):
	 * a hold after the step down */
	g_assert_cmpuint(hold_at(&a, s, 4, 6000 * K, T0 + 2250 * MS, T0 + 2 * S + MS_AUTO_HOLD_US), ==, 0);
	g_assert_cmpuint(ms_auto_choose(&a, s, 4, 6000 * K, T0 + 2 * S + MS_AUTO_HOLD_US), ==, 1);
	g_assert_cmpstr(shown(&s[1]), ==, "cam-360p");
	/* far too little: every auto slot at its smallest, the other as it is */
	ms_auto_choose(&a, s, 4, 1000 * K, T0 + 10 * S);
	for(int i = 0; i < 3; i++)
		g_assert_cmpstr(shown(&s[i]), ==, "cam-180p");
	g_assert_cmpuint(s[2].level, ==, 3);
	g_assert_cmpstr(shown(&s[3]), ==, "other");
	g_assert_cmpuint(ms_auto_sum_bps(s, 4), ==, 1900 * K);
	/* no estimate any more: nothing limits */
	g_assert_cmpuint(ms_auto_choose(&a, s, 4, 0, T0 + 11 * S), ==, 3);
	g_assert_cmpuint(ms_auto_sum_bps(s, 4), ==, 8800 * K);
	g_assert_cmpuint(s[2].level, ==, 0);
}

/* Equal tiles share the steps down (and up) in turn. */
static void test_equal_slots_in_turn(void)
{
	ms_auto a = { 0 };
	ms_auto_slot s[4];
	for(int i = 0; i < 4; i++)
		auto_slot(&s[i], 700);		/* 720p, 2500 each */
	ms_auto_choose(&a, s, 4, 6600 * K, T0);
	g_assert_cmpstr(shown(&s[0]), ==, "cam-360p");
	g_assert_cmpstr(shown(&s[1]), ==, "cam-360p");
	g_assert_cmpstr(shown(&s[2]), ==, "cam-720p");
	g_assert_cmpstr(shown(&s[3]), ==, "cam-720p");
	/* a little less: the next of them, not the first again */
	ms_auto_choose(&a, s, 4, 6000 * K, T0 + S);
	g_assert_cmpstr(shown(&s[0]), ==, "cam-360p");
	g_assert_cmpstr(shown(&s[2]), ==, "cam-360p");
	g_assert_cmpstr(shown(&s[3]), ==, "cam-720p");
	/* less still, then back up: the most stepped of them first */
	ms_auto_choose(&a, s, 4, 2000 * K, T0 + 2 * S);
	g_assert_cmpstr(shown(&s[0]), ==, "cam-180p");
	g_assert_cmpstr(shown(&s[1]), ==, "cam-180p");
	g_assert_cmpstr(shown(&s[2]), ==, "cam-180p");
	g_assert_cmpstr(shown(&s[3]), ==, "cam-360p");
	/* room for three steps after the hold: all three at once (a recovery
	 * climbs quickly), the fourth does not fit */
	g_assert_cmpuint(hold_at(&a, s, 4, 4100 * K, T0 + 3 * S, T0 + 7 * S), ==, 3);
	for(int i = 0; i < 4; i++)
		g_assert_cmpstr(shown(&s[i]), ==, "cam-360p");
}

/* The caller sets the candidates again on every choice with their
 * measured bitrates, which move a little each time: that is the same
 * slot, stepped down as it was and held as it was (it once started over
 * at its size choice each time, and so stepped up with no hold). */
static void test_measured_rates_move(void)
{
	ms_auto a = { 0 };
	ms_auto_slot s;
	auto_slot(&s, 720);
	ms_auto_candidate c[G_N_ELEMENTS(cam)];
	memcpy(c, cam, sizeof(c));
	g_assert_cmpuint(ms_auto_choose(&a, &s, 1, 1000 * K, T0), ==, 1);
	g_assert_cmpstr(shown(&s), ==, "cam-360p");	/* 720p (2500) does not fit */
	g_assert_cmpuint(s.level, ==, 1);
	/* Room for 720p now, but within the hold; the rates move each time */
	for(guint i = 1; i < 8; i++) {
		for(guint j = 0; j < G_N_ELEMENTS(c); j++)
			c[j].kbps = (c[j].height == 720 ? 2400 : 700) + 10 * i;
		ms_auto_slot_set(&s, c, G_N_ELEMENTS(c));
		g_assert_cmpuint(ms_auto_choose(&a, &s, 1, 4000 * K, T0 + i * 250 * MS), ==, 0);
		g_assert_cmpstr(shown(&s), ==, "cam-360p");
		g_assert_cmpuint(s.level, ==, 1);
		g_assert_cmpuint(s.cand[1].kbps, ==, 700 + 10 * i);
	}
	/* After the hold from the first sight of room: up */
	g_assert_cmpuint(ms_auto_choose(&a, &s, 1, 4000 * K, T0 + 250 * MS + MS_AUTO_HOLD_US), ==, 1);
	g_assert_cmpstr(shown(&s), ==, "cam-720p");
	g_assert_true(s.stepped_up);		/* a probe of the link */
	/* ... only for that choice; a resize is never one */
	s.height = 200;
	g_assert_cmpuint(ms_auto_choose(&a, &s, 1, 4000 * K, T0 + 5 * S), ==, 1);
	g_assert_cmpstr(shown(&s), ==, "cam-360p");
	g_assert_false(s.stepped_up);
	s.height = 720;
	g_assert_cmpuint(ms_auto_choose(&a, &s, 1, 4000 * K, T0 + 6 * S), ==, 1);
	g_assert_cmpstr(shown(&s), ==, "cam-720p");
	g_assert_false(s.stepped_up);
}

/* The caller's up_limit bounds steps up for bandwidth (a probe at a time,
 * never more than so many times what is carried), never sizes. */
static void test_up_limit(void)
{
	ms_auto a = { 0 };
	ms_auto_slot s[2];
	auto_slot(&s[0], 720);		/* 720p, 2500 */
	auto_slot(&s[1], 720);
	ms_auto_choose(&a, s, 2, 2000 * K, T0);
	g_assert_cmpstr(shown(&s[0]), ==, "cam-360p");
	g_assert_cmpstr(shown(&s[1]), ==, "cam-360p");
	/* room for both (2 * 2500 * 1.2 < 7000), but a limit of 3500: one */
	a.up_limit = 3500 * K;
	g_assert_cmpuint(hold_at(&a, s, 2, 7000 * K, T0 + S, T0 + S + MS_AUTO_HOLD_US + 250 * MS), ==, 1);
	g_assert_cmpuint(ms_auto_sum_bps(s, 2), ==, 3300 * K);
	/* a limit at the sum: no step up however long */
	a.up_limit = 3300 * K;
	g_assert_cmpuint(hold_at(&a, s, 2, 7000 * K, T0 + 5 * S, T0 + 15 * S), ==, 0);
	/* sizes never look at it: a shrink and an enlargement at once */
	s[0].height = 100;
	s[1].height = 100;
	g_assert_cmpuint(ms_auto_choose(&a, s, 2, 7000 * K, T0 + 15 * S), >=, 1);
	g_assert_cmpstr(shown(&s[0]), ==, "cam-180p");
	g_assert_cmpstr(shown(&s[1]), ==, "cam-180p");
	a.up_limit = 600 * K;
	s[0].height = 720;
	s[1].height = 720;
	ms_auto_choose(&a, s, 2, 7000 * K, T0 + 16 * S);
	g_assert_cmpuint(ms_auto_sum_bps(s, 2), >, 600 * K);
	/* no limit: the other steps up after its hold */
	a.up_limit = 0;
	hold_at(&a, s, 2, 7000 * K, T0 + 17 * S, T0 + 30 * S);
	g_assert_cmpstr(shown(&s[0]), ==, "cam-720p");
	g_assert_cmpstr(shown(&s[1]), ==, "cam-720p");
}

static void test_proven(void)
{
	ms_auto a = { 0 };
	ms_auto_slot s[2];
	auto_slot(&s[0], 720);		/* 720p, 2500 */
	auto_slot(&s[1], 720);
	ms_auto_choose(&a, s, 2, 2000 * K, T0);
	g_assert_cmpuint(ms_auto_sum_bps(s, 2), ==, 1600 * K);	/* 360p, 360p */
	/* what the next round would reach: both to 720p (5000) unlimited, one
	 * under 3500, one step (3300) even when the limit holds none */
	ms_auto_slot scratch[2];
	g_assert_cmpuint(ms_auto_up_target(s, scratch, 2, 0), ==, 5000 * K);
	g_assert_cmpuint(ms_auto_up_target(s, scratch, 2, 3500 * K), ==, 3300 * K);
	g_assert_cmpuint(ms_auto_up_target(s, scratch, 2, 2000 * K), ==, 3300 * K);
	g_assert_cmpuint(ms_auto_sum_bps(s, 2), ==, 1600 * K);	/* s untouched */
	/* room proven up to 3300, just after the step down: it waits
	 * MS_AUTO_UP_AGAIN_US, not the hold */
	a.up_limit = 3300 * K;
	a.proven = TRUE;
	g_assert_cmpuint(ms_auto_choose(&a, s, 2, 7000 * K, T0 + MS_AUTO_UP_AGAIN_US - 1), ==, 0);
	g_assert_cmpuint(ms_auto_choose(&a, s, 2, 7000 * K, T0 + MS_AUTO_UP_AGAIN_US), ==, 1);
	g_assert_cmpuint(ms_auto_sum_bps(s, 2), ==, 3300 * K);
	g_assert_true(s[0].stepped_up || s[1].stepped_up);
	/* proven, but the estimate has no room with the margin: none */
	a.up_limit = 5000 * K;
	g_assert_cmpuint(ms_auto_choose(&a, s, 2, 5000 * K, T0 + 5 * S), ==, 0);
	g_assert_cmpuint(ms_auto_choose(&a, s, 2, 6000 * K, T0 + 5 * S), ==, 1);
	g_assert_cmpuint(ms_auto_sum_bps(s, 2), ==, 5000 * K);
	g_assert_cmpuint(ms_auto_up_target(s, scratch, 2, 0), ==, 5000 * K);	/* nothing left */
}

static void test_step_up_hold(void)
{
	ms_auto a = { 0 };
	ms_auto_slot s[2];
	auto_slot(&s[0], 300);		/* 360p */
	auto_slot(&s[1], 700);		/* 720p */
	ms_auto_choose(&a, s, 2, 0, T0);
	ms_auto_choose(&a, s, 2, 1500 * K, T0 + S);
	g_assert_cmpstr(shown(&s[0]), ==, "cam-180p");
	g_assert_cmpstr(shown(&s[1]), ==, "cam-360p");
	gint64 down = T0 + S;
	/* room from down + 1 s: the largest steps up a hold later, not before */
	g_assert_cmpuint(hold_at(&a, s, 2, 10000 * K, down + S, down + S + MS_AUTO_HOLD_US), ==, 0);
	/* then every step that fits at once: both back at their size choices */
	g_assert_cmpuint(ms_auto_choose(&a, s, 2, 10000 * K, down + S + MS_AUTO_HOLD_US), ==, 2);
	g_assert_cmpstr(shown(&s[1]), ==, "cam-720p");
	g_assert_cmpstr(shown(&s[0]), ==, "cam-360p");
	g_assert_cmpuint(hold_at(&a, s, 2, 10000 * K, down + S + MS_AUTO_HOLD_US, down + 60 * S), ==, 0);
	g_assert_cmpuint(a.ups, ==, 2);
	g_assert_cmpuint(a.downs, ==, 1);
	/* room for one step at a time: the next step up a second after the last */
	ms_auto_choose(&a, s, 2, 1500 * K, down + 61 * S);
	g_assert_cmpstr(shown(&s[1]), ==, "cam-360p");
	gint64 d2 = down + 61 * S;
	/* 180p + 720p = 2800 (* 1.2 = 3360) fits, 360p + 720p = 3300 (3960) not yet */
	g_assert_cmpuint(hold_at(&a, s, 2, 3500 * K, d2 + 250 * MS, d2 + 250 * MS + a.hold + S), ==, 1);
	g_assert_cmpstr(shown(&s[1]), ==, "cam-720p");
	gint64 up = d2 + 250 * MS + a.hold + S;
	g_assert_cmpuint(hold_at(&a, s, 2, 4000 * K, up, up + MS_AUTO_UP_AGAIN_US - 250 * MS), ==, 0);
	g_assert_cmpuint(hold_at(&a, s, 2, 4000 * K, up + MS_AUTO_UP_AGAIN_US, up + MS_AUTO_UP_AGAIN_US + 500 * MS), ==, 1);
	g_assert_cmpstr(shown(&s[0]), ==, "cam-360p");
}

/* An estimate that oscillates around a threshold moves nothing back and
 * forth. */
static void test_no_flapping(void)
{
	ms_auto a = { 0 };
	ms_auto_slot s;
	auto_slot(&s, 700);
	ms_auto_choose(&a, &s, 1, 1500 * K, T0);
	g_assert_cmpstr(shown(&s), ==, "cam-360p");
	/* the step up needs 2500 * 1.2 = 3000: two seconds above it, half a
	 * second below, for a minute */
	gint64 t = T0 + S;
	guint changes = 0;
	for(int i = 0; i < 24; i++) {
		changes += hold_at(&a, &s, 1, 3100 * K, t, t + 2 * S);
		changes += hold_at(&a, &s, 1, 2900 * K, t + 2 * S, t + 2500 * MS);
		t += 2500 * MS;
	}
	g_assert_cmpuint(changes, ==, 0);
	/* around the sum itself (800): the dip steps down once, and the margin
	 * (960 for the step back) is not there long enough */
	for(int i = 0; i < 30; i++) {
		changes += hold_at(&a, &s, 1, 700 * K, t, t + S);
		changes += hold_at(&a, &s, 1, 1000 * K, t + S, t + 2 * S);
		t += 2 * S;
	}
	g_assert_cmpuint(changes, ==, 1);
	g_assert_cmpstr(shown(&s), ==, "cam-180p");
	g_assert_cmpuint(a.ups, ==, 0);
	g_assert_cmpuint(a.downs, ==, 2);
	/* at its smallest and still too much: no step possible, but the room
	 * seen before is forgotten all the same */
	g_assert_cmpuint(ms_auto_choose(&a, &s, 1, 200 * K, t), ==, 0);
	g_assert_cmpuint(hold_at(&a, &s, 1, 1000 * K, t + 250 * MS, t + 2250 * MS), ==, 0);
	g_assert_cmpuint(ms_auto_choose(&a, &s, 1, 200 * K, t + 2250 * MS), ==, 0);
	t += 2500 * MS;
	g_assert_cmpuint(hold_at(&a, &s, 1, 1000 * K, t, t + MS_AUTO_HOLD_US), ==, 0);
	g_assert_cmpuint(ms_auto_choose(&a, &s, 1, 1000 * K, t + MS_AUTO_HOLD_US), ==, 1);
	g_assert_cmpstr(shown(&s), ==, "cam-360p");
}

/* A step up that does not hold doubles the next wait; a fresh drop later
 * starts from the base again. */
static void test_backoff(void)
{
	ms_auto a = { 0 };
	ms_auto_slot s;
	auto_slot(&s, 700);
	ms_auto_choose(&a, &s, 1, 2000 * K, T0);
	g_assert_cmpstr(shown(&s), ==, "cam-360p");
	g_assert_cmpint(a.hold, ==, MS_AUTO_HOLD_US);
	hold_at(&a, &s, 1, 5000 * K, T0 + 250 * MS, T0 + 3500 * MS);
	g_assert_cmpstr(shown(&s), ==, "cam-720p");
	/* dropped a second after the step up: it did not fit */
	ms_auto_choose(&a, &s, 1, 2000 * K, T0 + 4500 * MS);
	g_assert_cmpstr(shown(&s), ==, "cam-360p");
	g_assert_cmpint(a.hold, ==, 2 * MS_AUTO_HOLD_US);
	/* the doubled hold counts from the step down (room seen from 250 ms
	 * after it: a blind estimate grows back meanwhile) */
	gint64 t = T0 + 4750 * MS, dropped = T0 + 4500 * MS;
	g_assert_cmpuint(hold_at(&a, &s, 1, 5000 * K, t, dropped + 2 * MS_AUTO_HOLD_US), ==, 0);
	g_assert_cmpuint(ms_auto_choose(&a, &s, 1, 5000 * K, dropped + 2 * MS_AUTO_HOLD_US), ==, 1);
	g_assert_cmpstr(shown(&s), ==, "cam-720p");
	/* a drop long after: from the base again */
	t += 2 * MS_AUTO_HOLD_US + 10 * S;
	ms_auto_choose(&a, &s, 1, 2000 * K, t);
	g_assert_cmpint(a.hold, ==, MS_AUTO_HOLD_US);
	g_assert_cmpuint(hold_at(&a, &s, 1, 5000 * K, t + 250 * MS, t + 250 * MS + MS_AUTO_HOLD_US), ==, 0);
	g_assert_cmpuint(ms_auto_choose(&a, &s, 1, 5000 * K, t + 250 * MS + MS_AUTO_HOLD_US), ==, 1);
	/* failing again and again: at most MS_AUTO_HOLD_MAX_US */
	t += 10 * S;
	for(int i = 0; i < 10; i++) {
		ms_auto_choose(&a, &s, 1, 2000 * K, t);
		t += 250 * MS;
		gint64 wait = a.hold;
		g_assert_cmpuint(hold_at(&a, &s, 1, 5000 * K, t, t + wait + 250 * MS), ==, 1);
		t += wait + 250 * MS;
	}
	g_assert_cmpint(a.hold, ==, MS_AUTO_HOLD_MAX_US);
}

/* Resizing keeps the level: enlarged, the tile moves up at once by its
 * size; the smaller one then gives way. */
static void test_resize_keeps_level(void)
{
	ms_auto a = { 0 };
	ms_auto_slot s[2];
	auto_slot(&s[0], 200);		/* 360p */
	auto_slot(&s[1], 360);		/* 360p */
	ms_auto_choose(&a, s, 2, 1100 * K, T0);
	g_assert_cmpstr(shown(&s[0]), ==, "cam-180p");
	g_assert_cmpstr(shown(&s[1]), ==, "cam-360p");
	/* enlarged: 720p less one, at once; the other is now the smaller */
	s[0].height = 700;
	g_assert_cmpuint(ms_auto_choose(&a, s, 2, 1100 * K, T0 + 250 * MS), ==, 2);
	g_assert_cmpstr(shown(&s[0]), ==, "cam-360p");
	g_assert_cmpuint(s[0].level, ==, 1);
	g_assert_cmpstr(shown(&s[1]), ==, "cam-180p");
	/* enlarged with room to spare: at once too, no hold */
	s[0].height = 1000;
	ms_auto_choose(&a, s, 2, 100000 * K, T0 + 500 * MS);
	g_assert_cmpstr(shown(&s[0]), ==, "cam-720p");
	/* shrunk below its level: the smallest */
	s[0].height = 100;
	ms_auto_choose(&a, s, 2, 100000 * K, T0 + 750 * MS);
	g_assert_cmpstr(shown(&s[0]), ==, "cam-180p");
	g_assert_cmpuint(s[0].level, ==, 0);
}

static void test_edges(void)
{
	ms_auto a = { 0 };
	/* no slots */
	g_assert_cmpuint(ms_auto_choose(&a, NULL, 0, 1000 * K, T0), ==, 0);
	g_assert_cmpuint(ms_auto_sum_bps(NULL, 0), ==, 0);
	/* an auto slot without candidates: nothing */
	ms_auto_slot s;
	memset(&s, 0, sizeof(s));
	ms_auto_slot_set(&s, NULL, 0);
	s.height = 360;
	g_assert_cmpuint(ms_auto_choose(&a, &s, 1, 1000 * K, T0), ==, 0);
	g_assert_null(shown(&s));
	/* a slot that is not auto and shows nothing counts nothing */
	ms_auto_slot_fixed(&s, NULL, 0, 0);
	g_assert_cmpint(s.pick, ==, -1);
	g_assert_cmpuint(ms_auto_sum_bps(&s, 1), ==, 0);
	/* not auto, over budget: never touched */
	ms_auto_slot_fixed(&s, "fixed", 1080, 0);
	g_assert_cmpuint(ms_auto_choose(&a, &s, 1, 100 * K, T0), ==, 0);
	g_assert_cmpstr(shown(&s), ==, "fixed");
	g_assert_cmpuint(ms_auto_sum_bps(&s, 1), ==, 4500 * K);
	/* the same candidates again keep pick and level; others reset them */
	auto_slot(&s, 700);
	ms_auto_choose(&a, &s, 1, 1000 * K, T0);
	g_assert_cmpuint(s.level, ==, 1);
	ms_auto_candidate again[] = { cam[3], cam[2], cam[1], cam[0] };
	ms_auto_slot_set(&s, again, G_N_ELEMENTS(again));
	g_assert_cmpuint(s.level, ==, 1);
	g_assert_cmpstr(shown(&s), ==, "cam-360p");
	ms_auto_slot_set(&s, cam, 3);
	g_assert_cmpuint(s.level, ==, 0);
	g_assert_cmpint(s.pick, ==, -1);
	g_assert_cmpuint(ms_auto_choose(&a, &s, 1, 1000 * K, T0), ==, 1);
	g_assert_cmpstr(shown(&s), ==, "cam-180p");	/* 720p less one of 180, 720, native */
	/* more candidates than kept */
	ms_auto_candidate many[MS_AUTO_MAX_CANDIDATES + 4];
	for(guint i = 0; i < G_N_ELEMENTS(many); i++)
		many[i] = (ms_auto_candidate){ &many[i], i == 0 ? 0 : 100 * i, 0 };
	ms_auto_slot_set(&s, many, G_N_ELEMENTS(many));
	g_assert_cmpuint(s.n_cand, ==, MS_AUTO_MAX_CANDIDATES);
	g_assert_true(s.cand[MS_AUTO_MAX_CANDIDATES - 1].stream == &many[0]);
	s.height = 0;
	ms_auto_choose(&a, &s, 1, 0, T0);
	g_assert_true(shown(&s) == (const char *)&many[0]);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ms/auto/defaults", test_defaults);
	g_test_add_func("/ms/auto/size-choice", test_size_choice);
	g_test_add_func("/ms/auto/visibility", test_visibility);
	g_test_add_func("/ms/auto/step-down", test_step_down);
	g_test_add_func("/ms/auto/equal-slots-in-turn", test_equal_slots_in_turn);
	g_test_add_func("/ms/auto/measured-rates-move", test_measured_rates_move);
	g_test_add_func("/ms/auto/up-limit", test_up_limit);
	g_test_add_func("/ms/auto/proven", test_proven);
	g_test_add_func("/ms/auto/step-up-hold", test_step_up_hold);
	g_test_add_func("/ms/auto/no-flapping", test_no_flapping);
	g_test_add_func("/ms/auto/backoff", test_backoff);
	g_test_add_func("/ms/auto/resize-keeps-level", test_resize_keeps_level);
	g_test_add_func("/ms/auto/edges", test_edges);
	return g_test_run();
}
