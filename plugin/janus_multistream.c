/* janus_multistream.c: the thin Janus glue. The plugin descriptor, the
 * handle -> session table, the request queue and its handler thread, the
 * housekeeping thread, and the admin API. Everything else lives in the
 * ms_* modules (see ms_plugin.h for the lock order). */
#ifdef HAVE_CONFIG_H
#include "ms_build_config.h"
#endif
#include <string.h>
#include <unistd.h>
#ifdef HAVE_MALLOC_H
#include <malloc.h>
#endif
#include "ms_plugin.h"
#include "ms_config.h"
#include "ms_session.h"
#include "ms_source.h"
#include "ms_protocol.h"
#include "ms_guard.h"
#include "apierror.h"

janus_plugin *create(void);

static int ms_init(janus_callbacks *callback, const char *config_path);
static void ms_destroy(void);
static int ms_get_api_compatibility(void) { return JANUS_PLUGIN_API_VERSION; }
static int ms_get_version(void) { return MS_VERSION; }
static const char *ms_get_version_string(void) { return MS_VERSION_STRING; }
static const char *ms_get_description(void) { return "Many cameras over one PeerConnection, switched instantly."; }
static const char *ms_get_name(void) { return MS_NAME; }
static const char *ms_get_author(void) { return "janus-multistream"; }
static const char *ms_get_package(void) { return MS_PACKAGE; }
static void ms_create_session(janus_plugin_session *handle, int *error);
static struct janus_plugin_result *ms_handle_message(janus_plugin_session *handle, char *transaction, json_t *message, json_t *jsep);
static json_t *ms_handle_admin_message(json_t *message);
static void ms_setup_media(janus_plugin_session *handle);
static void ms_incoming_rtcp(janus_plugin_session *handle, janus_plugin_rtcp *packet);
static void ms_hangup_media(janus_plugin_session *handle);
static void ms_destroy_session(janus_plugin_session *handle, int *error);
static json_t *ms_query_session(janus_plugin_session *handle);

janus_plugin ms_plugin = JANUS_PLUGIN_INIT(
	.init = ms_init,
	.destroy = ms_destroy,
	.get_api_compatibility = ms_get_api_compatibility,
	.get_version = ms_get_version,
	.get_version_string = ms_get_version_string,
	.get_description = ms_get_description,
	.get_name = ms_get_name,
	.get_author = ms_get_author,
	.get_package = ms_get_package,
	.create_session = ms_create_session,
	.handle_message = ms_handle_message,
	.handle_admin_message = ms_handle_admin_message,
	.setup_media = ms_setup_media,
	.incoming_rtcp = ms_incoming_rtcp,
	.hangup_media = ms_hangup_media,
	.destroy_session = ms_destroy_session,
	.query_session = ms_query_session,
);

janus_plugin *create(void)
{
	return &ms_plugin;
}

static janus_callbacks *ms_gateway;
static volatile gint initialized, stopping;
static GHashTable *sessions;		/* janus_plugin_session* -> ms_session* (ref) */
static GMutex sessions_mutex;
static GAsyncQueue *messages;
static GThread *handler_thread, *housekeeping_thread;

typedef struct ms_message {
	ms_session *session;		/* ref */
	char *transaction;
	json_t *body;
	json_t *jsep;
} ms_message;

static ms_message exit_message;

static void message_free(ms_message *m)
{
	if(m == NULL || m == &exit_message)
		return;
	ms_session_unref(m->session);
	g_free(m->transaction);
	json_decref(m->body);
	json_decref(m->jsep);
	g_free(m);
}

static void push_event(janus_plugin_session *handle, const char *transaction, json_t *msg, json_t *jsep)
{
	if(handle != NULL && !g_atomic_int_get(&handle->stopped)) {
		int r = ms_gateway->push_event(handle, &ms_plugin, transaction, msg, jsep);
		/* -2 / 458: the core detached the handle or destroyed its session
		 * between our check and the push (an event from a source thread
		 * racing a detach): expected, not a fault */
		if(r == -2 || r == JANUS_ERROR_SESSION_NOT_FOUND)
			JANUS_LOG(LOG_VERB, MS_TAG "event for a detached handle dropped\n");
		else if(r != 0)
			JANUS_LOG(LOG_WARN, MS_TAG "push_event failed: %d (%s)\n", r, janus_get_api_error(r));
	}
	json_decref(msg);
	json_decref(jsep);
}

static void notify(janus_plugin_session *handle, json_t *info)
{
	if(ms_config.events && ms_gateway->events_is_enabled())
		ms_gateway->notify_event(&ms_plugin, handle, info);
	else
		json_decref(info);
}

