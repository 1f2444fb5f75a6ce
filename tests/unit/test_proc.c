/* Unit tests of ms_proc (supervised children): real processes from /bin/sh,
 * with the Janus log captured by a stand-in for janus_vprintf. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "ms_plugin.h"
#include "ms_proc.h"

/* What the Janus core provides to a plugin's log calls */
int janus_log_level = LOG_VERB;
gboolean janus_log_timestamps = FALSE;
gboolean janus_log_colors = FALSE;
char *janus_log_global_prefix = NULL;

static GMutex log_mutex;
static GString *log_text;

void janus_vprintf(const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	g_mutex_lock(&log_mutex);
	g_string_append_vprintf(log_text, format, ap);
	g_mutex_unlock(&log_mutex);
	va_end(ap);
}

static char *log_take(void)
{
	g_mutex_lock(&log_mutex);
	char *s = g_strdup(log_text->str);
	g_string_truncate(log_text, 0);
	g_mutex_unlock(&log_mutex);
	return s;
}

static guint count_of(const char *hay, const char *needle)
{
	guint n = 0;
	for(const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* Alive means: signal 0 works and the process is not a zombie. */
static gboolean pid_alive(int pid)
{
	if(kill(pid, 0) < 0)
		return FALSE;
	char path[64], *stat = NULL;
	g_snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if(!g_file_get_contents(path, &stat, NULL, NULL))
		return FALSE;
	const char *close_paren = strrchr(stat, ')');
	gboolean zombie = close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z';
	g_free(stat);
	return !zombie;
}

typedef struct exit_seen {
	GMutex mutex;
	GCond cond;
	int calls;
	int status;
} exit_seen;

static void on_exit_cb(void *ctx, int status)
{
	exit_seen *e = ctx;
	g_mutex_lock(&e->mutex);
	e->calls++;
	e->status = status;
	g_cond_broadcast(&e->cond);
	g_mutex_unlock(&e->mutex);
}

static gboolean wait_exit(exit_seen *e, int ms)
{
	gint64 until = g_get_monotonic_time() + (gint64)ms * 1000;
	g_mutex_lock(&e->mutex);
	while(e->calls == 0 && g_cond_wait_until(&e->cond, &e->mutex, until));
	gboolean seen = e->calls > 0;
	g_mutex_unlock(&e->mutex);
	return seen;
}

static ms_proc *start_sh(const char *label, const char *script, char **secrets, exit_seen *e)
{
	char *argv[] = { "sh", "-c", (char *)script, NULL };
	ms_proc_opts opts = { .label = label, .argv = argv, .secrets = secrets,
		.on_exit = e ? on_exit_cb : NULL, .ctx = e };
	return ms_proc_start(&opts);
}

/* A child that exits by itself: on_exit once with its status, stderr in the
 * log with the secret and URL password replaced. */
static void test_exit_and_redacted_stderr(void)
{
	exit_seen e = { 0 };
	char *secrets[] = { "hunter2", NULL };
	ms_proc *p = start_sh("cam-exit",
		"echo 'opening rtsp://admin:pa55@10.0.0.9/live key=hunter2' >&2; "
		"printf 'no newline at the end' >&2; exit 3", secrets, &e);
	g_assert_nonnull(p);
	g_assert_cmpint(ms_proc_pid(p), >, 0);
	g_assert_true(wait_exit(&e, 5000));
	g_assert_cmpint(e.calls, ==, 1);
	g_assert_true(WIFEXITED(e.status));
	g_assert_cmpint(WEXITSTATUS(e.status), ==, 3);
	g_assert_true(ms_proc_exited(p));
	ms_proc_stop(p);
	g_assert_cmpint(e.calls, ==, 1);
	char *log = log_take();
	g_assert_nonnull(strstr(log, "cam-exit: sh["));
	g_assert_nonnull(strstr(log, "rtsp://admin:***@10.0.0.9/live key=***"));
	g_assert_nonnull(strstr(log, "no newline at the end"));
	g_assert_null(strstr(log, "hunter2"));
	g_assert_null(strstr(log, "pa55"));
	g_assert_nonnull(strstr(log, "exited with code 3"));
	g_free(log);
}

/* Stop: the child and a grandchild in its group are gone when stop returns;
 * on_exit is not called for a requested stop. */
static void test_stop_takes_the_group(void)
{
	char *dir = g_dir_make_tmp("ms-proc-XXXXXX", NULL);
	g_assert_nonnull(dir);
	char *pidfile = g_build_filename(dir, "grandchild", NULL);
	char *script = g_strdup_printf("sleep 30 & echo $! > '%s'; wait", pidfile);
	exit_seen e = { 0 };
	ms_proc *p = start_sh("cam-stop", script, NULL, &e);
	g_assert_nonnull(p);
	int pid = ms_proc_pid(p);
	char *text = NULL;
	for(int i = 0; i < 200 && !(g_file_get_contents(pidfile, &text, NULL, NULL) && text[0] != '\0'); i++) {
		g_clear_pointer(&text, g_free);
		g_usleep(10 * 1000);
	}
	g_assert_nonnull(text);
	int grandchild = atoi(text);
	g_free(text);
	g_assert_cmpint(grandchild, >, 0);
	g_assert_true(pid_alive(pid));
	g_assert_true(pid_alive(grandchild));
	gint64 t0 = g_get_monotonic_time();
	ms_proc_stop(p);
	gint64 took_ms = (g_get_monotonic_time() - t0) / 1000;
	g_assert_cmpint(took_ms, <, MS_PROC_TERM_GRACE_MS);
	g_assert_false(pid_alive(pid));
	/* The orphaned grandchild got the group's SIGTERM; init reaps it */
	for(int i = 0; i < 200 && pid_alive(grandchild); i++)
		g_usleep(10 * 1000);
	g_assert_false(pid_alive(grandchild));
	g_assert_cmpint(e.calls, ==, 0);
	g_test_message("stop took %" G_GINT64_FORMAT " ms", took_ms);
	g_unlink(pidfile);
	g_rmdir(dir);
	g_free(script);
	g_free(pidfile);
	g_free(dir);
	g_free(log_take());
}

/* A child that ignores SIGTERM is killed after the grace, and says so. */
static void test_stop_kills_a_stubborn_child(void)
{
	ms_proc *p = start_sh("cam-stubborn", "trap '' TERM; while :; do sleep 0.05; done", NULL, NULL);
	g_assert_nonnull(p);
	int pid = ms_proc_pid(p);
	g_usleep(100 * 1000);	/* let sh install the trap */
	gint64 t0 = g_get_monotonic_time();
	ms_proc_stop(p);
	gint64 took_ms = (g_get_monotonic_time() - t0) / 1000;
	g_assert_cmpint(took_ms, >=, MS_PROC_TERM_GRACE_MS - 50);
	g_assert_cmpint(took_ms, <, MS_PROC_TERM_GRACE_MS + 2000);
	g_assert_false(pid_alive(pid));
	char *log = log_take();
	g_assert_nonnull(strstr(log, "ignored SIGTERM, killing it"));
	g_free(log);
}

/* A program that does not exist: NULL and a log line, no thread left. */
static void test_missing_program(void)
{
	char *argv[] = { "ms-no-such-program-here", NULL };
	ms_proc_opts opts = { .label = "cam-missing", .argv = argv };
	g_assert_null(ms_proc_start(&opts));
	char *log = log_take();
	g_assert_nonnull(strstr(log, "cam-missing: can't run ms-no-such-program-here"));
	g_free(log);
	ms_proc_stop(NULL);
}

/* stderr floods are capped per label, across restarts of the label. */
static void test_log_rate_limit(void)
{
	for(int run = 0; run < 2; run++) {
		exit_seen e = { 0 };
		ms_proc *p = start_sh("cam-flood", "i=0; while [ $i -lt 50 ]; do echo \"line $i\" >&2; i=$((i+1)); done", NULL, &e);
		g_assert_nonnull(p);
		g_assert_true(wait_exit(&e, 5000));
		ms_proc_stop(p);
	}
	char *log = log_take();
	/* 2 x 50 lines inside one window: exactly the budget got through */
	g_assert_cmpuint(count_of(log, "]: line "), ==, MS_PROC_LOG_LINES);
	g_assert_nonnull(strstr(log, "]: line 0\n"));
	g_assert_null(strstr(log, "]: line 10\n"));
	g_free(log);
	/* Another label has its own budget */
	exit_seen e = { 0 };
	ms_proc *p = start_sh("cam-other", "echo hello >&2", NULL, &e);
	g_assert_true(wait_exit(&e, 5000));
	ms_proc_stop(p);
	log = log_take();
	g_assert_nonnull(strstr(log, "cam-other: sh["));
	g_free(log);
	ms_proc_cleanup();
}

static void test_redact_helpers(void)
{
	char *secrets[] = { "s3cret", "", NULL };
	char *s = ms_proc_redact("a s3cret and s3cret again", secrets);
	g_assert_cmpstr(s, ==, "a *** and *** again");
	g_free(s);
	s = ms_proc_redact("rtsp://u:p@h/x rtsp://h2/y rtsp://u2:***@h3 http://a:b:c@h4", NULL);
	g_assert_cmpstr(s, ==, "rtsp://u:***@h/x rtsp://h2/y rtsp://u2:***@h3 http://a:***@h4");
	g_free(s);
	s = ms_proc_redact(NULL, secrets);
	g_assert_cmpstr(s, ==, "");
	g_free(s);
	char *argv[] = { "ffmpeg", "-i", "rtsp://user:s3cret@cam/1", "-f", "rtp", NULL };
	s = ms_proc_argv_string(argv, secrets);
	g_assert_cmpstr(s, ==, "ffmpeg -i rtsp://user:***@cam/1 -f rtp");
	g_free(s);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	log_text = g_string_new(NULL);
	g_test_add_func("/proc/exit-and-redacted-stderr", test_exit_and_redacted_stderr);
	g_test_add_func("/proc/stop-takes-the-group", test_stop_takes_the_group);
	g_test_add_func("/proc/stop-kills-a-stubborn-child", test_stop_kills_a_stubborn_child);
	g_test_add_func("/proc/missing-program", test_missing_program);
	g_test_add_func("/proc/log-rate-limit", test_log_rate_limit);
	g_test_add_func("/proc/redact-helpers", test_redact_helpers);
	int rc = g_test_run();
	g_string_free(log_text, TRUE);
	return rc;
}
