/* ms_source.c: the stream registry, consumers, on-demand start/stop,
 * offline detection and the per-source GOP cache. Kind-specific work
 * (sockets, processes) lives in the drivers (ms_source_*.c). */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include "ms_plugin.h"
#include "ms_source.h"
#include "ms_rtp.h"
#include "ms_protocol.h"
#include "ms_proc.h"

struct ms_source {
	char *name;
	ms_source_url *url;
	char *parent;			/* variant: "camera1" of "camera1-360p" */
	char *quality;			/* variant: "360p" */
	gboolean preload;
	const ms_source_driver *driver;
	void *driver_data;
	const ms_codec *codec;		/* what it sends (NULL: not known yet);
					 * written by the source thread, mutex held,
					 * read anywhere with g_atomic_pointer_get */
	gboolean hidden;		/* an H265 source's H264 transcode, or a
					 * stream's audio: not listed, not looked
					 * up by name */
	ms_source *transcode;		/* that transcode of this source, or NULL */
	/* Audio (docs/protocol.md §14). A stream's audio is a hidden source of
	 * its own (is_audio): fed by the stream's rtsp ingest, or its rtp feed */
	gboolean is_audio;
	gboolean audio_by_pt;		/* codec from the payload type (0 PCMU, 8 PCMA)
					 * or, dynamic, from its clock (audio_of_packet) */
	guint32 audio_last_ts;
	guint audio_opus_votes;
	ms_source *audio_copy;		/* the camera's audio as it sends it */
	ms_source *audio_opus;		/* rtsp: that audio in Opus (the ingest encodes it) */
	gint64 first_packet;		/* since the last start; 0: none yet */
	guint64 rx_bytes;		/* received since rate_at */
	gint64 rate_at;			/* start of the current rate window */
	volatile gint rate_kbps;	/* measured bitrate (smoothed), 0: none */
	volatile gint seen_audio;	/* an audio source delivered once */

	GMutex mutex;			/* guards everything below */
	GPtrArray *consumers;		/* ms_consumer*, not owned */
	ms_gop *gop;
	ms_source_state state;
	gboolean running;
	gboolean stopping;		/* driver stop in progress (mutex released) */
	gint64 started_at;		/* when the running part (re)started */
	gint64 last_packet;
	gint64 idle_since;		/* last consumer left (0: has consumers) */
	gint64 last_left;		/* when a consumer last left */
	gint64 stop_idle_since;		/* idle_since when the driver stop began */
	gint64 retry_at;		/* next start attempt after a failure */
	guint failures;			/* consecutive failures (backoff step) */
	guint restarts;			/* restarts after failures, for status */
	volatile gint failed;		/* set by the driver (any thread, no lock) */
	gint64 replay_window;		/* start of the current second of replays */
	gint64 replay_us;		/* replay time spent in it */
	guint64 replays_refused;	/* by the budget, for status */
	gint64 replay_max_us;		/* the longest replay, for status */
};

static GHashTable *sources;		/* name -> ms_source, plugin lifetime */
static GPtrArray *order;		/* ms_source in config order */
static GMutex registry_mutex;		/* guards the two above while they change */

static const char *state_names[] = { "idle", "starting", "active", "offline" };

const char *ms_source_state_name(ms_source_state s)
{
	return (guint)s < G_N_ELEMENTS(state_names) ? state_names[s] : "unknown";
}

static const ms_source_driver *driver_for(ms_source_kind kind)
{
	switch(kind) {
		case MS_SOURCE_RTP:
			return &ms_source_rtp_driver;
		case MS_SOURCE_RTSP:
			return &ms_source_rtsp_driver;
		case MS_SOURCE_FFMPEG:
			return &ms_source_ffmpeg_driver;
		default:
			return NULL;
	}
}

static void source_free(gpointer data)
{
	ms_source *src = data;
	if(src->running && src->driver && src->driver->stop)
		src->driver->stop(src);
	ms_gop_free(src->gop);
	g_ptr_array_free(src->consumers, TRUE);
	g_mutex_clear(&src->mutex);
	ms_source_url_free(src->url);
	g_free(src->parent);
	g_free(src->quality);
	g_free(src->name);
	g_free(src);
}

void ms_sources_init(void)
{
	sources = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, source_free);
	order = g_ptr_array_new();
}

