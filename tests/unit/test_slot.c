/* test_slot.c: the slot status state machine, transition by transition. */
#include <glib.h>
#include "ms_slot.h"

#define P MS_SLOT_PENDING
#define A MS_SLOT_ACTIVE
#define B MS_SLOT_BUFFERING
#define Z MS_SLOT_PAUSED
#define O MS_SLOT_OFFLINE
#define E MS_SLOT_ERROR
#define X MS_SLOT_STATUS_COUNT	/* not allowed */

/* The whole expected machine. Columns: BIND, NOT_FOUND, FLIP, PAUSE,
 * SOURCE_DOWN, CODEC, HIDE. Written independently of ms_slot.c. */
#define I MS_SLOT_INACTIVE
static const ms_slot_status expected[MS_SLOT_STATUS_COUNT][MS_SLOT_EVENT_COUNT] = {
	[MS_SLOT_PENDING] = { A, E, X, X, X, X, X },
	[MS_SLOT_ACTIVE] = { B, X, X, Z, O, E, I },
	[MS_SLOT_BUFFERING] = { B, X, A, Z, O, E, I },
	[MS_SLOT_PAUSED] = { B, X, X, Z, X, X, X },
	[MS_SLOT_OFFLINE] = { B, X, A, Z, O, E, I },
	[MS_SLOT_ERROR] = { B, X, X, Z, X, X, X },
	[MS_SLOT_INACTIVE] = { B, X, X, Z, X, X, I },
};

static void test_names(void)
{
	static const char *statuses[] = { "pending", "active", "buffering", "paused",
		"offline", "error", "inactive" };
	static const char *events[] = { "bind", "not_found", "flip", "pause", "source_down", "codec", "hide" };
	for(int s = 0; s < MS_SLOT_STATUS_COUNT; s++)
		g_assert_cmpstr(ms_slot_status_name((ms_slot_status)s), ==, statuses[s]);
	for(int e = 0; e < MS_SLOT_EVENT_COUNT; e++)
		g_assert_cmpstr(ms_slot_event_name((ms_slot_event)e), ==, events[e]);
	g_assert_cmpstr(ms_slot_status_name(MS_SLOT_STATUS_COUNT), ==, "unknown");
	g_assert_cmpstr(ms_slot_status_name((ms_slot_status)-1), ==, "unknown");
	g_assert_cmpstr(ms_slot_event_name(MS_SLOT_EVENT_COUNT), ==, "unknown");
}

/* Every (status, event) pair: allowed ones land where expected, refused ones
 * return FALSE and leave *next at the current status. */
static void test_every_pair(void)
{
	guint allowed = 0, refused = 0;
	for(int s = 0; s < MS_SLOT_STATUS_COUNT; s++) {
		for(int e = 0; e < MS_SLOT_EVENT_COUNT; e++) {
			ms_slot_status next = (ms_slot_status)99;
			gboolean ok = ms_slot_transition((ms_slot_status)s, (ms_slot_event)e, &next);
			ms_slot_status want = expected[s][e];
			if(want == X) {
				if(ok || next != (ms_slot_status)s)
					g_error("%s + %s should be refused", ms_slot_status_name(s),
						ms_slot_event_name(e));
				refused++;
			} else {
				if(!ok || next != want)
					g_error("%s + %s: got %s (%d), want %s", ms_slot_status_name(s),
						ms_slot_event_name(e), ms_slot_status_name(next), ok,
						ms_slot_status_name(want));
				allowed++;
			}
		}
	}
	g_assert_cmpuint(allowed, ==, 26);
	g_assert_cmpuint(refused, ==, 23);
}

static gboolean step(ms_slot_status *s, ms_slot_event e)
{
	return ms_slot_transition(*s, e, s);
}

/* The brief's named transitions, spelled out. */
static void test_named(void)
{
	ms_slot_status n;
	g_assert_true(ms_slot_transition(P, MS_SLOT_EV_BIND, &n) && n == A);
	g_assert_true(ms_slot_transition(B, MS_SLOT_EV_FLIP, &n) && n == A);
	g_assert_true(ms_slot_transition(A, MS_SLOT_EV_BIND, &n) && n == B);
	g_assert_true(ms_slot_transition(A, MS_SLOT_EV_PAUSE, &n) && n == Z);
	g_assert_true(ms_slot_transition(B, MS_SLOT_EV_PAUSE, &n) && n == Z);
	g_assert_true(ms_slot_transition(O, MS_SLOT_EV_PAUSE, &n) && n == Z);
	g_assert_true(ms_slot_transition(Z, MS_SLOT_EV_PAUSE, &n) && n == Z);
	g_assert_true(ms_slot_transition(Z, MS_SLOT_EV_BIND, &n) && n == B);
	g_assert_true(ms_slot_transition(A, MS_SLOT_EV_SOURCE_DOWN, &n) && n == O);
	g_assert_true(ms_slot_transition(B, MS_SLOT_EV_SOURCE_DOWN, &n) && n == O);
	g_assert_true(ms_slot_transition(O, MS_SLOT_EV_FLIP, &n) && n == A);
	g_assert_true(ms_slot_transition(E, MS_SLOT_EV_BIND, &n) && n == B);
	g_assert_true(ms_slot_transition(P, MS_SLOT_EV_NOT_FOUND, &n) && n == E);
}

