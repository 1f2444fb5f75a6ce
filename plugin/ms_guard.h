/* ms_guard.h: bounds on guessing stream tokens (pure, fake-clock tested).
 *
 * A guard counts failed token checks and says when checks are locked:
 * while locked, a token is not tested at all and the request gets the same
 * 487 as a wrong token, so a lock teaches a guesser nothing.
 * - Per session: after `limit` consecutive failures, every further failure
 *   locks the session for 1 s, doubling each time, at most 60 s. A success
 *   clears the count.
 * - Plugin-wide: failures fill a bucket that drains `per_minute` an
 *   minute; a full bucket locks every session's checks for 2 s, doubling
 *   with each lock that follows within 10 minutes, at most 300 s.
 * Not thread-safe: the caller serialises access. */
#ifndef MS_GUARD_H
#define MS_GUARD_H

#include <glib.h>

#define MS_GUARD_SESSION_LOCK_MAX_US (60 * G_USEC_PER_SEC)
#define MS_GUARD_GLOBAL_LOCK_MIN_US (2 * G_USEC_PER_SEC)
#define MS_GUARD_GLOBAL_LOCK_MAX_US (300 * G_USEC_PER_SEC)
/* A plugin-wide lock level falls back to the first step after this long
 * without a lock. */
#define MS_GUARD_GLOBAL_COOL_US (600 * G_USEC_PER_SEC)

typedef struct ms_guard {
	guint failures;		/* session: consecutive failures */
	gint64 locked_until;	/* monotonic us; 0: never locked */
	guint level;		/* global: locks in a row */
	double bucket;		/* global: failures not yet drained */
	gint64 last;		/* global: when the bucket was last drained */
} ms_guard;

gboolean ms_guard_locked(const ms_guard *g, gint64 now);
/* Record a failure. Returns the length (us) of the lock it started, 0 when
 * none. */
gint64 ms_guard_fail_session(ms_guard *g, guint limit, gint64 now);
gint64 ms_guard_fail_global(ms_guard *g, guint per_minute, gint64 now);
void ms_guard_success(ms_guard *g);

/* Compare two secrets in time that depends only on the given one's length
 * (b), not on where they differ. FALSE when either is NULL or b is empty. */
gboolean ms_secret_equal(const char *a, const char *b);

#endif
