/* ms_config.c: read janus.plugin.multistream.jcfg through Janus's config
 * API: the general section into ms_config, every stream into the source
 * registry. A bad stream entry is logged with its name and skipped. */
#include <string.h>
#include <stdlib.h>
#include "ms_plugin.h"
#include "ms_config.h"
#include "ms_source.h"
#include "config.h"
#include "utils.h"

ms_settings ms_config;

/* stream name -> GPtrArray of its secret and/or pin (protected streams only) */
static GHashTable *protected_streams;

static void set_defaults(void)
{
	ms_config.max_slots = 9;
	ms_config.disconnect_grace = 10;
	ms_config.rtcp_timeout = 3;
	ms_config.source_linger = 5;
	ms_config.source_timeout = 2;
	ms_config.gop_cache_bytes = 2 * 1024 * 1024;
	ms_config.gop_cache_age = 10 * G_USEC_PER_SEC;
	ms_config.ffmpeg = g_strdup("ffmpeg");
	ms_config.events = TRUE;
	ms_config.admin_key = NULL;
}

static janus_config_item *get_item(janus_config *cfg, janus_config_category *cat, const char *name)
{
	return janus_config_get(cfg, cat, janus_config_type_item, name);
}

/* Read an unsigned number in [min, max]; keeps *out on absence, warns on garbage. */
static void read_uint(janus_config *cfg, janus_config_category *cat, const char *name,
		guint min, guint max, guint *out)
{
	janus_config_item *item = get_item(cfg, cat, name);
	if(item == NULL || item->value == NULL)
		return;
	char *end = NULL;
	long v = strtol(item->value, &end, 10);
	if(end == item->value || *end != '\0' || v < (long)min || v > (long)max) {
		JANUS_LOG(LOG_WARN, MS_TAG "general.%s = \"%s\" is not a number in %u..%u: keeping %u\n",
			name, item->value, min, max, *out);
		return;
	}
	*out = (guint)v;
}

static void read_general(janus_config *cfg)
{
	janus_config_category *g = janus_config_get(cfg, NULL, janus_config_type_category, "general");
	if(g == NULL)
		return;
	guint cache_kb = (guint)(ms_config.gop_cache_bytes / 1024), cache_age = 10;
	read_uint(cfg, g, "max_slots", 1, 64, &ms_config.max_slots);
	read_uint(cfg, g, "disconnect_grace", 0, 3600, &ms_config.disconnect_grace);
	read_uint(cfg, g, "rtcp_timeout", 1, 600, &ms_config.rtcp_timeout);
	read_uint(cfg, g, "source_linger", 0, 3600, &ms_config.source_linger);
	read_uint(cfg, g, "source_timeout", 1, 600, &ms_config.source_timeout);
	read_uint(cfg, g, "gop_cache_kb", 0, 1024 * 1024, &cache_kb);
	read_uint(cfg, g, "gop_cache_age", 1, 3600, &cache_age);
	read_uint(cfg, g, "max_sessions", 0, 1000000, &ms_config.max_sessions);
	read_uint(cfg, g, "max_requests_per_second", 0, 1000000, &ms_config.max_requests_per_second);
	ms_config.gop_cache_bytes = (gsize)cache_kb * 1024;
	ms_config.gop_cache_age = (gint64)cache_age * G_USEC_PER_SEC;
	janus_config_item *item = get_item(cfg, g, "ffmpeg");
	if(item && item->value && *item->value) {
		g_free(ms_config.ffmpeg);
		ms_config.ffmpeg = g_strdup(item->value);
	}
	item = get_item(cfg, g, "events");
	if(item && item->value)
		ms_config.events = janus_is_true(item->value);
	item = get_item(cfg, g, "admin_key");
	if(item && item->value && *item->value)
		ms_config.admin_key = g_strdup(item->value);
}