static void stop_locked(ms_source *src);

void ms_sources_destroy(void)
{
	if(sources == NULL)
		return;
	/* Stop everything before freeing anything: a variant's stop unbinds it
	 * from its parent, which must still exist then */
	for(guint i = 0; order && i < order->len; i++) {
		ms_source *src = g_ptr_array_index(order, i);
		g_mutex_lock(&src->mutex);
		stop_locked(src);
		g_mutex_unlock(&src->mutex);
	}
	g_mutex_lock(&registry_mutex);
	g_ptr_array_free(order, TRUE);
	order = NULL;
	g_hash_table_destroy(sources);
	sources = NULL;
	g_mutex_unlock(&registry_mutex);
	ms_proc_cleanup();
}

gboolean ms_sources_add(const char *name, ms_source_url *url, gboolean preload, char *err, gsize errlen)
{
	const ms_source_driver *drv = driver_for(url->kind);
	if(drv == NULL) {
		g_snprintf(err, errlen, "%s sources are not supported yet", ms_source_kind_name(url->kind));
		return FALSE;
	}
	if(g_hash_table_lookup(sources, name) != NULL) {
		g_snprintf(err, errlen, "duplicate stream name");
		return FALSE;
	}
	ms_source *src = g_new0(ms_source, 1);
	src->name = g_strdup(name);
	src->url = url;
	src->preload = preload;
	src->driver = drv;
	src->codec = ms_codec_by_name(url->codec);	/* rtsp: found in its stream */
	g_mutex_init(&src->mutex);
	src->consumers = g_ptr_array_new();
	src->gop = ms_gop_new(ms_config.gop_cache_bytes, (guint)(ms_config.gop_cache_bytes / 200) + 64);
	src->state = MS_SRC_IDLE;
	g_mutex_lock(&registry_mutex);
	g_hash_table_insert(sources, src->name, src);
	g_ptr_array_add(order, src);
	g_mutex_unlock(&registry_mutex);
	return TRUE;
}

/* After a failure: when to try again (1 s, 2 s, 5 s, then every 10 s);
 * source mutex held. Returns the delay in seconds. */
static guint schedule_retry(ms_source *src, gint64 now)
{
	static const guint backoff[] = MS_SOURCE_BACKOFF;
	guint i = MIN(src->failures, G_N_ELEMENTS(backoff) - 1);
	src->failures++;
	src->retry_at = now + (gint64)backoff[i] * G_USEC_PER_SEC;
	return backoff[i];
}

/* Start the running part; source mutex held. */
static void start_locked(ms_source *src, gint64 now)
{
	if(src->running || src->stopping)
		return;
	if(src->retry_at > now)
		return;
	g_atomic_int_set(&src->failed, 0);
	if(!src->driver->start(src)) {
		guint delay = schedule_retry(src, now);
		src->state = MS_SRC_OFFLINE;
		JANUS_LOG(LOG_WARN, MS_TAG "Stream %s failed to start, retry in %us\n", src->name, delay);
		return;
	}
	src->running = TRUE;
	src->started_at = now;
	src->first_packet = 0;
	if(src->state != MS_SRC_OFFLINE && !src->driver->fed)
		src->state = MS_SRC_STARTING;
	ms_gop_reset(src->gop);
	JANUS_LOG(LOG_INFO, MS_TAG "Stream %s started (%s)\n", src->name, src->driver->kind);
}

/* Stop the running part; source mutex held, released around the driver's
 * stop (its thread may be waiting for the mutex to deliver a packet). */
static void stop_locked(ms_source *src)
{
	if(!src->running || src->stopping)
		return;
	src->stopping = TRUE;
	src->stop_idle_since = src->consumers->len == 0 ? src->idle_since : 0;
	g_mutex_unlock(&src->mutex);
	src->driver->stop(src);
	g_mutex_lock(&src->mutex);
	src->stopping = FALSE;
	src->running = FALSE;
	if(!src->driver->fed)
		src->state = MS_SRC_IDLE;
	ms_gop_reset(src->gop);
	JANUS_LOG(LOG_INFO, MS_TAG "Stream %s stopped\n", src->name);
}

