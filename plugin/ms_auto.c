/* ms_auto.c: quality "auto" picks (see ms_auto.h). */
#include <string.h>
#include "ms_auto.h"

static const struct {
	guint height, kbps;
} default_kbps[] = {
	{ 180, 300 }, { 240, 500 }, { 360, 800 }, { 480, 1200 }, { 540, 1500 },
	{ 720, 2500 }, { 1080, 4500 }, { 1440, 8000 }, { 2160, 16000 },
};

guint ms_auto_default_kbps(guint height)
{
	if(height == 0)
		return MS_AUTO_NATIVE_KBPS;
	for(guint i = 0; i < G_N_ELEMENTS(default_kbps); i++) {
		if(default_kbps[i].height >= height)
			return default_kbps[i].kbps;
	}
	return default_kbps[G_N_ELEMENTS(default_kbps) - 1].kbps;
}

guint ms_auto_kbps(const ms_auto_candidate *c)
{
	return c->kbps > 0 ? c->kbps : ms_auto_default_kbps(c->height);
}

/* Heights to compare: unknown (0) is the tallest. */
static guint tall(guint height)
{
	return height > 0 ? height : G_MAXUINT;
}

static gboolean same_candidates(const ms_auto_slot *s, const ms_auto_candidate *sorted, guint n)
{
	if(!s->is_auto || s->n_cand != n)
		return FALSE;
	for(guint i = 0; i < n; i++) {
		if(s->cand[i].stream != sorted[i].stream || s->cand[i].height != sorted[i].height)
			return FALSE;
	}
	return TRUE;
}

void ms_auto_slot_set(ms_auto_slot *s, const ms_auto_candidate *c, guint n)
{
	/* Sort by height, native last (stable: equal ones keep their order) */
	ms_auto_candidate sorted[MS_AUTO_MAX_CANDIDATES];
	guint m = 0;
	for(guint i = 0; i < n && m < MS_AUTO_MAX_CANDIDATES; i++) {
		guint j = m++;
		while(j > 0 && tall(sorted[j - 1].height) > tall(c[i].height)) {
			sorted[j] = sorted[j - 1];
			j--;
		}
		sorted[j] = c[i];
	}
	if(same_candidates(s, sorted, m)) {
		/* The same candidates: only their rates, which are measured, move */
		for(guint i = 0; i < m; i++)
			s->cand[i].kbps = sorted[i].kbps;
		return;
	}
	s->is_auto = TRUE;
	for(guint i = 0; i < m; i++)
		s->cand[i] = sorted[i];
	s->n_cand = m;
	s->pick = s->prev = -1;
	s->level = 0;
	s->changed = FALSE;
}

void ms_auto_slot_fixed(ms_auto_slot *s, const void *stream, guint height, guint kbps)
{
	s->is_auto = FALSE;
	s->n_cand = stream != NULL ? 1 : 0;
	s->cand[0] = (ms_auto_candidate){ stream, height, kbps };
	s->pick = s->prev = stream != NULL ? 0 : -1;
	s->level = 0;
	s->changed = FALSE;
}

const ms_auto_candidate *ms_auto_picked(const ms_auto_slot *s)
{
	if(s->pick < 0 || (guint)s->pick >= s->n_cand)
		return NULL;
	return &s->cand[s->pick];
}

static guint64 bps_of(const ms_auto_slot *s)
{
	const ms_auto_candidate *c = ms_auto_picked(s);
	return c != NULL ? (guint64)ms_auto_kbps(c) * 1000 : 0;
}

guint64 ms_auto_sum_bps(const ms_auto_slot *slots, guint n)
{
	guint64 sum = 0;
	for(guint i = 0; i < n; i++)
		sum += bps_of(&slots[i]);
	return sum;
}

/* The smallest candidate at least as tall as the slot is rendered; the
 * tallest when none is, or the height is unknown; -1: nothing (hidden). */
static gint size_choice(const ms_auto_slot *s)
{
	if(s->hidden || s->n_cand == 0)
		return -1;
	if(s->height > 0) {
		for(guint i = 0; i < s->n_cand; i++) {
			if(tall(s->cand[i].height) >= s->height)
				return (gint)i;
		}
	}
	return (gint)s->n_cand - 1;
}

/* Move s one candidate down or up; returns the new sum. */
static guint64 step(ms_auto_slot *s, gboolean up, guint64 sum)
{
	sum -= bps_of(s);
	if(up) {
		s->pick++;
		s->level--;
	} else {
		s->pick--;
		s->level++;
	}
	return sum + bps_of(s);
}

/* The next to step down: the smallest rendered, then the least stepped. */
static ms_auto_slot *down_next(ms_auto_slot *slots, guint n)
{
	ms_auto_slot *v = NULL;
	for(guint i = 0; i < n; i++) {
		ms_auto_slot *s = &slots[i];
		if(!s->is_auto || s->pick <= 0)
			continue;
		if(v == NULL || tall(s->height) < tall(v->height) ||
				(tall(s->height) == tall(v->height) && s->level < v->level))
			v = s;
	}
	return v;
}

/* The next to step up: the largest rendered whose step fits with the
 * margin, then the most stepped. */