static void relay_rtp(janus_plugin_session *handle, janus_plugin_rtp *packet)
{
	ms_gateway->relay_rtp(handle, packet);
}

static void close_pc(janus_plugin_session *handle)
{
	ms_gateway->close_pc(handle);
}

/* What sessions send out goes through here (ms_session.h). */
static const ms_session_io session_io = {
	.event = push_event,
	.notify = notify,
	.relay_rtp = relay_rtp,
	.close_pc = close_pc,
};

/* Look up a handle's session and take a reference. */
static ms_session *lookup(janus_plugin_session *handle)
{
	g_mutex_lock(&sessions_mutex);
	ms_session *s = sessions ? g_hash_table_lookup(sessions, handle) : NULL;
	if(s != NULL)
		ms_session_ref(s);
	g_mutex_unlock(&sessions_mutex);
	return s;
}

static gpointer handler_main(gpointer data)
{
	while(!g_atomic_int_get(&stopping)) {
		ms_message *m = g_async_queue_pop(messages);
		if(m == &exit_message)
			break;
		ms_session_handle(m->session, m->transaction, m->body, m->jsep);
		message_free(m);
	}
	return NULL;
}

static void add_session(gpointer key, gpointer value, gpointer data)
{
	g_ptr_array_add(data, value);
}

/* Every session, each with a reference taken: iterate without the table
 * lock; g_ptr_array_free() drops the references. */
static GPtrArray *sessions_snapshot(void)
{
	GPtrArray *snapshot = g_ptr_array_new_with_free_func((GDestroyNotify)ms_session_unref);
	g_mutex_lock(&sessions_mutex);
	if(sessions)
		g_hash_table_foreach(sessions, add_session, snapshot);
	for(guint i = 0; i < snapshot->len; i++)
		ms_session_ref(g_ptr_array_index(snapshot, i));
	g_mutex_unlock(&sessions_mutex);
	return snapshot;
}

/* Returning freed heap to the system (heap_trim_interval): Janus runs a
 * thread per handle and glibc keeps what each thread freed in its arena, so
 * viewers coming and going grow RSS with memory nobody uses. Figures for the
 * admin status; only the housekeeping thread writes them. */
static struct {
	GMutex mutex;
	guint64 trims;
	gint64 last_us;			/* duration of the last trim */
	gint64 max_us;
	gint64 released_kb;		/* RSS returned, summed over the trims */
	gint64 next;			/* monotonic time of the next trim */
} heap_trim;

static gint64 rss_kb(void)
{
	char *text = NULL;
	gint64 pages = -1;
	if(g_file_get_contents("/proc/self/statm", &text, NULL, NULL)) {
		char *p = strchr(text, ' ');
		if(p != NULL)
			pages = g_ascii_strtoll(p + 1, NULL, 10);
	}
	g_free(text);
	return pages < 0 ? -1 : pages * (sysconf(_SC_PAGESIZE) / 1024);
}

static void heap_trim_tick(gint64 now)
{
#ifdef HAVE_MALLOC_TRIM
	if(ms_config.heap_trim_interval == 0)
		return;
	if(heap_trim.next == 0)
		heap_trim.next = now + (gint64)ms_config.heap_trim_interval * G_USEC_PER_SEC;
	if(now < heap_trim.next)
		return;
	heap_trim.next = now + (gint64)ms_config.heap_trim_interval * G_USEC_PER_SEC;
	gint64 before = rss_kb(), t0 = g_get_monotonic_time();
	malloc_trim(0);
	gint64 took = g_get_monotonic_time() - t0, after = rss_kb();
	g_mutex_lock(&heap_trim.mutex);
	heap_trim.trims++;
	heap_trim.last_us = took;
	heap_trim.max_us = MAX(heap_trim.max_us, took);
	if(before > after && after >= 0)
		heap_trim.released_kb += before - after;
	g_mutex_unlock(&heap_trim.mutex);
	JANUS_LOG(LOG_VERB, MS_TAG "Heap trimmed in %" G_GINT64_FORMAT " us: RSS %" G_GINT64_FORMAT
		" -> %" G_GINT64_FORMAT " kB\n", took, before, after);
#endif
}

static gpointer housekeeping_main(gpointer data)
{
	while(!g_atomic_int_get(&stopping)) {
		g_usleep(100 * 1000);
		gint64 now = g_get_monotonic_time();
		GPtrArray *snapshot = sessions_snapshot();
		for(guint i = 0; i < snapshot->len; i++)
			ms_session_tick(g_ptr_array_index(snapshot, i), now);
		g_ptr_array_free(snapshot, TRUE);
		ms_sources_tick(now);
		heap_trim_tick(now);
	}
	return NULL;
}