/* An rtsp camera's audio, fed by its ingest process: nothing to run. It
 * "runs" while listeners want it (and lingers after them like any source),
 * so the admin status shows who uses it. */
static gboolean fed_start(ms_source *src)
{
	return TRUE;
}

static void fed_stop(ms_source *src)
{
}

static const ms_source_driver fed_driver = {
	.kind = "audio",
	.fed = TRUE,
	.start = fed_start,
	.stop = fed_stop,
};

/* A hidden audio source NAME~SUFFIX. url NULL: fed by the stream's ingest. */
static ms_source *add_audio_source(ms_source *src, const char *suffix, ms_source_url *url, const ms_codec *codec)
{
	char *name = g_strdup_printf("%s~%s", src->name, suffix);
	char err[128] = "";
	gboolean fed = url == NULL;
	if(fed) {
		url = g_new0(ms_source_url, 1);
		url->kind = src->url->kind;
	}
	ms_source *a = NULL;
	if(ms_sources_add(name, url, FALSE, err, sizeof(err))) {
		a = g_hash_table_lookup(sources, name);
		a->hidden = a->is_audio = TRUE;
		a->parent = g_strdup(src->name);
		a->codec = codec;
		a->audio_by_pt = codec == NULL;
		if(fed)
			a->driver = &fed_driver;
	} else {
		JANUS_LOG(LOG_ERR, MS_TAG "Stream %s: no audio (%s)\n", src->name, err);
		ms_source_url_free(url);
	}
	g_free(name);
	return a;
}

/* A stream's audio: an rtsp camera's first audio track (as it is, and in
 * Opus), an rtp feed's #audio port. */
static void add_audio(ms_source *src)
{
	const ms_source_url *u = src->url;
	if(u->kind == MS_SOURCE_RTSP) {
		src->audio_copy = add_audio_source(src, "audio", NULL, NULL);
		src->audio_opus = add_audio_source(src, "opus", NULL, &ms_codec_opus);
	} else if(u->kind == MS_SOURCE_RTP && u->audio_codec != NULL) {
		ms_source_url *a = g_new0(ms_source_url, 1);
		a->kind = MS_SOURCE_RTP;
		a->host = g_strdup(u->host);
		a->port = u->audio_port;
		a->from_host = g_strdup(u->from_host);	/* that sender, from any port */
		a->codec = g_strdup(u->audio_codec);
		src->audio_copy = add_audio_source(src, "audio", a, ms_codec_audio_by_name(u->audio_codec));
	}
}

/* The H264 transcode of a source that sends, or may send, H265: a hidden
 * ffmpeg: variant named "NAME@h264" (no configured name has a '@'). */
static void add_transcode(ms_source *src)
{
	if(src->url->kind == MS_SOURCE_FFMPEG && src->codec != &ms_codec_h265)
		return;
	char *name = g_strdup_printf("%s@%s", src->name, ms_codec_h264.name);
	char *text = g_strdup_printf("ffmpeg:%s#video=%s", src->name, ms_codec_h264.name);
	char err[128] = "";
	ms_source_url *url = ms_source_url_parse(text, err, sizeof(err));
	if(url != NULL && ms_sources_add(name, url, FALSE, err, sizeof(err))) {
		src->transcode = g_hash_table_lookup(sources, name);
		src->transcode->hidden = TRUE;
	} else {
		JANUS_LOG(LOG_ERR, MS_TAG "Stream %s: no H264 transcode (%s)\n", src->name, err);
		ms_source_url_free(url);
	}
	g_free(text);
	g_free(name);
}

void ms_sources_start(void)
{
	gint64 now = g_get_monotonic_time();
	guint configured = order->len;
	for(guint i = 0; i < configured; i++) {
		if(ms_config.h265_transcode)
			add_transcode(g_ptr_array_index(order, i));
		add_audio(g_ptr_array_index(order, i));
	}
	for(guint i = 0; i < order->len; i++) {
		ms_source *src = g_ptr_array_index(order, i);
		char *parent = NULL, *quality = NULL;
		if(src->parent != NULL) {
			/* a stream's audio: its parent is set */
		} else if(src->url->kind == MS_SOURCE_FFMPEG) {
			src->parent = g_strdup(src->url->parent);
			if(ms_stream_split_variant(src->name, &parent, &quality) && strcmp(parent, src->parent) == 0)
				src->quality = g_strdup(quality);
		} else if(ms_stream_split_variant(src->name, &parent, &quality) && g_hash_table_contains(sources, parent)) {
			src->parent = g_strdup(parent);
			src->quality = g_strdup(quality);
		}
		g_free(parent);
		g_free(quality);
		if(src->driver->always_on || src->preload) {
			g_mutex_lock(&src->mutex);
			start_locked(src, now);
			g_mutex_unlock(&src->mutex);
		}
	}
}