/* One stream: `name = "source"` or `name: { source = "...", preload = true }`. */
static void read_stream(janus_config *cfg, janus_config_container *c)
{
	const char *name = c->name;
	const char *source = NULL, *secret = NULL, *pin = NULL;
	gboolean preload = FALSE;
	if(c->type == janus_config_type_item) {
		source = c->value;
	} else if(c->type == janus_config_type_category) {
		janus_config_item *item = get_item(cfg, c, "source");
		source = item ? item->value : NULL;
		item = get_item(cfg, c, "preload");
		preload = item && item->value && janus_is_true(item->value);
		item = get_item(cfg, c, "secret");
		secret = (item && item->value && *item->value) ? item->value : NULL;
		item = get_item(cfg, c, "pin");
		pin = (item && item->value && *item->value) ? item->value : NULL;
	}
	char err[160] = "";
	ms_spec *spec = ms_spec_parse(source, err, sizeof(err));
	if(spec == NULL) {
		JANUS_LOG(LOG_ERR, MS_TAG "Stream '%s' skipped: %s\n", name ? name : "?", err);
		return;
	}
	if(!ms_sources_add(name, spec, preload, err, sizeof(err))) {
		JANUS_LOG(LOG_ERR, MS_TAG "Stream '%s' skipped: %s\n", name, err);
		ms_spec_free(spec);
		return;
	}
	if(secret != NULL || pin != NULL) {
		GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
		if(secret)
			g_ptr_array_add(keys, g_strdup(secret));
		if(pin)
			g_ptr_array_add(keys, g_strdup(pin));
		g_hash_table_insert(protected_streams, g_strdup(name), keys);
	}
	char *shown = spec->url ? ms_spec_redact(spec->url) : NULL;
	JANUS_LOG(LOG_INFO, MS_TAG "Stream '%s': %s %s%s%s\n", name, ms_source_kind_name(spec->kind),
		shown ? shown : (spec->parent ? spec->parent : spec->host), preload ? " (preload)" : "",
		(secret || pin) ? " (protected)" : "");
	g_free(shown);
}

int ms_config_load(const char *config_path)
{
	set_defaults();
	protected_streams = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
		(GDestroyNotify)g_ptr_array_unref);
	char *file = g_strdup_printf("%s/%s.jcfg", config_path, MS_PACKAGE);
	janus_config *cfg = janus_config_parse(file);
	if(cfg == NULL) {
		g_free(file);
		file = g_strdup_printf("%s/%s.cfg", config_path, MS_PACKAGE);
		cfg = janus_config_parse(file);
	}
	if(cfg == NULL) {
		JANUS_LOG(LOG_WARN, MS_TAG "No configuration (%s): no streams\n", file);
		g_free(file);
		return 0;
	}
	g_free(file);
	read_general(cfg);
	janus_config_category *streams = janus_config_get(cfg, NULL, janus_config_type_category, "streams");
	if(streams != NULL) {
		for(GList *l = streams->list; l != NULL; l = l->next)
			read_stream(cfg, l->data);
	}
	janus_config_destroy(cfg);
	return 0;
}

void ms_config_free(void)
{
	g_free(ms_config.ffmpeg);
	g_free(ms_config.admin_key);
	memset(&ms_config, 0, sizeof(ms_config));
	if(protected_streams)
		g_hash_table_destroy(protected_streams);
	protected_streams = NULL;
}

gboolean ms_config_access_control(void)
{
	return protected_streams != NULL && g_hash_table_size(protected_streams) > 0;
}

/* Compare without an early exit, so timing says nothing about the secret. */
static gboolean same_secret(const char *a, const char *b)
{
	gsize la = strlen(a), lb = strlen(b);
	guint diff = (guint)(la ^ lb);
	for(gsize i = 0; i < la; i++)
		diff |= (guint)(a[i] ^ b[i % (lb ? lb : 1)]);
	return diff == 0 && lb > 0;
}

gboolean ms_config_authorized(const char *stream, const char *token)
{
	GPtrArray *keys = protected_streams ? g_hash_table_lookup(protected_streams, stream) : NULL;
	if(keys == NULL)
		return TRUE;
	if(token == NULL || *token == '\0')
		return FALSE;
	gboolean ok = FALSE;
	for(guint i = 0; i < keys->len; i++)
		ok |= same_secret(g_ptr_array_index(keys, i), token);
	return ok;
}
