/* ms_config.c: load janus.plugin.multistream.jcfg at plugin init. The
 * reading and validation are pure (ms_cfg.c); here the result is logged
 * (every problem with its line and stream name), the general settings
 * become ms_config, and every usable stream joins the source registry. */
#include <string.h>
#include "ms_plugin.h"
#include "ms_config.h"
#include "ms_source.h"
#include "ms_guard.h"

ms_settings ms_config;

/* stream name -> GPtrArray of its secret and/or pin (protected streams only) */
static GHashTable *protected_streams;

static void add_stream(ms_cfg_stream *st)
{
	char err[160] = "";
	ms_spec *spec = st->spec;
	if(!ms_sources_add(st->name, spec, st->preload, err, sizeof(err))) {
		JANUS_LOG(LOG_ERR, MS_TAG "line %d: stream '%s' skipped: %s\n", st->line, st->name, err);
		return;
	}
	st->spec = NULL;	/* the registry owns it now */
	if(st->secret != NULL || st->pin != NULL) {
		GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
		if(st->secret)
			g_ptr_array_add(keys, g_strdup(st->secret));
		if(st->pin)
			g_ptr_array_add(keys, g_strdup(st->pin));
		g_hash_table_insert(protected_streams, g_strdup(st->name), keys);
	}
	char *shown = spec->url ? ms_spec_redact(spec->url) : NULL;
	JANUS_LOG(LOG_INFO, MS_TAG "Stream '%s': %s %s%s%s\n", st->name, ms_source_kind_name(spec->kind),
		shown ? shown : (spec->parent ? spec->parent : spec->host), st->preload ? " (preload)" : "",
		(st->secret || st->pin) ? " (protected)" : "");
	g_free(shown);
}

int ms_config_load(const char *config_path)
{
	protected_streams = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
		(GDestroyNotify)g_ptr_array_unref);
	char *file = g_strdup_printf("%s/%s.jcfg", config_path, MS_PACKAGE);
	gchar *text = NULL;
	gsize len = 0;
	GError *error = NULL;
	if(!g_file_get_contents(file, &text, &len, &error)) {
		JANUS_LOG(LOG_WARN, MS_TAG "No configuration (%s): defaults, no streams\n", error ? error->message : file);
		g_clear_error(&error);
	}
	ms_cfg *cfg = ms_cfg_read(text, len);
	for(guint i = 0; i < cfg->problems->len; i++)
		JANUS_LOG(LOG_ERR, MS_TAG "%s: %s\n", file, (char *)g_ptr_array_index(cfg->problems, i));
	ms_config = cfg->settings;
	memset(&cfg->settings, 0, sizeof(cfg->settings));	/* moved */
	for(guint i = 0; i < cfg->streams->len; i++)
		add_stream(g_ptr_array_index(cfg->streams, i));
	JANUS_LOG(LOG_INFO, MS_TAG "%u stream(s) configured, %u problem(s) in %s\n",
		cfg->streams->len, cfg->problems->len, file);
	ms_cfg_free(cfg);
	g_free(text);
	g_free(file);
	return 0;
}

void ms_config_free(void)
{
	ms_settings_clear(&ms_config);
	if(protected_streams)
		g_hash_table_destroy(protected_streams);
	protected_streams = NULL;
}

gboolean ms_config_access_control(void)
{
	return protected_streams != NULL && g_hash_table_size(protected_streams) > 0;
}

/* Protection is inherited: a stream is protected by its own secret/pin and
 * by those of every stream up its parent chain (a variant by its camera's);
 * any of those opens it. Chains are short and loop-free (checked at load);
 * the hop bound is a guard only. */
static gboolean check(const char *stream, const char *token, gboolean *opened)
{
	gboolean protected = FALSE;
	*opened = FALSE;
	for(guint hops = 0; stream != NULL && hops < 64; hops++) {
		GPtrArray *keys = protected_streams ? g_hash_table_lookup(protected_streams, stream) : NULL;
		for(guint i = 0; keys != NULL && i < keys->len; i++) {
			protected = TRUE;
			*opened |= ms_secret_equal(g_ptr_array_index(keys, i), token);
		}
		ms_source *src = ms_sources_lookup(stream);
		stream = src ? ms_source_parent(src) : NULL;
	}
	return protected;
}

gboolean ms_config_protected(const char *stream)
{
	gboolean opened;
	return check(stream, NULL, &opened);
}

gboolean ms_config_authorized(const char *stream, const char *token)
{
	gboolean opened;
	return !check(stream, token, &opened) || opened;
}

