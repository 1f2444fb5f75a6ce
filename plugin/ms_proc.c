/* ms_proc.c: supervised child processes; see ms_proc.h for the model. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include "ms_plugin.h"
#include "ms_proc.h"

struct ms_proc {
	char *label;
	char *name;			/* basename of argv[0], for logs */
	char **argv;
	char **secrets;
	void (*on_exit)(void *ctx, int status);
	void *ctx;
	GThread *thread;

	GMutex mutex;			/* guards the fields below */
	GCond cond;
	gboolean spawned;		/* the thread tried to fork */
	int pid;			/* > 0 once running, -1 when the spawn failed */
	gboolean exited;		/* reaped: pid must not be signalled any more */
	int status;
	gboolean stop_requested;

	/* Supervisor thread only */
	int err_fd;
	char line[1024];
	gsize line_len;
};

/* The log budget of one label (source): shared by its successive processes,
 * so restarts do not reset it. */
typedef struct log_window {
	gint64 start;
	guint lines;
	guint suppressed;
} log_window;

static GMutex windows_mutex;
static GHashTable *windows;		/* label -> log_window */

void ms_proc_cleanup(void)
{
	g_mutex_lock(&windows_mutex);
	g_clear_pointer(&windows, g_hash_table_destroy);
	g_mutex_unlock(&windows_mutex);
}

/* May this label log one more line now? Prints the count of lines held back
 * when a new window opens. */
static gboolean log_allowed(ms_proc *p)
{
	gint64 now = g_get_monotonic_time();
	g_mutex_lock(&windows_mutex);
	if(windows == NULL)
		windows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	log_window *w = g_hash_table_lookup(windows, p->label);
	if(w == NULL) {
		w = g_new0(log_window, 1);
		g_hash_table_insert(windows, g_strdup(p->label), w);
	}
	if(w->start == 0 || now - w->start >= (gint64)MS_PROC_LOG_WINDOW * G_USEC_PER_SEC) {
		if(w->suppressed > 0)
			JANUS_LOG(LOG_WARN, MS_TAG "%s: %u more %s lines not logged\n", p->label, w->suppressed, p->name);
		w->start = now;
		w->lines = 0;
		w->suppressed = 0;
	}
	gboolean ok = w->lines < MS_PROC_LOG_LINES;
	if(ok)
		w->lines++;
	else
		w->suppressed++;
	g_mutex_unlock(&windows_mutex);
	return ok;
}

/* Parent pid, read in the child before exec. */
typedef struct setup_ctx {
	pid_t parent;
} setup_ctx;

/* Runs in the child between fork and exec: async-signal-safe calls only. */
static void child_setup(gpointer data)
{
	setup_ctx *ctx = data;
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* The parent may have died before prctl: then nobody would kill us */
	if(getppid() != ctx->parent)
		_exit(127);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGTERM, &dfl, NULL);
	sigaction(SIGINT, &dfl, NULL);
	sigaction(SIGPIPE, &dfl, NULL);
	int null = open("/dev/null", O_RDONLY);
	if(null >= 0) {
		dup2(null, STDIN_FILENO);
		if(null != STDIN_FILENO)
			close(null);
	}
}

/* Replace the password of any scheme://user:pass@ in s (in place). */
static void scrub_userinfo(GString *s)
{
	gsize from = 0;
	const char *hit;
	while((hit = strstr(s->str + from, "://")) != NULL) {
		gsize auth = (hit - s->str) + 3;
		gsize end = auth, colon = 0, at = 0;
		while(end < s->len && !strchr("/ \t\"'", s->str[end])) {
			if(s->str[end] == ':' && colon == 0 && at == 0)
				colon = end;
			if(s->str[end] == '@')
				at = end;
			end++;
		}
		from = auth;
		if(colon == 0 || at == 0 || at < colon)
			continue;
		if(at - colon - 1 == 3 && strncmp(s->str + colon + 1, "***", 3) == 0)
			continue;
		g_string_erase(s, colon + 1, at - colon - 1);
		g_string_insert(s, colon + 1, "***");
		from = colon + 4;
	}
}