ms_source *ms_sources_lookup(const char *name)
{
	if(sources == NULL || name == NULL)
		return NULL;
	ms_source *src = g_hash_table_lookup(sources, name);
	return src != NULL && !src->hidden ? src : NULL;
}

ms_source *ms_source_transcode(const ms_source *src)
{
	return src->transcode;
}

const char *ms_source_quality(const ms_source *src)
{
	return src->quality;
}

int ms_source_height(const ms_source *src)
{
	if(src->url->kind == MS_SOURCE_FFMPEG && src->url->height > 0)
		return src->url->height;
	int h = 0;
	char p = 0;
	if(src->quality != NULL && sscanf(src->quality, "%d%c", &h, &p) == 2 && (p == 'p' || p == 'P') && h > 0)
		return h;
	return 0;
}

guint ms_source_kbps(const ms_source *src)
{
	gint measured = g_atomic_int_get((volatile gint *)&src->rate_kbps);
	if(measured > 0)
		return (guint)measured;
	return src->url->kind == MS_SOURCE_FFMPEG && src->url->bitrate_kbps > 0 ? (guint)src->url->bitrate_kbps : 0;
}

guint ms_sources_family(ms_source *stream, ms_source **out, guint max)
{
	guint n = 0;
	if(max == 0)
		return 0;
	out[n++] = stream;
	for(guint i = 0; order && i < order->len && n < max; i++) {
		ms_source *v = g_ptr_array_index(order, i);
		if(!v->hidden && v->quality != NULL && v->parent != NULL && strcmp(v->parent, stream->name) == 0)
			out[n++] = v;
	}
	return n;
}

ms_source *ms_source_audio_copy(const ms_source *src)
{
	return src->audio_copy;
}

ms_source *ms_source_audio_opus(const ms_source *src)
{
	return src->audio_opus;
}

ms_source *ms_source_camera(ms_source *src)
{
	for(guint depth = 0; src != NULL && src->parent != NULL && depth < 16; depth++) {
		ms_source *p = g_hash_table_lookup(sources, src->parent);
		if(p == NULL)
			break;
		src = p;
	}
	return src;
}

ms_source *ms_source_audio(ms_source *cam, gboolean pcmu, gboolean pcma)
{
	ms_source *copy = cam->audio_copy;
	const ms_codec *c = copy != NULL ? ms_source_codec(copy) : NULL;
	if(c == &ms_codec_opus || (c == &ms_codec_pcmu && pcmu) || (c == &ms_codec_pcma && pcma))
		return copy;
	return cam->audio_opus;
}

/* Whether a stream has audio: -1 not known yet (never ran, or started
 * less than MS_SOURCE_AUDIO_KNOWN_US ago with no audio yet). Its mutex held. */
static int has_audio_locked(ms_source *src, gint64 now)
{
	ms_source *cam = ms_source_camera(src);	/* a variant carries its camera's */
	ms_source *feeds[2] = { cam->audio_copy, cam->audio_opus };
	for(guint i = 0; i < 2; i++)
		if(feeds[i] != NULL && g_atomic_int_get(&feeds[i]->seen_audio))
			return 1;
	if(src->first_packet == 0 || now - src->first_packet < MS_SOURCE_AUDIO_KNOWN_US)
		return cam->url->kind == MS_SOURCE_RTP && cam->url->audio_codec == NULL ? 0 : -1;
	return 0;
}

const char *ms_source_name(const ms_source *src)
{
	return src->name;
}

const char *ms_source_parent(const ms_source *src)
{
	return src->parent;
}

const ms_codec *ms_source_codec(const ms_source *src)
{
	return (const ms_codec *)g_atomic_pointer_get((const ms_codec **)&src->codec);
}