static ms_auto_slot *up_next(const ms_auto *a, ms_auto_slot *slots, guint n, guint64 sum, guint64 avail)
{
	ms_auto_slot *v = NULL;
	for(guint i = 0; i < n; i++) {
		ms_auto_slot *s = &slots[i];
		if(!s->is_auto || s->level == 0 || s->pick < 0 || (guint)s->pick + 1 >= s->n_cand)
			continue;
		guint64 with = sum - bps_of(s) + (guint64)ms_auto_kbps(&s->cand[s->pick + 1]) * 1000;
		if(with * (100 + MS_AUTO_UP_MARGIN_PERCENT) > avail * 100 || (a->up_limit > 0 && with > a->up_limit))
			continue;
		if(v == NULL || tall(s->height) > tall(v->height) ||
				(tall(s->height) == tall(v->height) && s->level > v->level))
			v = s;
	}
	return v;
}

/* After a step: the next step up waits from now (wait). */
static void hold_from(ms_auto *a, ms_auto_slot *slots, guint n, guint64 sum, guint64 avail, gint64 now, gint64 wait)
{
	a->up_fits = sum <= avail && up_next(a, slots, n, sum, avail) != NULL;
	a->up_since = now;
	a->stepped_at = now;
	a->wait = wait;
}

/* Every step up that still fits, from v (the largest rendered first);
 * returns the new sum. */
static guint64 step_up_round(ms_auto *a, ms_auto_slot *slots, guint n, ms_auto_slot *v, guint64 sum,
		guint64 avail, gint64 now)
{
	do {
		sum = step(v, TRUE, sum);
		v->stepped_up = TRUE;
		a->ups++;
	} while((v = up_next(a, slots, n, sum, avail)) != NULL);
	a->last_up = now;
	hold_from(a, slots, n, sum, avail, now, MS_AUTO_UP_AGAIN_US);
	return sum;
}

guint64 ms_auto_up_target(const ms_auto_slot *slots, ms_auto_slot *scratch, guint n, guint64 limit)
{
	/* The round as ms_auto_choose steps it, with room for anything */
	const guint64 room = G_MAXUINT64 / 1000;
	memcpy(scratch, slots, n * sizeof(*slots));
	ms_auto sim = { .up_limit = limit };
	guint64 sum = ms_auto_sum_bps(scratch, n);
	ms_auto_slot *v = up_next(&sim, scratch, n, sum, room);
	if(v == NULL) {
		sim.up_limit = 0;	/* not one step fits the limit: the first */
		v = up_next(&sim, scratch, n, sum, room);
		return v != NULL ? step(v, TRUE, sum) : sum;
	}
	do {
		sum = step(v, TRUE, sum);
	} while((v = up_next(&sim, scratch, n, sum, room)) != NULL);
	return sum;
}

guint ms_auto_choose(ms_auto *a, ms_auto_slot *slots, guint n, guint64 available_bps, gint64 now)
{
	if(a->hold == 0)
		a->hold = MS_AUTO_HOLD_US;
	/* Sizes first, at once; levels as they were */
	for(guint i = 0; i < n; i++) {
		ms_auto_slot *s = &slots[i];
		s->prev = s->pick;
		s->stepped_up = FALSE;
		if(!s->is_auto)
			continue;
		gint size = size_choice(s);
		if(size < 0 || available_bps == 0)
			s->level = 0;
		if(size >= 0 && s->level > (guint)size)
			s->level = (guint)size;
		s->pick = size < 0 ? -1 : size - (gint)s->level;
	}
	guint64 sum = ms_auto_sum_bps(slots, n);
	if(available_bps == 0) {
		a->up_fits = FALSE;
	} else if(sum > available_bps) {
		/* What does not fit steps down now, smallest first; no room
		 * breaks any hold towards a step up */
		gboolean down = FALSE;
		a->up_fits = FALSE;
		ms_auto_slot *v;
		while(sum > available_bps && (v = down_next(slots, n)) != NULL) {
			sum = step(v, FALSE, sum);
			down = TRUE;
		}
		if(down) {
			/* A step up that did not fit after all: wait longer next time */
			if(a->last_up > 0 && now - a->last_up < MS_AUTO_UP_FAIL_US)
				a->hold = MIN(a->hold * 2, MS_AUTO_HOLD_MAX_US);
			else
				a->hold = MS_AUTO_HOLD_US;
			a->last_up = 0;
			a->downs++;
			hold_from(a, slots, n, sum, available_bps, now, a->hold);
		}
	} else {
		/* Up only after the room has been there for the hold time */
		gint64 wait = a->wait > 0 ? a->wait : a->hold;
		ms_auto_slot *v = up_next(a, slots, n, sum, available_bps);
		if(v == NULL) {
			a->up_fits = FALSE;
		} else if(a->proven) {
			if(now - a->stepped_at >= MS_AUTO_UP_AGAIN_US)
				sum = step_up_round(a, slots, n, v, sum, available_bps, now);
		} else if(!a->up_fits) {
			a->up_fits = TRUE;
			a->up_since = now;
		} else if(now - a->stepped_at >= wait && now - a->up_since >= MIN(wait, MS_AUTO_HOLD_US)) {
			sum = step_up_round(a, slots, n, v, sum, available_bps, now);
		}
	}
	guint changed = 0;
	for(guint i = 0; i < n; i++) {
		slots[i].changed = slots[i].pick != slots[i].prev;
		changed += slots[i].changed;
	}
	return changed;
}