char *ms_proc_redact(const char *line, char **secrets)
{
	GString *s = g_string_new(line ? line : "");
	for(guint i = 0; secrets && secrets[i]; i++) {
		gsize n = strlen(secrets[i]);
		if(n == 0)
			continue;
		char *hit;
		gsize from = 0;
		while(from < s->len && (hit = strstr(s->str + from, secrets[i])) != NULL) {
			gsize pos = hit - s->str;
			g_string_erase(s, pos, n);
			g_string_insert(s, pos, "***");
			from = pos + 3;
		}
	}
	scrub_userinfo(s);
	return g_string_free(s, FALSE);
}

char *ms_proc_argv_string(char **argv, char **secrets)
{
	char *joined = g_strjoinv(" ", argv);
	char *safe = ms_proc_redact(joined, secrets);
	g_free(joined);
	return safe;
}

/* One stderr line to the Janus log, redacted and rate-limited. */
static void log_line(ms_proc *p, const char *line)
{
	while(*line == ' ' || *line == '\t')
		line++;
	if(*line == '\0' || !log_allowed(p))
		return;
	char *safe = ms_proc_redact(line, p->secrets);
	JANUS_LOG(LOG_WARN, MS_TAG "%s: %s[%d]: %s\n", p->label, p->name, p->pid, safe);
	g_free(safe);
}

/* Read what stderr has; FALSE on EOF or error. */
static gboolean read_stderr(ms_proc *p)
{
	char buf[512];
	for(;;) {
		ssize_t n = read(p->err_fd, buf, sizeof(buf));
		if(n < 0 && errno == EINTR)
			continue;
		if(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return TRUE;
		if(n <= 0)
			return FALSE;
		for(ssize_t i = 0; i < n; i++) {
			char c = buf[i];
			if(c == '\n' || c == '\r' || p->line_len == sizeof(p->line) - 1) {
				p->line[p->line_len] = '\0';
				log_line(p, p->line);
				p->line_len = 0;
				if(c == '\n' || c == '\r')
					continue;
			}
			p->line[p->line_len++] = c;
		}
	}
}

/* Forward stderr until the child has exited (not yet reaped). */
static void watch(ms_proc *p)
{
	struct pollfd pfd = { .fd = p->err_fd, .events = POLLIN };
	for(;;) {
		if(pfd.fd >= 0) {
			if(poll(&pfd, 1, 100) > 0 && !read_stderr(p))
				pfd.fd = -1;
		} else {
			g_usleep(100 * 1000);
		}
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		int r = waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT);
		if((r == 0 && si.si_pid == p->pid) || (r < 0 && errno == ECHILD))
			break;
	}
	if(pfd.fd >= 0)
		read_stderr(p);
	if(p->line_len > 0) {
		p->line[p->line_len] = '\0';
		log_line(p, p->line);
		p->line_len = 0;
	}
}

static void log_exit(ms_proc *p, int status, gboolean requested)
{
	int level = requested ? LOG_VERB : LOG_WARN;
	if(WIFEXITED(status))
		JANUS_LOG(level, MS_TAG "%s: %s[%d] exited with code %d\n", p->label, p->name, p->pid,
			WEXITSTATUS(status));
	else if(WIFSIGNALED(status))
		JANUS_LOG(level, MS_TAG "%s: %s[%d] killed by signal %d\n", p->label, p->name, p->pid,
			WTERMSIG(status));
}

/* The supervisor: forks the child (so PDEATHSIG follows this thread, which
 * outlives the child), forwards stderr, reaps. */
static gpointer proc_thread(gpointer data)
{
	ms_proc *p = data;
	setup_ctx ctx = { .parent = getpid() };
	GError *error = NULL;
	GPid pid = 0;
	int err_fd = -1;
	gboolean ok = g_spawn_async_with_pipes(NULL, p->argv, NULL,
		G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
		child_setup, &ctx, &pid, NULL, NULL, &err_fd, &error);
	if(!ok)
		JANUS_LOG(LOG_ERR, MS_TAG "%s: can't run %s: %s\n", p->label, p->name,
			error ? error->message : "?");
	g_clear_error(&error);
	g_mutex_lock(&p->mutex);
	p->spawned = TRUE;
	p->pid = ok ? (int)pid : -1;
	p->err_fd = err_fd;
	g_cond_broadcast(&p->cond);
	g_mutex_unlock(&p->mutex);
	if(!ok)
		return NULL;
	fcntl(err_fd, F_SETFL, fcntl(err_fd, F_GETFL) | O_NONBLOCK);
	watch(p);
	int status = 0;
	/* Reap under the mutex: ms_proc_stop never signals a reaped (reusable) pid */
	g_mutex_lock(&p->mutex);
	while(waitpid(p->pid, &status, 0) < 0 && errno == EINTR);
	p->exited = TRUE;
	p->status = status;
	gboolean requested = p->stop_requested;
	g_cond_broadcast(&p->cond);
	g_mutex_unlock(&p->mutex);
	close(err_fd);
	log_exit(p, status, requested);
	if(!requested && p->on_exit != NULL)
		p->on_exit(p->ctx, status);
	return NULL;
}

