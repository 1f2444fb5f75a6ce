/* test_switch.c: the switch engine (ms_switch) against fake sources and a
 * fake clock: what a slot does with each packet and each look at a cache,
 * across switches, resyncs, pauses and sources going down. */
#include <glib.h>
#include "ms_switch.h"

#define MS (1000)
#define S G_USEC_PER_SEC

/* Fake sources: what each can offer. */
typedef struct fake_src {
	const char *name;
	gboolean cache;		/* GOP cache ready */
	gboolean budget;	/* replay budget left */
} fake_src;

/* A slot: the engine, plus whether the last packet sent ended a frame, and
 * a log of what went out. */
typedef struct fake_slot {
	ms_switch sw;
	gboolean media;
	gboolean frame_open;
	guint replays, starts, relays, flips, syncs;
} fake_slot;

static ms_switch_result run(fake_slot *f, const fake_src *src, gboolean live, gboolean keyframe, gboolean marker,
		gint64 now)
{
	ms_switch_offer o = { .cache = src->cache, .budget = src->budget, .keyframe = live && keyframe };
	ms_switch_result r = ms_switch_step(&f->sw, src, live, &o, f->media, f->frame_open, now);
	switch(r.act) {
		case MS_SW_REPLAY:
			f->replays++;
			f->frame_open = FALSE;	/* a cached GOP ends on a whole frame */
			ms_switch_sent(&f->sw, FALSE, now);
			break;
		case MS_SW_START:
		case MS_SW_RELAY:
			if(r.act == MS_SW_START)
				f->starts++;
			else
				f->relays++;
			f->frame_open = !marker;
			ms_switch_sent(&f->sw, keyframe, now);
			break;
		case MS_SW_WITHHOLD:
			break;
	}
	f->flips += r.flipped;
	f->syncs += r.synced;
	return r;
}

/* A live packet of src (a slice, the last of its frame unless told). */
static ms_switch_act pkt(fake_slot *f, const fake_src *src, gint64 now)
{
	return run(f, src, TRUE, FALSE, TRUE, now).act;
}

/* A look at src's cache (a request, a PLI). */
static ms_switch_act look(fake_slot *f, const fake_src *src, gint64 now)
{
	return run(f, src, FALSE, FALSE, FALSE, now).act;
}

/* A slot showing a, media up, a's keyframe already out. */
static void showing(fake_slot *f, const fake_src *a, gint64 now)
{
	*f = (fake_slot){ .media = TRUE };
	ms_switch_bind_synced(&f->sw, a);
	g_assert_cmpint(look(f, a, now), ==, MS_SW_REPLAY);
	g_assert_null(f->sw.next);
	g_assert_false(f->sw.need_sync);
}

static gboolean bind(fake_slot *f, const fake_src *src, gboolean flowing)
{
	gboolean now = FALSE;
	ms_switch_bind(&f->sw, src, flowing, &now);
	return now;
}

static void test_switch_from_cache(void)
{
	fake_src a = { "a", TRUE, TRUE }, b = { "b", TRUE, TRUE };
	fake_slot f;
	showing(&f, &a, 10 * S);
	g_assert_cmpint(pkt(&f, &a, 10 * S + 10 * MS), ==, MS_SW_RELAY);
	/* switch to b: b's cache replays at the first look, the slot flips */
	g_assert_false(bind(&f, &b, TRUE));
	g_assert_true(f.sw.next == &b);
	ms_switch_result r = run(&f, &b, FALSE, FALSE, FALSE, 10 * S + 20 * MS);
	g_assert_cmpint(r.act, ==, MS_SW_REPLAY);
	g_assert_true(r.flipped);
	g_assert_true(f.sw.bound == &b);
	g_assert_null(f.sw.next);
	g_assert_cmpuint(f.sw.switches, ==, 1);
	/* a is no longer needed (once); b relays, a is withheld */
	g_assert_true(ms_switch_take_stale(&f.sw));
	g_assert_false(ms_switch_take_stale(&f.sw));
	g_assert_cmpint(pkt(&f, &a, 10 * S + 30 * MS), ==, MS_SW_WITHHOLD);
	g_assert_cmpint(pkt(&f, &b, 10 * S + 30 * MS), ==, MS_SW_RELAY);
}

/* Make-before-break: no cache, the old camera keeps flowing until the new
 * one's live keyframe, and the cut waits for the old frame to end. */