static int ms_init(janus_callbacks *callback, const char *config_path)
{
	if(callback == NULL || config_path == NULL)
		return -1;
	/* A config file Janus cannot parse stops the plugin, as with Janus's
	 * own plugins (a missing one means defaults and no streams) */
	ms_validated *cfg = ms_config_load(config_path);
	if(cfg == NULL)
		return -1;
	ms_gateway = callback;
	ms_sessions_init(&session_io);
	ms_config = cfg->settings;
	memset(&cfg->settings, 0, sizeof(cfg->settings));	/* moved */
	ms_sources_init();
	for(guint i = 0; i < cfg->streams->len; i++) {
		ms_stream_def *st = g_ptr_array_index(cfg->streams, i);
		char err[160] = "";
		/* Protection first: what derives from this stream stays protected
		 * by it even were the registry to refuse it */
		ms_config_protect(st->name, st->secret, st->pin);
		if(ms_sources_add(st->name, st->url, st->preload, err, sizeof(err)))
			st->url = NULL;	/* the registry owns it now */
		else
			JANUS_LOG(LOG_ERR, MS_TAG "%s: stream '%s' skipped: %s\n", st->file, st->name, err);
	}
	ms_validated_free(cfg);
	ms_sources_start();
	sessions = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)ms_session_unref);
	messages = g_async_queue_new_full((GDestroyNotify)message_free);
	g_atomic_int_set(&initialized, 1);
	handler_thread = g_thread_new("ms-handler", handler_main, NULL);
	housekeeping_thread = g_thread_new("ms-housekeeping", housekeeping_main, NULL);
	JANUS_LOG(LOG_INFO, MS_TAG "%s initialized (max_slots %u, disconnect_grace %us)\n",
		MS_NAME, ms_config.max_slots, ms_config.disconnect_grace);
	return 0;
}

static void ms_destroy(void)
{
	if(!g_atomic_int_get(&initialized))
		return;
	g_atomic_int_set(&stopping, 1);
	g_async_queue_push(messages, &exit_message);
	g_thread_join(handler_thread);
	g_thread_join(housekeeping_thread);
	heap_trim.next = 0;
	g_mutex_lock(&sessions_mutex);
	GHashTable *old = sessions;
	sessions = NULL;
	g_mutex_unlock(&sessions_mutex);
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, old);
	while(g_hash_table_iter_next(&it, NULL, &value))
		ms_session_destroy(value);
	g_hash_table_destroy(old);
	g_async_queue_unref(messages);
	ms_sources_destroy();
	ms_config_free();
	g_atomic_int_set(&initialized, 0);
	JANUS_LOG(LOG_INFO, MS_TAG "%s destroyed\n", MS_NAME);
}

static void ms_create_session(janus_plugin_session *handle, int *error)
{
	if(!g_atomic_int_get(&initialized) || g_atomic_int_get(&stopping)) {
		*error = -1;
		return;
	}
	ms_session *s = ms_session_new(handle);
	handle->plugin_handle = s;
	g_mutex_lock(&sessions_mutex);
	g_hash_table_insert(sessions, handle, s);
	g_mutex_unlock(&sessions_mutex);
}

static void ms_destroy_session(janus_plugin_session *handle, int *error)
{
	g_mutex_lock(&sessions_mutex);
	ms_session *s = sessions ? g_hash_table_lookup(sessions, handle) : NULL;
	if(s != NULL)
		ms_session_ref(s);
	if(s != NULL)
		g_hash_table_remove(sessions, handle);
	g_mutex_unlock(&sessions_mutex);
	if(s == NULL) {
		*error = -2;
		return;
	}
	ms_session_destroy(s);
	ms_session_unref(s);
}

static struct janus_plugin_result *ms_handle_message(janus_plugin_session *handle, char *transaction,
		json_t *message, json_t *jsep)
{
	if(g_atomic_int_get(&stopping) || !g_atomic_int_get(&initialized)) {
		g_free(transaction);
		json_decref(message);
		json_decref(jsep);
		return janus_plugin_result_new(JANUS_PLUGIN_ERROR, "Shutting down", NULL);
	}
	ms_session *s = lookup(handle);
	if(s == NULL) {
		g_free(transaction);
		json_decref(message);
		json_decref(jsep);
		return janus_plugin_result_new(JANUS_PLUGIN_ERROR, "No session associated with this handle", NULL);
	}
	ms_message *m = g_new0(ms_message, 1);
	m->session = s;
	m->transaction = transaction;
	m->body = message;
	m->jsep = jsep;
	g_async_queue_push(messages, m);
	return janus_plugin_result_new(JANUS_PLUGIN_OK_WAIT, NULL, NULL);
}