static void proc_free(ms_proc *p)
{
	g_mutex_clear(&p->mutex);
	g_cond_clear(&p->cond);
	g_strfreev(p->argv);
	g_strfreev(p->secrets);
	g_free(p->name);
	g_free(p->label);
	g_free(p);
}

ms_proc *ms_proc_start(const ms_proc_opts *opts)
{
	ms_proc *p = g_new0(ms_proc, 1);
	p->label = g_strdup(opts->label ? opts->label : "?");
	p->argv = g_strdupv(opts->argv);
	p->secrets = opts->secrets ? g_strdupv(opts->secrets) : NULL;
	p->name = g_path_get_basename(p->argv[0]);
	p->on_exit = opts->on_exit;
	p->ctx = opts->ctx;
	p->err_fd = -1;
	g_mutex_init(&p->mutex);
	g_cond_init(&p->cond);
	GError *error = NULL;
	p->thread = g_thread_try_new("ms-proc", proc_thread, p, &error);
	if(p->thread == NULL) {
		JANUS_LOG(LOG_ERR, MS_TAG "%s: no supervisor thread: %s\n", p->label, error ? error->message : "?");
		g_clear_error(&error);
		proc_free(p);
		return NULL;
	}
	g_mutex_lock(&p->mutex);
	while(!p->spawned)
		g_cond_wait(&p->cond, &p->mutex);
	int pid = p->pid;
	g_mutex_unlock(&p->mutex);
	if(pid < 0) {
		g_thread_join(p->thread);
		proc_free(p);
		return NULL;
	}
	return p;
}

/* Signal the child's group; p->mutex held and the child not reaped. */
static void signal_group(ms_proc *p, int sig)
{
	if(kill(-p->pid, sig) < 0)
		kill(p->pid, sig);
	/* A stopped process would only act on SIGTERM once continued */
	if(sig == SIGTERM && kill(-p->pid, SIGCONT) < 0)
		kill(p->pid, SIGCONT);
}

void ms_proc_stop(ms_proc *p)
{
	if(p == NULL)
		return;
	g_mutex_lock(&p->mutex);
	p->stop_requested = TRUE;
	if(!p->exited)
		signal_group(p, SIGTERM);
	/* ffmpeg blocked on a silent input only gives up on a second signal */
	gint64 start = g_get_monotonic_time();
	gint64 again = start + (gint64)MS_PROC_TERM_GRACE_MS * 1000 / 4;
	gint64 until = start + (gint64)MS_PROC_TERM_GRACE_MS * 1000;
	while(!p->exited && g_cond_wait_until(&p->cond, &p->mutex, again));
	if(!p->exited)
		signal_group(p, SIGTERM);
	while(!p->exited && g_cond_wait_until(&p->cond, &p->mutex, until));
	if(!p->exited) {
		JANUS_LOG(LOG_WARN, MS_TAG "%s: %s[%d] ignored SIGTERM, killing it\n", p->label, p->name, p->pid);
		signal_group(p, SIGKILL);
		while(!p->exited)
			g_cond_wait(&p->cond, &p->mutex);
	}
	g_mutex_unlock(&p->mutex);
	g_thread_join(p->thread);
	proc_free(p);
}

int ms_proc_pid(const ms_proc *p)
{
	return p ? p->pid : -1;
}

gboolean ms_proc_exited(ms_proc *p)
{
	g_mutex_lock(&p->mutex);
	gboolean exited = p->exited;
	g_mutex_unlock(&p->mutex);
	return exited;
}