static void test_switch_waits_for_keyframe_and_frame_end(void)
{
	fake_src a = { "a", TRUE, TRUE }, b = { "b", FALSE, TRUE };
	fake_slot f;
	showing(&f, &a, 10 * S);
	bind(&f, &b, TRUE);
	g_assert_cmpint(look(&f, &b, 10 * S), ==, MS_SW_WITHHOLD);
	/* b's slices are withheld, a keeps playing */
	g_assert_cmpint(pkt(&f, &b, 10 * S + 5 * MS), ==, MS_SW_WITHHOLD);
	g_assert_cmpint(pkt(&f, &a, 10 * S + 6 * MS), ==, MS_SW_RELAY);
	/* a's frame is open (no marker yet): b's keyframe must wait */
	run(&f, &a, TRUE, FALSE, FALSE, 10 * S + 7 * MS);
	g_assert_true(f.frame_open);
	ms_switch_result r = run(&f, &b, TRUE, TRUE, FALSE, 10 * S + 8 * MS);
	g_assert_cmpint(r.act, ==, MS_SW_WITHHOLD);
	g_assert_false(r.flipped);
	/* a's frame ends; b's next keyframe packet starts the slot on b */
	g_assert_cmpint(pkt(&f, &a, 10 * S + 9 * MS), ==, MS_SW_RELAY);
	r = run(&f, &b, TRUE, TRUE, FALSE, 10 * S + 10 * MS);
	g_assert_cmpint(r.act, ==, MS_SW_START);
	g_assert_true(r.flipped);
	g_assert_true(f.sw.bound == &b);
	/* a stalled mid-frame does not block a switch for ever */
	fake_src c = { "c", TRUE, TRUE };
	run(&f, &b, TRUE, FALSE, FALSE, 11 * S);
	bind(&f, &c, TRUE);
	g_assert_cmpint(look(&f, &c, 11 * S + MS_CUT_STALL_US), ==, MS_SW_WITHHOLD);
	g_assert_cmpint(look(&f, &c, 11 * S + MS_CUT_STALL_US + 1), ==, MS_SW_REPLAY);
	g_assert_true(f.sw.bound == &c);
}

/* Several switches before any flip: only the last one counts, and each one
 * it replaced is handed back to be unbound. */
static void test_rapid_switches_within_one_tick(void)
{
	fake_src a = { "a", TRUE, TRUE }, b = { "b", FALSE, TRUE }, c = { "c", FALSE, TRUE }, d = { "d", FALSE, TRUE };
	fake_slot f;
	showing(&f, &a, 10 * S);
	gboolean now;
	g_assert_null(ms_switch_bind(&f.sw, &b, TRUE, &now));
	g_assert_true(ms_switch_bind(&f.sw, &c, TRUE, &now) == &b);
	g_assert_true(ms_switch_bind(&f.sw, &d, TRUE, &now) == &c);
	g_assert_true(f.sw.next == &d);
	/* b and c are no longer waited for: their keyframes change nothing */
	g_assert_cmpint(run(&f, &b, TRUE, TRUE, TRUE, 10 * S + MS).act, ==, MS_SW_WITHHOLD);
	g_assert_cmpint(run(&f, &c, TRUE, TRUE, TRUE, 10 * S + MS).act, ==, MS_SW_WITHHOLD);
	g_assert_true(f.sw.bound == &a);
	g_assert_cmpint(run(&f, &d, TRUE, TRUE, TRUE, 10 * S + 2 * MS).act, ==, MS_SW_START);
	g_assert_true(f.sw.bound == &d);
	g_assert_cmpuint(f.flips, ==, 1);
	/* five switches to cached sources in one second replay; the sixth waits
	 * for a live keyframe */
	fake_src e = { "e", TRUE, TRUE }, g = { "g", TRUE, TRUE };
	gint64 t = 20 * S;
	for(int i = 0; i < MS_REPLAYS_PER_SECOND; i++) {
		bind(&f, i % 2 ? &g : &e, TRUE);
		g_assert_cmpint(look(&f, i % 2 ? &g : &e, t + i * MS), ==, MS_SW_REPLAY);
	}
	const fake_src *last = f.sw.bound == &e ? &g : &e;
	bind(&f, last, TRUE);
	g_assert_cmpint(look(&f, last, t + 10 * MS), ==, MS_SW_WITHHOLD);
	g_assert_cmpint(run(&f, last, TRUE, TRUE, TRUE, t + 20 * MS).act, ==, MS_SW_START);
	/* a second later replays are allowed again */
	bind(&f, last == &e ? &g : &e, TRUE);
	g_assert_cmpint(look(&f, last == &e ? &g : &e, t + S + 5 * MS), ==, MS_SW_REPLAY);
}