const char *ms_source_codec_name(const ms_source *src)
{
	const ms_codec *c = ms_source_codec(src);
	return c != NULL ? c->name : NULL;
}

const ms_source_url *ms_source_get_url(const ms_source *src)
{
	return src->url;
}

void *ms_source_driver_data(ms_source *src)
{
	return src->driver_data;
}

void ms_source_set_driver_data(ms_source *src, void *data)
{
	src->driver_data = data;
}

ms_source_state ms_source_get_state(ms_source *src)
{
	g_mutex_lock(&src->mutex);
	ms_source_state st = src->state;
	g_mutex_unlock(&src->mutex);
	return st;
}

guint ms_source_consumers(ms_source *src)
{
	g_mutex_lock(&src->mutex);
	guint n = src->consumers->len;
	g_mutex_unlock(&src->mutex);
	return n;
}

json_t *ms_sources_list(void)
{
	json_t *list = json_array();
	g_mutex_lock(&registry_mutex);
	for(guint i = 0; order && i < order->len; i++) {
		ms_source *src = g_ptr_array_index(order, i);
		if(src->hidden)
			continue;
		g_mutex_lock(&src->mutex);
		json_array_append_new(list, ms_msg_stream_entry(src->name,
			ms_source_kind_name(src->url->kind), src->parent, src->quality,
			ms_source_state_name(src->state), src->consumers->len, ms_source_codec_name(src),
			has_audio_locked(src, g_get_monotonic_time())));
		g_mutex_unlock(&src->mutex);
	}
	g_mutex_unlock(&registry_mutex);
	return list;
}

json_t *ms_sources_status(void)
{
	json_t *list = json_array();
	g_mutex_lock(&registry_mutex);
	for(guint i = 0; order && i < order->len; i++) {
		ms_source *src = g_ptr_array_index(order, i);
		g_mutex_lock(&src->mutex);
		json_t *e = json_object();
		json_object_set_new(e, "name", json_string(src->name));
		json_object_set_new(e, "kind", json_string(ms_source_kind_name(src->url->kind)));
		json_object_set_new(e, "state", json_string(ms_source_state_name(src->state)));
		json_object_set_new(e, "codec", src->codec ? json_string(src->codec->name) : json_null());
		json_object_set_new(e, "consumers", json_integer(src->consumers->len));
		/* A source being stopped is reported stopped: its child may already
		 * be gone while the driver still joins its threads */
		json_object_set_new(e, "running", json_boolean(src->running && !src->stopping));
		if(src->hidden) {
			/* The plugin's own: a stream's H264 transcode or its audio */
			json_object_set_new(e, "hidden", json_true());
			json_object_set_new(e, "of", json_string(src->parent ? src->parent : src->url->parent));
		}
		json_object_set_new(e, "restarts", json_integer(src->restarts));
		json_object_set_new(e, "gop_packets", json_integer(ms_gop_count(src->gop)));
		json_object_set_new(e, "gop_bytes", json_integer(ms_gop_bytes(src->gop)));
		json_object_set_new(e, "replays_refused", json_integer((json_int_t)src->replays_refused));
		json_object_set_new(e, "replay_max_us", json_integer(src->replay_max_us));
		json_array_append_new(list, e);
		g_mutex_unlock(&src->mutex);
	}
	g_mutex_unlock(&registry_mutex);
	return list;
}

void ms_source_add_consumer(ms_source *src, ms_consumer *c)
{
	gint64 now = g_get_monotonic_time();
	g_mutex_lock(&src->mutex);
	if(!g_ptr_array_find(src->consumers, c, NULL))
		g_ptr_array_add(src->consumers, c);
	src->idle_since = 0;
	/* A source waiting out its restart backoff keeps waiting (the tick
	 * starts it when due): a client switching to a failing camera again and
	 * again must not respawn its process each time */
	if(!src->running && src->retry_at > now)
		src->state = MS_SRC_OFFLINE;
	else if(!src->running)
		start_locked(src, now);
	g_mutex_unlock(&src->mutex);
}

void ms_source_remove_consumer_idle(ms_source *src, ms_consumer *c, gint64 idle_since)
{
	gint64 now = g_get_monotonic_time();
	g_mutex_lock(&src->mutex);
	if(g_ptr_array_remove(src->consumers, c) && src->consumers->len == 0)
		src->idle_since = idle_since > 0 ? MIN(now, MAX(idle_since, src->last_left)) : now;
	if(idle_since <= 0)
		src->last_left = now;
	g_mutex_unlock(&src->mutex);
}

