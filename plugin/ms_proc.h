/* ms_proc.h: supervised child processes (ffmpeg) for the source drivers.
 *
 * A child is started from an argv (never a shell) in its own process group,
 * with stdin and stdout on /dev/null and PR_SET_PDEATHSIG SIGKILL, so it
 * dies with Janus even on kill -9. Each child has one supervisor thread
 * that forks it (the parent-death signal follows the forking thread, which
 * lives exactly as long as the child), forwards its stderr to the Janus log
 * (redacted, at most MS_PROC_LOG_LINES lines per MS_PROC_LOG_WINDOW seconds
 * per label, across restarts) and reaps it. ms_proc_stop() signals the group (SIGTERM, a second SIGTERM
 * after 0.5 s, SIGKILL after 2 s), waits for the reap and joins the thread:
 * nothing outlives it. */
#ifndef MS_PROC_H
#define MS_PROC_H

#include <glib.h>

#define MS_PROC_LOG_LINES 10
#define MS_PROC_LOG_WINDOW 10
#define MS_PROC_TERM_GRACE_MS 2000

typedef struct ms_proc ms_proc;

typedef struct ms_proc_opts {
	const char *label;		/* for logs, e.g. the stream name */
	char **argv;			/* argv[0] looked up in PATH; copied */
	char **secrets;			/* NULL-terminated: replaced by "***" in logged lines (may be NULL) */
	/* Called once on the supervisor thread when the child exits by itself
	 * (not after ms_proc_stop); status as from waitpid. May be NULL. */
	void (*on_exit)(void *ctx, int status);
	void *ctx;
} ms_proc_opts;

/* Start a child; NULL (logged) when it could not be started. */
ms_proc *ms_proc_start(const ms_proc_opts *opts);
/* Stop (SIGTERM to the group, again, SIGKILL after the grace), reap, free. */
void ms_proc_stop(ms_proc *p);
int ms_proc_pid(const ms_proc *p);
gboolean ms_proc_exited(ms_proc *p);

/* Forget the log budgets (plugin unload). */
void ms_proc_cleanup(void);

/* A copy of line with every secret replaced by "***" (pure helper). */
char *ms_proc_redact(const char *line, char **secrets);
/* An argv joined by spaces for the log, secrets redacted. */
char *ms_proc_argv_string(char **argv, char **secrets);

#endif