static void test_refused(void)
{
	ms_slot_status n;
	/* a flip needs a pending switch */
	g_assert_false(ms_slot_transition(A, MS_SLOT_EV_FLIP, &n));
	g_assert_cmpint(n, ==, A);
	g_assert_false(ms_slot_transition(P, MS_SLOT_EV_FLIP, &n));
	g_assert_false(ms_slot_transition(Z, MS_SLOT_EV_FLIP, &n));
	/* unbound slots do not hear from sources */
	g_assert_false(ms_slot_transition(Z, MS_SLOT_EV_SOURCE_DOWN, &n));
	g_assert_cmpint(n, ==, Z);
	g_assert_false(ms_slot_transition(E, MS_SLOT_EV_SOURCE_DOWN, &n));
	g_assert_false(ms_slot_transition(P, MS_SLOT_EV_SOURCE_DOWN, &n));
	/* not found only at init: a failed switch leaves the slot as it was */
	g_assert_false(ms_slot_transition(A, MS_SLOT_EV_NOT_FOUND, &n));
	g_assert_cmpint(n, ==, A);
	g_assert_false(ms_slot_transition(E, MS_SLOT_EV_NOT_FOUND, &n));
	/* a slot is paused only after init decided it */
	g_assert_false(ms_slot_transition(P, MS_SLOT_EV_PAUSE, &n));
	/* out of range never reads outside the table */
	g_assert_false(ms_slot_transition(MS_SLOT_STATUS_COUNT, MS_SLOT_EV_BIND, &n));
	g_assert_cmpint(n, ==, MS_SLOT_STATUS_COUNT);
	g_assert_false(ms_slot_transition(A, MS_SLOT_EVENT_COUNT, &n));
	g_assert_cmpint(n, ==, A);
	g_assert_false(ms_slot_transition((ms_slot_status)-3, (ms_slot_event)-1, &n));
	/* next may be NULL */
	g_assert_true(ms_slot_transition(P, MS_SLOT_EV_BIND, NULL));
	g_assert_false(ms_slot_transition(A, MS_SLOT_EV_FLIP, NULL));
}

/* A slot's life as the session drives it. */
static void test_lifecycle(void)
{
	ms_slot_status s = P;
	g_assert_true(step(&s, MS_SLOT_EV_BIND));		/* init, stream exists */
	g_assert_cmpint(s, ==, A);
	g_assert_false(step(&s, MS_SLOT_EV_FLIP));		/* its first keyframe: nothing pending */
	g_assert_true(step(&s, MS_SLOT_EV_BIND));		/* switch */
	g_assert_true(step(&s, MS_SLOT_EV_BIND));		/* switch again before the flip */
	g_assert_cmpint(s, ==, B);
	g_assert_true(step(&s, MS_SLOT_EV_FLIP));
	g_assert_true(step(&s, MS_SLOT_EV_SOURCE_DOWN));	/* camera unplugged */
	g_assert_cmpint(s, ==, O);
	g_assert_true(step(&s, MS_SLOT_EV_FLIP));		/* back: its keyframe reached the slot */
	g_assert_true(step(&s, MS_SLOT_EV_PAUSE));
	g_assert_true(step(&s, MS_SLOT_EV_PAUSE));
	g_assert_cmpint(s, ==, Z);
	g_assert_false(step(&s, MS_SLOT_EV_FLIP));
	g_assert_true(step(&s, MS_SLOT_EV_BIND));		/* resume */
	g_assert_true(step(&s, MS_SLOT_EV_FLIP));
	g_assert_cmpint(s, ==, A);

	s = P;
	g_assert_true(step(&s, MS_SLOT_EV_NOT_FOUND));		/* init, unknown stream */
	g_assert_cmpint(s, ==, E);
	g_assert_true(step(&s, MS_SLOT_EV_BIND));		/* switched to a real one */
	g_assert_true(step(&s, MS_SLOT_EV_FLIP));
	g_assert_cmpint(s, ==, A);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ms/slot/names", test_names);
	g_test_add_func("/ms/slot/every-pair", test_every_pair);
	g_test_add_func("/ms/slot/named", test_named);
	g_test_add_func("/ms/slot/refused", test_refused);
	g_test_add_func("/ms/slot/lifecycle", test_lifecycle);
	return g_test_run();
}