void ms_source_remove_consumer(ms_source *src, ms_consumer *c)
{
	ms_source_remove_consumer_idle(src, c, 0);
}

gint64 ms_source_stop_idle_since(ms_source *src)
{
	return src->stop_idle_since;
}

void ms_sources_unbind_consumer(ms_consumer *c, ms_source *keep1, ms_source *keep2)
{
	/* No registry lock: the registry is immutable while sessions exist */
	for(guint i = 0; order && i < order->len; i++) {
		ms_source *src = g_ptr_array_index(order, i);
		if(src == keep1 || src == keep2)
			continue;
		g_mutex_lock(&src->mutex);
		gboolean present = g_ptr_array_find(src->consumers, c, NULL);
		g_mutex_unlock(&src->mutex);
		if(present)
			ms_source_remove_consumer(src, c);
	}
}

void ms_source_request_keyframe(ms_source *src)
{
	if(src->driver->keyframe != NULL)
		src->driver->keyframe(src);
}

gboolean ms_source_replay_allowed(ms_source *src, gint64 now)
{
	if(now - src->replay_window >= G_USEC_PER_SEC) {
		src->replay_window = now;
		src->replay_us = 0;
	}
	if(src->replay_us < MS_SOURCE_REPLAY_BUDGET_US)
		return TRUE;
	src->replays_refused++;
	return FALSE;
}

void ms_source_replay_spent(ms_source *src, gint64 us)
{
	src->replay_us += MAX(us, 0);
	src->replay_max_us = MAX(src->replay_max_us, us);
}

ms_gop *ms_source_gop_locked(ms_source *src)
{
	return src->gop;
}

void ms_source_with_gop(ms_source *src, void (*fn)(ms_source *src, ms_gop *gop, void *data), void *data)
{
	g_mutex_lock(&src->mutex);
	fn(src, src->gop, data);
	g_mutex_unlock(&src->mutex);
}

/* Tell every consumer about a state change; source mutex held. */
static void notify_state(ms_source *src, ms_source_state st)
{
	for(guint i = 0; i < src->consumers->len; i++) {
		ms_consumer *c = g_ptr_array_index(src->consumers, i);
		if(c->ops->state)
			c->ops->state(c, src, st);
	}
}

/* Same address (and port, unless want's port is 0)? */
static gboolean same_sender(const struct sockaddr_storage *got, const struct sockaddr_storage *want)
{
	if(got->ss_family != want->ss_family)
		return FALSE;
	if(got->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)got, *b = (const void *)want;
		return a->sin_addr.s_addr == b->sin_addr.s_addr && (b->sin_port == 0 || a->sin_port == b->sin_port);
	}
	const struct sockaddr_in6 *a = (const void *)got, *b = (const void *)want;
	return memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr)) == 0 &&
		(b->sin6_port == 0 || a->sin6_port == b->sin6_port);
}

gboolean ms_source_receive(ms_source *src, int fd, const struct sockaddr_storage *only)
{
	guint8 buf[MS_RTP_MAX_PACKET + 100];
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	if(n > 0 && only != NULL && !same_sender(&from, only))
		return FALSE;
	if(n <= 0 || n > MS_RTP_MAX_PACKET)
		return TRUE;
	if(n >= 2 && buf[1] >= 192 && buf[1] <= 223)
		return TRUE;
	ms_source_deliver(src, buf, (gsize)n);
	return TRUE;
}

/* What an rtsp camera's audio, as ffmpeg copies it, is: the static payload
 * types of G.711, or Opus told by its clock: Opus frames are multiples of
 * 2.5 ms (120 ticks at 48 kHz), AAC frames 1024 samples, which never is;
 * MS_SOURCE_OPUS_VOTES steps in a row decide. Anything else: NULL (heard
 * through the camera's Opus output). Its mutex held. */
