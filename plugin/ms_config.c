/* ms_config.c: read the plugin's config files at init with Janus's own
 * reader (janus_config_parse, as every Janus plugin), have them validated
 * (ms_validate.c) and log the result; and the access-control table the
 * glue fills from the validated streams. */
#include <string.h>
#include "ms_plugin.h"
#include "ms_config.h"
#include "ms_source.h"
#include "ms_guard.h"

ms_settings ms_config;

/* stream name -> GPtrArray of its secret and/or pin (protected streams only) */
static GHashTable *protected_streams;

static gint by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.jcfg files of the streams folder, in name order (byte order, as
 * `ls` in the C locale); NULL when there is no folder. */
static GPtrArray *folder_files(const char *folder)
{
	GError *error = NULL;
	GDir *dir = g_dir_open(folder, 0, &error);
	if(dir == NULL) {
		if(!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			JANUS_LOG(LOG_ERR, MS_TAG "%s: %s: its streams are not loaded\n", folder, error->message);
		g_clear_error(&error);
		return NULL;
	}
	GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	while((name = g_dir_read_name(dir)) != NULL) {
		/* Dot files are editors' (".#cam.jcfg" locks), not cameras */
		if(name[0] == '.' || !g_str_has_suffix(name, ".jcfg"))
			continue;
		char *path = g_build_filename(folder, name, NULL);
		if(g_file_test(path, G_FILE_TEST_IS_REGULAR))
			g_ptr_array_add(paths, path);
		else
			g_free(path);
	}
	g_dir_close(dir);
	g_ptr_array_sort(paths, by_name);
	return paths;
}

ms_validated *ms_config_load(const char *config_path)
{
	char *file = g_strdup_printf("%s/%s.jcfg", config_path, MS_PACKAGE);
	janus_config *tree = NULL;
	if(!g_file_test(file, G_FILE_TEST_EXISTS)) {
		JANUS_LOG(LOG_WARN, MS_TAG "No configuration (%s): defaults, no streams\n", file);
	} else if((tree = janus_config_parse(file)) == NULL) {
		JANUS_LOG(LOG_ERR, MS_TAG "%s not loaded: Janus's reader rejected it (its error just above "
			"gives the line): the plugin does not start\n", file);
		g_free(file);
		return NULL;
	}
	char *folder = g_strdup_printf("%s/%s.d", config_path, MS_PACKAGE);
	GPtrArray *paths = folder_files(folder);
	guint n = paths ? paths->len : 0;
	ms_config_file *files = g_new0(ms_config_file, n + 1);
	for(guint i = 0; i < n; i++) {
		files[i].label = g_ptr_array_index(paths, i);
		files[i].tree = janus_config_parse(files[i].label);
		/* One bad camera file never costs the others */
		if(files[i].tree == NULL)
			JANUS_LOG(LOG_ERR, MS_TAG "%s skipped: Janus's reader rejected it (its error just above "
				"gives the line): none of its streams load\n", files[i].label);
	}
	ms_validated *v = ms_validate(tree, file, files, n);
	for(guint i = 0; i < v->problems->len; i++)
		JANUS_LOG(LOG_ERR, MS_TAG "%s\n", (char *)g_ptr_array_index(v->problems, i));
	for(guint i = 0; i < v->streams->len; i++) {
		const ms_stream_def *st = g_ptr_array_index(v->streams, i);
		const ms_source_url *url = st->url;
		char *shown = url->text ? ms_source_url_redact(url->text) : NULL;
		JANUS_LOG(LOG_INFO, MS_TAG "Stream '%s': %s %s%s%s\n", st->name, ms_source_kind_name(url->kind),
			shown ? shown : (url->parent ? url->parent : url->host), st->preload ? " (preload)" : "",
			(st->secret || st->pin) ? " (protected)" : "");
		g_free(shown);
	}
	if(n > 0)
		JANUS_LOG(LOG_INFO, MS_TAG "%u stream(s) configured, %u problem(s) in %s and %u file(s) of %s\n",
			v->streams->len, v->problems->len, file, n, folder);
	else
		JANUS_LOG(LOG_INFO, MS_TAG "%u stream(s) configured, %u problem(s) in %s\n",
			v->streams->len, v->problems->len, file);
	for(guint i = 0; i < n; i++)
		if(files[i].tree != NULL)
			janus_config_destroy((janus_config *)files[i].tree);
	if(tree != NULL)
		janus_config_destroy(tree);
	g_free(files);
	if(paths != NULL)
		g_ptr_array_free(paths, TRUE);
	g_free(folder);
	g_free(file);
	return v;
}

void ms_config_free(void)
{
	ms_settings_clear(&ms_config);
	if(protected_streams)
		g_hash_table_destroy(protected_streams);
	protected_streams = NULL;
}

void ms_config_protect(const char *stream, const char *secret, const char *pin)
{
	if(secret == NULL && pin == NULL)
		return;
	if(protected_streams == NULL)
		protected_streams = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
			(GDestroyNotify)g_ptr_array_unref);
	GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
	if(secret)
		g_ptr_array_add(keys, g_strdup(secret));
	if(pin)
		g_ptr_array_add(keys, g_strdup(pin));
	g_hash_table_insert(protected_streams, g_strdup(stream), keys);
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
