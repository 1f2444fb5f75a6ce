/* ms_guard.c: failed token checks and their locks (see ms_guard.h). */
#include <string.h>
#include "ms_guard.h"

gboolean ms_guard_locked(const ms_guard *g, gint64 now)
{
	return now < g->locked_until;
}

gint64 ms_guard_fail_session(ms_guard *g, guint limit, gint64 now)
{
	g->failures++;
	if(g->failures < MAX(limit, 1))
		return 0;
	guint step = MIN(g->failures - MAX(limit, 1), 6);	/* 1 s << 6 > 60 s */
	gint64 lock = MIN((gint64)G_USEC_PER_SEC << step, MS_GUARD_SESSION_LOCK_MAX_US);
	g->locked_until = now + lock;
	return lock;
}

gint64 ms_guard_fail_global(ms_guard *g, guint per_minute, gint64 now)
{
	double limit = MAX(per_minute, 1);
	if(g->last > 0 && now > g->last)
		g->bucket = MAX(0.0, g->bucket - limit * (double)(now - g->last) / (60.0 * G_USEC_PER_SEC));
	g->last = now;
	g->bucket += 1.0;
	if(g->bucket < limit)
		return 0;
	/* Full: lock, and start the next fill from empty */
	if(g->locked_until > 0 && now - g->locked_until > MS_GUARD_GLOBAL_COOL_US)
		g->level = 0;
	guint step = MIN(g->level, 8);			/* 2 s << 8 > 300 s */
	gint64 lock = MIN(MS_GUARD_GLOBAL_LOCK_MIN_US << step, MS_GUARD_GLOBAL_LOCK_MAX_US);
	g->level++;
	g->bucket = 0.0;
	g->locked_until = now + lock;
	return lock;
}

void ms_guard_success(ms_guard *g)
{
	g->failures = 0;
}

gboolean ms_secret_equal(const char *a, const char *b)
{
	if(a == NULL || b == NULL || *b == '\0')
		return FALSE;
	gsize la = strlen(a), lb = strlen(b);
	guint diff = (guint)(la ^ lb);
	for(gsize i = 0; i < lb; i++)
		diff |= (guint)((guchar)a[i < la ? i : 0] ^ (guchar)b[i]) | (i < la ? 0u : 1u);
	return diff == 0;
}