#define MS_SOURCE_OPUS_VOTES 3
static const ms_codec *audio_of_packet(ms_source *src, const guint8 *data)
{
	guint8 pt = data[1] & 0x7f;
	if(pt == 0)
		return &ms_codec_pcmu;
	if(pt == 8)
		return &ms_codec_pcma;
	guint32 ts = ms_rtp_ts(data), step = ts - src->audio_last_ts;
	gboolean opus_like = step > 0 && step < 48000 && step % 120 == 0 && step % 1024 != 0;
	src->audio_opus_votes = opus_like ? MIN(src->audio_opus_votes + 1, MS_SOURCE_OPUS_VOTES) : 0;
	src->audio_last_ts = ts;
	return src->audio_opus_votes >= MS_SOURCE_OPUS_VOTES ? &ms_codec_opus : NULL;
}

/* The source now sends codec: what its cache holds is of the old one. */
static void set_codec_locked(ms_source *src, const ms_codec *codec)
{
	if(src->codec != NULL)
		JANUS_LOG(LOG_WARN, MS_TAG "Stream %s: now %s (was %s)\n", src->name, codec->name, src->codec->name);
	else
		JANUS_LOG(LOG_INFO, MS_TAG "Stream %s: %s\n", src->name, codec->name);
	g_atomic_pointer_set(&src->codec, codec);
	ms_gop_reset(src->gop);
}

void ms_source_deliver(ms_source *src, const guint8 *data, gsize len)
{
	/* Parsed here once; the cache, the consumers and their rewriters use
	 * what this found */
	ms_packet pkt;
	if(!ms_packet_parse(&pkt, data, len, NULL))
		return;
	gint64 now = g_get_monotonic_time();
	g_mutex_lock(&src->mutex);
	if(src->is_audio) {
		/* An rtsp camera's audio as it is: G.711 and Opus are played as they
		 * are, anything else reaches viewers through the Opus output */
		if(src->audio_by_pt)
			g_atomic_pointer_set(&src->codec, audio_of_packet(src, data));
	} else {
		/* The stream says what it is: a parameter set of another codec
		 * than the one known (or none known yet) switches the source to it */
		const ms_codec *seen = ms_codec_sniff(data + pkt.payload_off, pkt.payload_len);
		if(seen != NULL && seen != src->codec)
			set_codec_locked(src, seen);
	}
	if(src->codec == NULL) {
		g_mutex_unlock(&src->mutex);
		return;		/* nothing decodable before the first parameter set */
	}
	if(!src->is_audio)
		pkt.facts = src->codec->inspect(data + pkt.payload_off, pkt.payload_len);
	if(src->first_packet == 0)
		src->first_packet = now;
	if(src->is_audio)
		g_atomic_int_set(&src->seen_audio, 1);
	src->last_packet = now;
	if(src->state != MS_SRC_ACTIVE) {
		gboolean was_offline = (src->state == MS_SRC_OFFLINE);
		src->state = MS_SRC_ACTIVE;
		src->failures = 0;
		if(was_offline)
			JANUS_LOG(LOG_INFO, MS_TAG "Stream %s is back\n", src->name);
		notify_state(src, MS_SRC_ACTIVE);
	}
	src->rx_bytes += len;
	if(!src->is_audio)
		ms_gop_push(src->gop, &pkt, now);
	for(guint i = 0; i < src->consumers->len; i++) {
		ms_consumer *c = g_ptr_array_index(src->consumers, i);
		c->ops->rtp(c, src, &pkt, now);
	}
	g_mutex_unlock(&src->mutex);
}

GThread *ms_source_thread(ms_source *src, const char *prefix, int port, GThreadFunc fn, gpointer data)
{
	GError *err = NULL;
	char *name = g_strdup_printf("%s-%d", prefix, port);
	GThread *t = g_thread_try_new(name, fn, data, &err);
	g_free(name);
	if(t == NULL)
		JANUS_LOG(LOG_ERR, MS_TAG "Stream %s: no thread: %s\n", src->name, err ? err->message : "?");
	g_clear_error(&err);
	return t;
}

void ms_source_driver_failed(ms_source *src)
{
	g_atomic_int_set(&src->failed, 1);
}

/* A running supervised source that has been silent too long (while its
 * input, if it has one, flows); source mutex held. */