static void ms_setup_media(janus_plugin_session *handle)
{
	ms_session *s = lookup(handle);
	if(s == NULL)
		return;
	ms_session_setup_media(s);
	ms_session_unref(s);
}

static void ms_incoming_rtcp(janus_plugin_session *handle, janus_plugin_rtcp *packet)
{
	ms_session *s = handle ? handle->plugin_handle : NULL;
	if(s == NULL || g_atomic_int_get(&handle->stopped))
		return;
	ms_session_incoming_rtcp(s, packet->mindex, packet->video, packet->buffer, packet->length);
}

static void ms_hangup_media(janus_plugin_session *handle)
{
	ms_session *s = lookup(handle);
	if(s == NULL)
		return;
	ms_session_hangup(s);
	ms_session_unref(s);
}

static json_t *ms_query_session(janus_plugin_session *handle)
{
	ms_session *s = lookup(handle);
	if(s == NULL)
		return NULL;
	json_t *q = ms_session_query(s);
	ms_session_unref(s);
	return q;
}

/* The process's heap as glibc sees it (the whole Janus process, not only
 * this plugin): what is allocated vs what malloc keeps free, so an operator
 * can tell a leak (in_use grows) from fragmentation (free grows). */
static json_t *heap_status(void)
{
#ifdef HAVE_MALLINFO2
	struct mallinfo2 mi = mallinfo2();
	json_t *heap = json_object();
	json_object_set_new(heap, "in_use", json_integer((json_int_t)(mi.uordblks + mi.hblkhd)));
	json_object_set_new(heap, "free", json_integer((json_int_t)mi.fordblks));
	json_object_set_new(heap, "arena", json_integer((json_int_t)mi.arena));
	json_object_set_new(heap, "mmapped", json_integer((json_int_t)mi.hblkhd));
	g_mutex_lock(&heap_trim.mutex);
	json_object_set_new(heap, "trims", json_integer((json_int_t)heap_trim.trims));
	json_object_set_new(heap, "trim_last_us", json_integer(heap_trim.last_us));
	json_object_set_new(heap, "trim_max_us", json_integer(heap_trim.max_us));
	json_object_set_new(heap, "trim_released_kb", json_integer(heap_trim.released_kb));
	g_mutex_unlock(&heap_trim.mutex);
	return heap;
#else
	return json_null();
#endif
}

/* Admin API: {"request":"status"} -> sessions, bound slots, sources. */
static json_t *ms_handle_admin_message(json_t *message)
{
	json_t *reply = json_object();
	const char *request = json_string_value(json_object_get(message, "request"));
	const char *key = json_string_value(json_object_get(message, "admin_key"));
	if(ms_config.admin_locked || (ms_config.admin_key != NULL && !ms_secret_equal(ms_config.admin_key, key))) {
		json_object_set_new(reply, "error_code", json_integer(MS_ERR_UNAUTHORIZED));
		json_object_set_new(reply, "error", json_string(ms_error_string(MS_ERR_UNAUTHORIZED)));
		return reply;
	}
	if(request == NULL || strcmp(request, "status") != 0) {
		json_object_set_new(reply, "error_code", json_integer(MS_ERR_INVALID_REQUEST));
		json_object_set_new(reply, "error", json_string(ms_error_string(MS_ERR_INVALID_REQUEST)));
		return reply;
	}
	guint with_slots = 0, bound = 0;
	GPtrArray *snapshot = sessions_snapshot();
	guint handles = snapshot->len;
	for(guint i = 0; i < snapshot->len; i++) {
		ms_session *s = g_ptr_array_index(snapshot, i);
		if(ms_session_has_slots(s))
			with_slots++;
		bound += ms_session_bound_slots(s);
	}
	g_ptr_array_free(snapshot, TRUE);
	json_object_set_new(reply, "multistream", json_string("status"));
	json_object_set_new(reply, "handles", json_integer(handles));
	json_object_set_new(reply, "sessions", json_integer(with_slots));
	json_object_set_new(reply, "slots_bound", json_integer(bound));
	json_object_set_new(reply, "sources", ms_sources_status());
	json_object_set_new(reply, "heap", heap_status());
	return reply;
}