/* A switch back to the source on screen while another is pending: shown
 * at once, nothing replayed, the pending one dropped. */
static void test_switch_back_to_bound(void)
{
	fake_src a = { "a", TRUE, TRUE }, b = { "b", FALSE, TRUE };
	fake_slot f;
	showing(&f, &a, 10 * S);
	bind(&f, &b, TRUE);
	gboolean now = FALSE;
	g_assert_true(ms_switch_bind(&f.sw, &a, TRUE, &now) == &b);
	g_assert_true(now);
	g_assert_null(f.sw.next);
	g_assert_cmpint(pkt(&f, &a, 10 * S + MS), ==, MS_SW_RELAY);
	g_assert_cmpuint(f.replays, ==, 1);	/* the first start only */
	/* ... but not when the slot is not flowing (offline, or a resync of a
	 * waits): then it restarts from a keyframe */
	g_assert_false(bind(&f, &a, FALSE));
	g_assert_true(f.sw.next == &a);
	g_assert_cmpint(look(&f, &a, 12 * S), ==, MS_SW_REPLAY);
	g_assert_null(f.sw.next);
	g_assert_cmpuint(f.sw.switches, ==, 1);
}

/* Pause while buffering: everything is forgotten; resume starts over. */
static void test_pause_during_buffering(void)
{
	fake_src a = { "a", TRUE, TRUE }, b = { "b", FALSE, TRUE };
	fake_slot f;
	showing(&f, &a, 10 * S);
	bind(&f, &b, TRUE);
	ms_switch_clear(&f.sw);
	g_assert_null(f.sw.bound);
	g_assert_null(f.sw.next);
	g_assert_cmpint(run(&f, &b, TRUE, TRUE, TRUE, 10 * S + MS).act, ==, MS_SW_WITHHOLD);
	g_assert_cmpint(pkt(&f, &a, 10 * S + MS), ==, MS_SW_WITHHOLD);
	g_assert_false(ms_switch_resync(&f.sw, 11 * S));
	/* resume (to b): no old stream to cut, b's keyframe starts it */
	bind(&f, &b, FALSE);
	ms_switch_result r = run(&f, &b, TRUE, TRUE, TRUE, 11 * S);
	g_assert_cmpint(r.act, ==, MS_SW_START);
	g_assert_true(r.flipped);
	g_assert_true(f.sw.bound == &b);
}

/* The awaited source goes down mid-switch: reported; the old one goes
 * down while a switch is pending: not reported (the slot waits for the new
 * one); back up, a bound source restarts from its keyframe. */
static void test_source_offline_mid_switch(void)
{
	fake_src a = { "a", TRUE, TRUE }, b = { "b", FALSE, TRUE };
	fake_slot f;
	showing(&f, &a, 10 * S);
	g_assert_true(ms_switch_source_down(&f.sw, &a));
	bind(&f, &b, TRUE);
	g_assert_true(ms_switch_source_down(&f.sw, &b));
	g_assert_false(ms_switch_source_down(&f.sw, &a));
	fake_src other = { "x", TRUE, TRUE };
	g_assert_false(ms_switch_source_down(&f.sw, &other));
	/* b comes back: its keyframe flips the slot */
	g_assert_cmpint(run(&f, &b, TRUE, TRUE, TRUE, 12 * S).act, ==, MS_SW_START);
	g_assert_true(f.sw.bound == &b);
	/* b down and up again while bound: the next packet waits for a keyframe */
	g_assert_true(ms_switch_source_down(&f.sw, &b));
	ms_switch_source_up(&f.sw, &b);
	g_assert_cmpint(pkt(&f, &b, 13 * S), ==, MS_SW_WITHHOLD);
	ms_switch_result r = run(&f, &b, TRUE, TRUE, TRUE, 13 * S + MS);
	g_assert_cmpint(r.act, ==, MS_SW_START);
	g_assert_true(r.synced);
	g_assert_false(r.flipped);
}

/* Resyncs (keyframe request, PLI, FIR) are bounded: one right after a
 * keyframe went out is already answered, and they replay at most once a
 * second (else the live keyframe restarts the decoder). */
