/* ms_cfg.c: read and validate the plugin config (pure; see ms_cfg.h).
 *
 * Rules: unknown general keys and out-of-range values are reported and the
 * default is kept; a stream is skipped (and reported with its name and line)
 * when its source does not parse, its name repeats an earlier one, or it is
 * a variant of a missing parent or part of a variant cycle. */
#include <string.h>
#include <stdlib.h>
#include <errno.h>
#include "ms_cfg.h"
#include "ms_jcfg.h"

void ms_settings_defaults(ms_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->max_slots = 9;
	s->disconnect_grace = 10;
	s->rtcp_timeout = 3;
	s->source_linger = 5;
	s->source_timeout = 2;
	s->gop_cache_bytes = 2 * 1024 * 1024;
	s->gop_cache_age = 10 * G_USEC_PER_SEC;
	s->ffmpeg = g_strdup("ffmpeg");
	s->events = TRUE;
	s->heap_trim_interval = 10;
	s->setup_timeout = 30;
	s->auth_failures = 5;
	s->auth_failures_global = 20;
}

void ms_settings_clear(ms_settings *s)
{
	g_free(s->ffmpeg);
	g_free(s->admin_key);
	memset(s, 0, sizeof(*s));
}

static void problem(ms_cfg *cfg, int line, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void problem(ms_cfg *cfg, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(cfg->problems, g_strdup_printf("line %d: %s", line, text));
	g_free(text);
}

/* One unsigned setting in [min, max]. */
typedef struct uint_key {
	const char *name;
	guint min, max;
	gsize offset;		/* of a guint in ms_settings; or (gsize)-1 */
} uint_key;

#define UKEY(n, lo, hi) { #n, lo, hi, G_STRUCT_OFFSET(ms_settings, n) }
static const uint_key uint_keys[] = {
	UKEY(max_slots, 1, 64),
	UKEY(disconnect_grace, 0, 3600),
	UKEY(rtcp_timeout, 1, 600),
	UKEY(source_linger, 0, 3600),
	UKEY(source_timeout, 1, 600),
	UKEY(max_sessions, 0, 1000000),
	UKEY(max_requests_per_second, 0, 1000000),
	UKEY(heap_trim_interval, 0, 3600),
	UKEY(setup_timeout, 0, 3600),
	UKEY(auth_failures, 1, 1000000),
	UKEY(auth_failures_global, 1, 1000000),
	{ "gop_cache_kb", 0, 1024 * 1024, (gsize)-1 },
	{ "gop_cache_age", 1, 3600, (gsize)-1 },
};

static gboolean parse_uint(const ms_jcfg_setting *s, guint min, guint max, guint *out)
{
	const char *v = ms_jcfg_value(s);
	if(v == NULL || ms_jcfg_kind(s) != MS_JCFG_INT)
		return FALSE;
	errno = 0;
	char *end = NULL;
	long long n = strtoll(v, &end, 0);
	if(errno != 0 || end == v || (*end != '\0' && strcmp(end, "L") != 0) || n < min || n > max)
		return FALSE;
	*out = (guint)n;
	return TRUE;
}

/* A general key that is not a number: strings and booleans. */
static gboolean general_other(ms_cfg *cfg, const ms_jcfg_setting *s)
{
	const char *name = ms_jcfg_name(s), *v = ms_jcfg_value(s);
	ms_jcfg_type kind = ms_jcfg_kind(s);
	if(strcmp(name, "events") == 0) {
		if(kind != MS_JCFG_BOOL)
			return FALSE;
		cfg->settings.events = strcmp(v, "true") == 0;
	} else if(strcmp(name, "ffmpeg") == 0 || strcmp(name, "admin_key") == 0) {
		if(kind != MS_JCFG_STRING || *v == '\0') {
			/* Fail closed: an admin_key that is there but unusable must not
			 * leave the admin API open */
			if(name[0] == 'a') {
				cfg->settings.admin_locked = TRUE;
				problem(cfg, ms_jcfg_line(s), "general.admin_key must be a non-empty string: "
					"admin requests are refused until it is fixed");
				return TRUE;
			}
			return FALSE;
		}
		char **slot = name[0] == 'f' ? &cfg->settings.ffmpeg : &cfg->settings.admin_key;
		g_free(*slot);
		*slot = g_strdup(v);
	} else {
		problem(cfg, ms_jcfg_line(s), "general.%s is not a setting of this plugin (ignored)", name);
	}
	return TRUE;
}

static void read_general(ms_cfg *cfg, const ms_jcfg_setting *g)
{
	guint cache_kb = (guint)(cfg->settings.gop_cache_bytes / 1024), cache_age = 10;
	for(guint i = 0; i < ms_jcfg_count(g); i++) {
		const ms_jcfg_setting *s = ms_jcfg_child(g, i);
		const char *name = ms_jcfg_name(s);
		const uint_key *k = NULL;
		for(guint j = 0; j < G_N_ELEMENTS(uint_keys) && k == NULL; j++)
			if(strcmp(uint_keys[j].name, name) == 0)
				k = &uint_keys[j];
		if(k == NULL) {
			if(!general_other(cfg, s))
				problem(cfg, ms_jcfg_line(s), "general.%s has a bad value (default kept)", name);
			continue;
		}
		guint *dst = k->offset != (gsize)-1 ? G_STRUCT_MEMBER_P(&cfg->settings, k->offset) :
			(strcmp(name, "gop_cache_kb") == 0 ? &cache_kb : &cache_age);
		if(!parse_uint(s, k->min, k->max, dst))
			problem(cfg, ms_jcfg_line(s), "general.%s must be a number in %u..%u (default %u kept)",
				name, k->min, k->max, *dst);
	}
	cfg->settings.gop_cache_bytes = (gsize)cache_kb * 1024;
	cfg->settings.gop_cache_age = (gint64)cache_age * G_USEC_PER_SEC;
}

static void stream_free(gpointer data)
{
	ms_cfg_stream *st = data;
	ms_spec_free(st->spec);
	g_free(st->name);
	g_free(st->secret);
	g_free(st->pin);
	g_free(st);
}

/* The keys a stream group may hold. Anything else is a mistake that must
 * not load the stream with less protection than meant (`secert = ...`). */
static const char *group_keys[] = { "source", "preload", "secret", "pin" };

/* Check one stream group; NULL when usable (source, preload, secret and pin
 * filled), else why the stream must be skipped. Fail closed: a protection
 * key of the wrong type (`pin = 1234`) or an unknown key never loads the
 * stream unprotected. */
static const char *read_group(const ms_jcfg_setting *g, ms_cfg_stream *st, const char **source)
{
	for(guint i = 0; i < ms_jcfg_count(g); i++) {
		const ms_jcfg_setting *s = ms_jcfg_child(g, i);
		const char *key = ms_jcfg_name(s), *v = ms_jcfg_value(s);
		gboolean known = FALSE;
		for(guint k = 0; k < G_N_ELEMENTS(group_keys) && !known; k++)
			known = strcmp(key, group_keys[k]) == 0;
		if(!known)
			return "unknown key in its group (source, preload, secret, pin)";
		if(strcmp(key, "preload") == 0) {
			if(ms_jcfg_kind(s) != MS_JCFG_BOOL)
				return "preload must be true or false";
			st->preload = strcmp(v, "true") == 0;
			continue;
		}
		if(ms_jcfg_kind(s) != MS_JCFG_STRING)
			return strcmp(key, "source") == 0 ? "source must be a string" :
				"secret and pin must be quoted strings (\"...\")";
		if(strcmp(key, "source") == 0) {
			*source = v;
		} else if(*v == '\0') {
			return "secret and pin must not be empty";
		} else {
			char **dst = key[0] == 's' ? &st->secret : &st->pin;
			if(*dst != NULL)
				return "secret or pin given twice";
			*dst = g_strdup(v);
		}
	}
	return NULL;
}

/* One entry of streams: `name = "source"` or `name: { source = ..., ... }`. */
static ms_cfg_stream *read_stream(ms_cfg *cfg, const ms_jcfg_setting *s)
{
	const char *name = ms_jcfg_name(s), *source = NULL, *why = NULL;
	ms_cfg_stream *st = g_new0(ms_cfg_stream, 1);
	st->name = g_strdup(name);
	st->line = ms_jcfg_line(s);
	if(ms_jcfg_kind(s) == MS_JCFG_STRING)
		source = ms_jcfg_value(s);
	else if(ms_jcfg_kind(s) == MS_JCFG_GROUP)
		why = read_group(s, st, &source);
	char err[160] = "";
	if(why == NULL && source != NULL) {
		st->spec = ms_spec_parse(source, err, sizeof(err));
		why = st->spec ? NULL : err;
	} else if(why == NULL) {
		why = "needs a source string (name = \"...\" or name: { source = \"...\" })";
	}
	if(why != NULL) {
		problem(cfg, st->line, "stream '%s' skipped: %s", name, why);
		stream_free(st);
		return NULL;
	}
	return st;
}

/* Drop variants whose parent is missing or whose parent chain loops. */
static void check_variants(ms_cfg *cfg, GHashTable *by_name)
{
	for(guint i = 0; i < cfg->streams->len; i++) {
		ms_cfg_stream *st = g_ptr_array_index(cfg->streams, i);
		const ms_cfg_stream *cur = st;
		guint hops = 0;
		const char *why = NULL;
		while(cur->spec->kind == MS_SOURCE_FFMPEG && why == NULL) {
			const ms_cfg_stream *parent = g_hash_table_lookup(by_name, cur->spec->parent);
			if(parent == NULL)
				why = cur == st ? "its parent stream is not configured" : "a variant up its chain has no parent";
			else if(parent == st || ++hops > cfg->streams->len)
				why = "variants form a cycle";
			else
				cur = parent;
		}
		if(why == NULL)
			continue;
		problem(cfg, st->line, "stream '%s' skipped: %s (ffmpeg:%s)", st->name, why, st->spec->parent);
		st->line = -1;	/* marked: removed below, after every check saw it */
	}
	for(guint i = cfg->streams->len; i > 0; i--) {
		ms_cfg_stream *st = g_ptr_array_index(cfg->streams, i - 1);
		if(st->line == -1)
			g_ptr_array_remove_index(cfg->streams, i - 1);
	}
}

/* The stream a syntax error path ("streams.camera2.secret") falls in. */
static char *error_stream(const char *path)
{
	if(path == NULL || strncmp(path, "streams.", 8) != 0 || path[8] == '\0')
		return NULL;
	return g_strndup(path + 8, strcspn(path + 8, ".["));
}

static void read_streams(ms_cfg *cfg, const ms_jcfg_setting *streams, GHashTable *broken)
{
	GHashTable *by_name = g_hash_table_new(g_str_hash, g_str_equal);
	GHashTable *rejected = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for(guint i = 0; i < ms_jcfg_count(streams); i++) {
		const ms_jcfg_setting *s = ms_jcfg_child(streams, i);
		const char *name = ms_jcfg_name(s);
		const ms_cfg_stream *first = g_hash_table_lookup(by_name, name);
		if(first != NULL) {
			problem(cfg, ms_jcfg_line(s), "stream '%s' skipped: duplicate name (first on line %d)",
				name, first->line);
			continue;
		}
		ms_cfg_stream *st = NULL;
		if(g_hash_table_contains(broken, name))
			problem(cfg, ms_jcfg_line(s), "stream '%s' skipped: syntax error in its entry", name);
		else
			st = read_stream(cfg, s);
		if(st == NULL) {
			g_hash_table_add(rejected, g_strdup(name));
			continue;
		}
		g_hash_table_insert(by_name, st->name, st);
		g_ptr_array_add(cfg->streams, st);
	}
	/* Fail closed: "vault-hd" is a quality of "vault" and would inherit its
	 * protection; with "vault" skipped it must not load on its own */
	for(guint i = cfg->streams->len; i > 0; i--) {
		ms_cfg_stream *st = g_ptr_array_index(cfg->streams, i - 1);
		char *parent = NULL, *quality = NULL;
		if(ms_spec_split_variant(st->name, &parent, &quality) && g_hash_table_contains(rejected, parent) &&
				!g_hash_table_contains(by_name, parent)) {
			problem(cfg, st->line, "stream '%s' skipped: stream '%s' it is a quality of was skipped",
				st->name, parent);
			g_hash_table_remove(by_name, st->name);
			g_ptr_array_remove_index(cfg->streams, i - 1);
		}
		g_free(parent);
		g_free(quality);
	}
	check_variants(cfg, by_name);
	g_hash_table_destroy(rejected);
	g_hash_table_destroy(by_name);
}

ms_cfg *ms_cfg_read(const char *text, gsize len)
{
	ms_cfg *cfg = g_new0(ms_cfg, 1);
	ms_settings_defaults(&cfg->settings);
	cfg->streams = g_ptr_array_new_with_free_func(stream_free);
	cfg->problems = g_ptr_array_new_with_free_func(g_free);
	ms_jcfg *j = ms_jcfg_parse(text ? text : "", text ? len : 0);
	GHashTable *broken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for(guint i = 0; i < ms_jcfg_error_count(j); i++) {
		int line = 0;
		const char *name = NULL, *msg = NULL;
		if(!ms_jcfg_error(j, i, &line, &name, &msg))
			continue;
		problem(cfg, line, "%s%s%s (entry skipped)", name && *name ? name : "", name && *name ? ": " : "", msg);
		char *stream = error_stream(name);
		if(stream != NULL)
			g_hash_table_add(broken, stream);
	}
	const ms_jcfg_setting *root = ms_jcfg_root(j);
	const ms_jcfg_setting *g = ms_jcfg_get(root, "general");
	if(g != NULL && ms_jcfg_kind(g) == MS_JCFG_GROUP)
		read_general(cfg, g);
	const ms_jcfg_setting *streams = ms_jcfg_get(root, "streams");
	if(streams != NULL && ms_jcfg_kind(streams) == MS_JCFG_GROUP)
		read_streams(cfg, streams, broken);
	else if(streams != NULL)
		problem(cfg, ms_jcfg_line(streams), "streams must be a group: streams: { name = \"source\" }");
	g_hash_table_destroy(broken);
	ms_jcfg_free(j);
	return cfg;
}

void ms_cfg_free(ms_cfg *cfg)
{
	if(cfg == NULL)
		return;
	ms_settings_clear(&cfg->settings);
	g_ptr_array_free(cfg->streams, TRUE);
	g_ptr_array_free(cfg->problems, TRUE);
	g_free(cfg);
}
