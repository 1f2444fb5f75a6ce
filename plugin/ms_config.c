/* ms_config.c: load janus.plugin.multistream.jcfg at plugin init. The
 * reading and validation are pure (ms_cfg.c); here the result is logged
 * (every problem with its line and stream name), the general settings
 * become ms_config, and every usable stream joins the source registry. */
#include <string.h>
#include "ms_plugin.h"
#include "ms_config.h"
#include "ms_source.h"

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