static gboolean stalled(ms_source *src, gint64 now)
{
	if(!src->driver->supervised)
		return FALSE;
	gint64 stall = (gint64)MAX(MS_SOURCE_STALL_MIN, 3 * ms_config.source_timeout) * G_USEC_PER_SEC;
	gint64 last = MAX(src->last_packet, src->started_at);
	if(src->driver->upstream_since != NULL) {
		gint64 up = src->driver->upstream_since(src);
		if(up == 0)
			return FALSE;
		last = MAX(last, up);
	}
	return now - last > stall;
}

/* The running part failed or stalled: stop it, report offline, restart it
 * later with backoff (tick_one); source mutex held. */
static void restart_later(ms_source *src, gint64 now, const char *why)
{
	gboolean was_offline = (src->state == MS_SRC_OFFLINE);
	stop_locked(src);
	guint delay = schedule_retry(src, now);
	src->restarts++;
	src->state = MS_SRC_OFFLINE;
	JANUS_LOG(LOG_WARN, MS_TAG "Stream %s %s: restart in %us\n", src->name, why, delay);
	if(!was_offline)
		notify_state(src, MS_SRC_OFFLINE);
}

/* One source's housekeeping; source mutex held. */
/* The bitrate it receives, over windows of MS_SOURCE_RATE_WINDOW_US,
 * smoothed (quality auto weighs variants by it). Its mutex held. */
static void measure_rate(ms_source *src, gint64 now)
{
	if(src->rate_at == 0 || !src->running) {
		src->rate_at = now;
		src->rx_bytes = 0;
		if(!src->running)
			g_atomic_int_set(&src->rate_kbps, 0);
		return;
	}
	gint64 dt = now - src->rate_at;
	if(dt < MS_SOURCE_RATE_WINDOW_US)
		return;
	gint kbps = (gint)(src->rx_bytes * 8 * 1000 / (guint64)dt);
	gint old = g_atomic_int_get(&src->rate_kbps);
	g_atomic_int_set(&src->rate_kbps, old > 0 ? (old * 3 + kbps) / 4 : kbps);
	src->rate_at = now;
	src->rx_bytes = 0;
}

static void tick_one(ms_source *src, gint64 now)
{
	measure_rate(src, now);
	gint64 timeout = (gint64)ms_config.source_timeout * G_USEC_PER_SEC;
	gboolean wanted = src->consumers->len > 0 || src->preload || src->driver->always_on;
	if(src->stopping)
		return;
	if(src->running && wanted && g_atomic_int_get(&src->failed)) {
		restart_later(src, now, "failed (process exited)");
		return;
	}
	if(src->running && wanted && stalled(src, now)) {
		restart_later(src, now, "stalled (no packets)");
		return;
	}
	if(!src->running) {
		if(wanted)
			start_locked(src, now);
		return;
	}
	if(!wanted && src->idle_since > 0 &&
			now - src->idle_since >= (gint64)ms_config.source_linger * G_USEC_PER_SEC) {
		stop_locked(src);
		return;
	}
	gint64 last = MAX(src->last_packet, src->started_at);
	/* A process needs a moment to reach a camera before it is late */
	if(src->state == MS_SRC_STARTING && src->driver->supervised)
		timeout = MAX(timeout, (gint64)MS_SOURCE_START_GRACE * G_USEC_PER_SEC);
	if(src->state != MS_SRC_OFFLINE && (src->consumers->len > 0 || src->state == MS_SRC_ACTIVE) &&
			now - last > timeout) {
		src->state = MS_SRC_OFFLINE;
		ms_gop_reset(src->gop);
		JANUS_LOG(LOG_WARN, MS_TAG "Stream %s is offline (no packets for %" G_GINT64_FORMAT " ms)\n",
			src->name, (now - last) / 1000);
		notify_state(src, MS_SRC_OFFLINE);
	}
}

/* Runs on the housekeeping thread. No registry lock: the registry does not
 * change after ms_sources_start() until ms_sources_destroy(), which runs
 * after the housekeeping thread has been joined. Holding it here would
 * stall every `streams` request and admin status while a child process is
 * being stopped. */
void ms_sources_tick(gint64 now)
{
	for(guint i = 0; order && i < order->len; i++) {
		ms_source *src = g_ptr_array_index(order, i);
		g_mutex_lock(&src->mutex);
		tick_one(src, now);
		g_mutex_unlock(&src->mutex);
	}
}