static void test_replay_plus_pli(void)
{
	fake_src a = { "a", TRUE, TRUE };
	fake_slot f;
	showing(&f, &a, 10 * S);		/* a replay at 10 s */
	/* the browser's PLI just after the replay: already answered */
	g_assert_false(ms_switch_resync(&f.sw, 10 * S + 20 * MS));
	g_assert_false(f.sw.need_sync);
	g_assert_cmpint(pkt(&f, &a, 10 * S + 30 * MS), ==, MS_SW_RELAY);
	/* 600 ms on: a resync is honoured, but within a second of the last
	 * replay it caused only a live keyframe answers it */
	g_assert_true(ms_switch_resync(&f.sw, 10 * S + 600 * MS));
	g_assert_cmpint(look(&f, &a, 10 * S + 600 * MS), ==, MS_SW_WITHHOLD);
	g_assert_cmpint(pkt(&f, &a, 10 * S + 610 * MS), ==, MS_SW_WITHHOLD);
	ms_switch_result r = run(&f, &a, TRUE, TRUE, TRUE, 10 * S + 700 * MS);
	g_assert_cmpint(r.act, ==, MS_SW_START);
	g_assert_true(r.synced);
	/* a live keyframe that simply passes also answers a PLI after it */
	g_assert_cmpint(run(&f, &a, TRUE, TRUE, TRUE, 12 * S).act, ==, MS_SW_RELAY);
	g_assert_false(ms_switch_resync(&f.sw, 12 * S + 100 * MS));
	/* a second after the last replay, a resync replays again */
	g_assert_true(ms_switch_resync(&f.sw, 13 * S));
	g_assert_cmpint(look(&f, &a, 13 * S), ==, MS_SW_REPLAY);
	/* a flood of resyncs: at most one replay a second */
	guint before = f.replays;
	for(gint64 t = 13 * S + 10 * MS; t < 16 * S; t += 10 * MS) {
		if(ms_switch_resync(&f.sw, t))
			look(&f, &a, t);
		pkt(&f, &a, t + MS);
	}
	g_assert_cmpuint(f.replays - before, <=, 3);
	/* a source out of replay budget: the live keyframe again */
	a.budget = FALSE;
	g_assert_true(ms_switch_resync(&f.sw, 30 * S));
	g_assert_cmpint(look(&f, &a, 30 * S), ==, MS_SW_WITHHOLD);
	g_assert_cmpint(run(&f, &a, TRUE, TRUE, TRUE, 30 * S + MS).act, ==, MS_SW_START);
	/* no resync while a switch is pending */
	fake_src b = { "b", FALSE, TRUE };
	bind(&f, &b, TRUE);
	g_assert_false(ms_switch_resync(&f.sw, 40 * S));
}

/* Before media is up: a switch binds at once and waits for media; then a
 * look at the cache starts the decoder. */
static void test_before_media(void)
{
	fake_src a = { "a", TRUE, TRUE }, b = { "b", TRUE, TRUE };
	fake_slot f = { .media = FALSE };
	ms_switch_bind_synced(&f.sw, &a);
	g_assert_cmpint(pkt(&f, &a, 10 * S), ==, MS_SW_WITHHOLD);
	g_assert_cmpint(look(&f, &a, 10 * S), ==, MS_SW_WITHHOLD);
	bind(&f, &b, FALSE);
	ms_switch_result r = run(&f, &b, FALSE, FALSE, FALSE, 10 * S + MS);
	g_assert_true(r.flipped);
	g_assert_cmpint(r.act, ==, MS_SW_WITHHOLD);
	g_assert_true(f.sw.bound == &b);
	g_assert_true(f.sw.need_sync);
	f.media = TRUE;
	g_assert_true(ms_switch_resync(&f.sw, 11 * S));
	r = run(&f, &b, FALSE, FALSE, FALSE, 11 * S);
	g_assert_cmpint(r.act, ==, MS_SW_REPLAY);
	g_assert_true(r.synced);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ms/switch/from-cache", test_switch_from_cache);
	g_test_add_func("/ms/switch/waits-for-keyframe-and-frame-end", test_switch_waits_for_keyframe_and_frame_end);
	g_test_add_func("/ms/switch/rapid-within-one-tick", test_rapid_switches_within_one_tick);
	g_test_add_func("/ms/switch/back-to-bound", test_switch_back_to_bound);
	g_test_add_func("/ms/switch/pause-during-buffering", test_pause_during_buffering);
	g_test_add_func("/ms/switch/source-offline-mid-switch", test_source_offline_mid_switch);
	g_test_add_func("/ms/switch/replay-plus-pli", test_replay_plus_pli);
	g_test_add_func("/ms/switch/before-media", test_before_media);
	return g_test_run();
}
