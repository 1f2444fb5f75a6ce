/* ms_validate.c: the plugin's settings and streams from Janus's config
 * trees (pure; see ms_validate.h).
 *
 * Rules: unknown general keys and out-of-range values are reported and the
 * default is kept; a stream is skipped (and reported with its file and
 * name) when its entry is unusable, its name repeats an earlier one, it is
 * a variant of a missing parent or part of a variant cycle, or it derives
 * from a skipped stream. */
#include <string.h>
#include "ms_validate.h"

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
	s->h265_transcode = TRUE;
	s->auto_warm = TRUE;
	s->auto_probe_above = 150;
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

/* What one ms_validate call keeps between files. */
typedef struct state {
	ms_validated *v;
	GHashTable *seen;	/* every stream name read (ignoring case) -> label of its file */
	GHashTable *skipped;	/* names of skipped streams (ignoring case) */
	const char *unread;	/* label of the first folder file that could not be parsed */
} state;

static void problem(ms_validated *v, const char *label, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void problem(ms_validated *v, const char *label, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(v->problems, g_strdup_printf("%s: %s", label, text));
	g_free(text);
}

/* Janus's tree compares names ignoring case (janus_config_get): so do we */
static guint name_hash(gconstpointer key)
{
	char *lower = g_ascii_strdown(key, -1);
	guint h = g_str_hash(lower);
	g_free(lower);
	return h;
}

static gboolean name_equal(gconstpointer a, gconstpointer b)
{
	return g_ascii_strcasecmp(a, b) == 0;
}

static gboolean name_is(const janus_config_container *c, const char *name)
{
	return c->name != NULL && g_ascii_strcasecmp(c->name, name) == 0;
}

/* A plain value's text; NULL for a group or an array. */
static const char *item_value(const janus_config_container *c)
{
	if(c->type != janus_config_type_item)
		return NULL;
	return c->value ? c->value : "";
}

/* Booleans reach us as Janus writes them, "true" or "false"; a string
 * saying the same is as good (its type is lost anyway) */
static gboolean parse_bool(const char *v, gboolean *out)
{
	if(v != NULL && g_ascii_strcasecmp(v, "true") == 0)
		*out = TRUE;
	else if(v != NULL && g_ascii_strcasecmp(v, "false") == 0)
		*out = FALSE;
	else
		return FALSE;
	return TRUE;
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
	UKEY(auto_probe_above, 100, 100000),
	{ "gop_cache_kb", 0, 1024 * 1024, (gsize)-1 },
	{ "gop_cache_age", 1, 3600, (gsize)-1 },
};

/* Janus writes integers in decimal (0x10 becomes "16", 2.5 "2.500000") */
static gboolean parse_uint(const janus_config_container *c, guint min, guint max, guint *out)
{
	const char *v = item_value(c);
	guint64 n = 0;
	if(v == NULL || !g_ascii_string_to_unsigned(v, 10, min, max, &n, NULL))
		return FALSE;
	*out = (guint)n;
	return TRUE;
}

/* A general key that is not a number: strings and booleans. */
static gboolean general_other(ms_validated *v, const char *label, const janus_config_container *c)
{
	const char *value = item_value(c);
	if(name_is(c, "events"))
		return parse_bool(value, &v->settings.events);
	if(name_is(c, "h265_transcode"))
		return parse_bool(value, &v->settings.h265_transcode);
	if(name_is(c, "auto_warm"))
		return parse_bool(value, &v->settings.auto_warm);
	if(name_is(c, "ffmpeg") || name_is(c, "admin_key")) {
		gboolean admin = name_is(c, "admin_key");
		if(value == NULL || *value == '\0') {
			/* Fail closed: an admin_key that is there but unusable must not
			 * leave the admin API open */
			if(!admin)
				return FALSE;
			v->settings.admin_locked = TRUE;
			problem(v, label, "general.admin_key must be a non-empty string: "
				"admin requests are refused until it is fixed");
			return TRUE;
		}
		char **slot = admin ? &v->settings.admin_key : &v->settings.ffmpeg;
		g_free(*slot);
		*slot = g_strdup(value);
		return TRUE;
	}
	problem(v, label, "general.%s is not a setting of this plugin (ignored)", c->name ? c->name : "");
	return TRUE;
}

static void read_general(ms_validated *v, const char *label, const janus_config_container *g)
{
	guint cache_kb = (guint)(v->settings.gop_cache_bytes / 1024);
	guint cache_age = (guint)(v->settings.gop_cache_age / G_USEC_PER_SEC);
	for(GList *l = g->list; l != NULL; l = l->next) {
		const janus_config_container *c = l->data;
		const char *name = c->name ? c->name : "";
		const uint_key *k = NULL;
		for(guint j = 0; j < G_N_ELEMENTS(uint_keys) && k == NULL; j++)
			if(name_is(c, uint_keys[j].name))
				k = &uint_keys[j];
		if(k == NULL) {
			if(!general_other(v, label, c))
				problem(v, label, "general.%s has a bad value (default kept)", name);
			continue;
		}
		guint *dst = k->offset != (gsize)-1 ? G_STRUCT_MEMBER_P(&v->settings, k->offset) :
			(strcmp(k->name, "gop_cache_kb") == 0 ? &cache_kb : &cache_age);
		if(!parse_uint(c, k->min, k->max, dst))
			problem(v, label, "general.%s must be a number in %u..%u (default %u kept)",
				k->name, k->min, k->max, *dst);
	}
	v->settings.gop_cache_bytes = (gsize)cache_kb * 1024;
	v->settings.gop_cache_age = (gint64)cache_age * G_USEC_PER_SEC;
}

static void stream_free(gpointer data)
{
	ms_stream_def *st = data;
	ms_source_url_free(st->url);
	g_free(st->name);
	g_free(st->file);
	g_free(st->secret);
	g_free(st->pin);
	g_free(st);
}

/* Check one stream group; NULL when usable (source, preload, secret and pin
 * filled), else why the stream must be skipped. Fail closed: an unknown key
 * (`secert = ...`) or a protection key that is not a usable value never
 * loads the stream with less protection than meant. */
static const char *read_group(const janus_config_container *g, ms_stream_def *st, const char **source)
{
	for(GList *l = g->list; l != NULL; l = l->next) {
		const janus_config_container *c = l->data;
		const char *value = item_value(c);
		if(name_is(c, "preload")) {
			if(!parse_bool(value, &st->preload))
				return "preload must be true or false";
		} else if(name_is(c, "source")) {
			if(value == NULL)
				return "source must be a string";
			*source = value;
		} else if(name_is(c, "secret") || name_is(c, "pin")) {
			if(value == NULL)
				return "secret and pin must be quoted strings (\"...\"), not groups or lists";
			if(*value == '\0')
				return "secret and pin must not be empty";
			char **dst = name_is(c, "secret") ? &st->secret : &st->pin;
			if(*dst != NULL)
				return "secret or pin given twice";
			*dst = g_strdup(value);
		} else {
			return "unknown key in its group (source, preload, secret, pin)";
		}
	}
	return NULL;
}

/* One entry of streams: `name = "source"` or `name: { source = ..., ... }`. */
static ms_stream_def *read_stream(ms_validated *v, const char *label, const janus_config_container *c)
{
	const char *source = NULL, *why = NULL;
	ms_stream_def *st = g_new0(ms_stream_def, 1);
	st->name = g_strdup(c->name);
	st->file = g_strdup(label);
	if(c->type == janus_config_type_item)
		source = item_value(c);
	else if(c->type == janus_config_type_category)
		why = read_group(c, st, &source);
	char err[160] = "";
	if(why == NULL && source != NULL) {
		st->url = ms_source_url_parse(source, err, sizeof(err));
		why = st->url ? NULL : err;
	} else if(why == NULL) {
		why = "needs a source string (name = \"...\" or name: { source = \"...\" })";
	}
	if(why != NULL) {
		problem(v, label, "stream '%s' skipped: %s", st->name, why);
		stream_free(st);
		return NULL;
	}
	return st;
}

static void read_streams(state *s, const char *label, const janus_config_container *streams)
{
	for(GList *l = streams->list; l != NULL; l = l->next) {
		const janus_config_container *c = l->data;
		if(c->name == NULL || *c->name == '\0') {
			problem(s->v, label, "an entry of streams has no name (skipped)");
			continue;
		}
		const char *first = g_hash_table_lookup(s->seen, c->name);
		if(first != NULL) {
			problem(s->v, label, "stream '%s' skipped: duplicate name (first in %s)", c->name, first);
			continue;
		}
		g_hash_table_insert(s->seen, (gpointer)c->name, (gpointer)label);
		ms_stream_def *st = read_stream(s->v, label, c);
		if(st == NULL)
			g_hash_table_add(s->skipped, g_strdup(c->name));
		else
			g_ptr_array_add(s->v->streams, st);
	}
}

static void drop(state *s, guint i)
{
	ms_stream_def *st = g_ptr_array_index(s->v->streams, i);
	g_hash_table_add(s->skipped, g_strdup(st->name));
	g_ptr_array_remove_index(s->v->streams, i);
}

/* Fail closed: "vault-hd" is a quality of "vault" and would inherit its
 * protection; with "vault" skipped (or possibly in a file that could not
 * be parsed) it must not load on its own. TRUE when something was dropped. */
static gboolean drop_qualities(state *s)
{
	gboolean dropped = FALSE;
	for(guint i = 0; i < s->v->streams->len;) {
		ms_stream_def *st = g_ptr_array_index(s->v->streams, i);
		char *parent = NULL, *quality = NULL;
		if(ms_stream_split_variant(st->name, &parent, &quality)) {
			if(g_hash_table_contains(s->skipped, parent)) {
				problem(s->v, st->file, "stream '%s' skipped: stream '%s' it is a quality of was skipped",
					st->name, parent);
				st = NULL;
			} else if(s->unread != NULL && st->url->kind != MS_SOURCE_FFMPEG &&
					!g_hash_table_contains(s->seen, parent)) {
				problem(s->v, st->file, "stream '%s' skipped: it may be a quality of a stream '%s' in %s, "
					"which could not be read", st->name, parent, s->unread);
				st = NULL;
			}
		}
		g_free(parent);
		g_free(quality);
		if(st == NULL) {
			drop(s, i);
			dropped = TRUE;
		} else {
			i++;
		}
	}
	return dropped;
}

/* Drop variants whose parent is missing or whose parent chain loops (the
 * registry trusts this: a loop would nest source mutexes in a cycle).
 * Parents are looked up exactly, as the registry does. */
static gboolean drop_variants(state *s)
{
	GPtrArray *streams = s->v->streams;
	GHashTable *by_name = g_hash_table_new(g_str_hash, g_str_equal);
	for(guint i = 0; i < streams->len; i++) {
		ms_stream_def *st = g_ptr_array_index(streams, i);
		g_hash_table_insert(by_name, st->name, st);
	}
	GHashTable *bad = g_hash_table_new(NULL, NULL);
	for(guint i = 0; i < streams->len; i++) {
		ms_stream_def *st = g_ptr_array_index(streams, i);
		const ms_stream_def *cur = st;
		guint hops = 0;
		const char *why = NULL;
		while(cur->url->kind == MS_SOURCE_FFMPEG && why == NULL) {
			const ms_stream_def *parent = g_hash_table_lookup(by_name, cur->url->parent);
			if(parent == NULL)
				why = cur == st ? "its parent stream is not configured" : "a variant up its chain has no parent";
			else if(parent == st || ++hops > streams->len)
				why = "variants form a cycle";
			else
				cur = parent;
		}
		if(why == NULL)
			continue;
		problem(s->v, st->file, "stream '%s' skipped: %s (ffmpeg:%s)", st->name, why, st->url->parent);
		g_hash_table_add(bad, st);	/* removed below, after every check saw it */
	}
	guint before = streams->len;
	for(guint i = streams->len; i > 0; i--)
		if(g_hash_table_contains(bad, g_ptr_array_index(streams, i - 1)))
			drop(s, i - 1);
	g_hash_table_destroy(bad);
	g_hash_table_destroy(by_name);
	return streams->len != before;
}

ms_validated *ms_validate(const janus_config *tree, const char *tree_label,
		const ms_config_file *files, guint n_files)
{
	ms_validated *v = g_new0(ms_validated, 1);
	ms_settings_defaults(&v->settings);
	v->streams = g_ptr_array_new_with_free_func(stream_free);
	v->problems = g_ptr_array_new_with_free_func(g_free);
	state s = { v, g_hash_table_new(name_hash, name_equal),
		g_hash_table_new_full(name_hash, name_equal, g_free, NULL), NULL };
	for(GList *l = tree ? tree->list : NULL; l != NULL; l = l->next) {
		const janus_config_container *c = l->data;
		gboolean group = c->type == janus_config_type_category;
		if(name_is(c, "general") && group)
			read_general(v, tree_label, c);
		else if(name_is(c, "general"))
			problem(v, tree_label, "general must be a group: general: { ... } (ignored)");
		else if(name_is(c, "streams") && group)
			read_streams(&s, tree_label, c);
		else if(name_is(c, "streams"))
			problem(v, tree_label, "streams must be a group: streams: { name = \"source\" }");
		else
			problem(v, tree_label, "%s is not a section of this file (general, streams): ignored",
				c->name ? c->name : "an entry");
	}
	for(guint i = 0; i < n_files; i++) {
		const char *label = files[i].label;
		if(files[i].tree == NULL) {
			if(s.unread == NULL)
				s.unread = label;
			continue;
		}
		for(GList *l = files[i].tree->list; l != NULL; l = l->next) {
			const janus_config_container *c = l->data;
			if(name_is(c, "streams") && c->type == janus_config_type_category)
				read_streams(&s, label, c);
			else
				problem(v, label, "%s ignored: this file may only hold streams: { name = \"source\" }",
					c->name ? c->name : "an entry");
		}
	}
	/* Each pass may skip what the other's next round must see */
	while(drop_qualities(&s) | drop_variants(&s))
		;
	g_hash_table_destroy(s.skipped);
	g_hash_table_destroy(s.seen);
	return v;
}

void ms_validated_free(ms_validated *v)
{
	if(v == NULL)
		return;
	ms_settings_clear(&v->settings);
	g_ptr_array_free(v->streams, TRUE);
	g_ptr_array_free(v->problems, TRUE);
	g_free(v);
}
