/* test_cfg.c: validating the plugin config (ms_validate).
 *
 * The plugin reads its files with janus_config_parse, which lives in the
 * janus binary. Here test texts are parsed with libconfig, as Janus does,
 * and turned into the same trees: every value a string (integers in
 * decimal, floats with %f, booleans "true"/"false"), groups as categories,
 * lists and arrays as arrays, and a named entry replacing an earlier one
 * whose name differs only in case. */
#include <string.h>
#include <glib.h>
#include <libconfig.h>
#include "ms_validate.h"

static void node_free(gpointer data)
{
	janus_config_container *c = data;
	g_free((char *)c->name);
	g_free((char *)c->value);
	g_list_free_full(c->list, node_free);
	g_free(c);
}

static janus_config_container *node_new(janus_config_type type, const char *name, char *value)
{
	janus_config_container *c = g_new0(janus_config_container, 1);
	c->type = type;
	c->name = g_strdup(name);
	c->value = value;
	return c;
}

static void append(GList **list, janus_config_container *c)
{
	for(GList *l = *list; c->name != NULL && l != NULL; l = l->next) {
		janus_config_container *old = l->data;
		if(old->name != NULL && g_ascii_strcasecmp(old->name, c->name) == 0) {
			*list = g_list_delete_link(*list, l);
			node_free(old);
			break;
		}
	}
	*list = g_list_append(*list, c);
}

static void convert(GList **list, const config_setting_t *s)
{
	const char *name = config_setting_name(s);
	janus_config_container *c = NULL;
	switch(config_setting_type(s)) {
		case CONFIG_TYPE_INT:
			c = node_new(janus_config_type_item, name, g_strdup_printf("%d", config_setting_get_int(s)));
			break;
		case CONFIG_TYPE_INT64:
			c = node_new(janus_config_type_item, name, g_strdup_printf("%lld", config_setting_get_int64(s)));
			break;
		case CONFIG_TYPE_FLOAT:
			c = node_new(janus_config_type_item, name, g_strdup_printf("%f", config_setting_get_float(s)));
			break;
		case CONFIG_TYPE_STRING:
			c = node_new(janus_config_type_item, name, g_strdup(config_setting_get_string(s)));
			break;
		case CONFIG_TYPE_BOOL:
			c = node_new(janus_config_type_item, name, g_strdup(config_setting_get_bool(s) ? "true" : "false"));
			break;
		case CONFIG_TYPE_GROUP:
		case CONFIG_TYPE_ARRAY:
		case CONFIG_TYPE_LIST:
			c = node_new(config_setting_type(s) == CONFIG_TYPE_GROUP ?
				janus_config_type_category : janus_config_type_array, name, NULL);
			for(int i = 0; i < config_setting_length(s); i++)
				convert(&c->list, config_setting_get_elem(s, i));
			break;
		default:
			return;
	}
	append(list, c);
}

static void tree_free(janus_config *tree)
{
	if(tree == NULL)
		return;
	g_list_free_full(tree->list, node_free);
	g_free((char *)tree->name);
	g_free(tree);
}

/* The tree of a text, or NULL on a syntax error (its line in *line). */
static janus_config *parse(const char *text, int *line)
{
	config_t cfg;
	config_init(&cfg);
	janus_config *tree = NULL;
	if(config_read_string(&cfg, text) == CONFIG_TRUE) {
		tree = g_new0(janus_config, 1);
		tree->is_jcfg = TRUE;
		tree->name = g_strdup("test.jcfg");
		const config_setting_t *root = config_root_setting(&cfg);
		for(int i = 0; i < config_setting_length(root); i++)
			convert(&tree->list, config_setting_get_elem(root, i));
	} else if(line != NULL) {
		*line = config_error_line(&cfg);
	}
	config_destroy(&cfg);
	return tree;
}

static janus_config *must_parse(const char *text)
{
	int line = 0;
	janus_config *tree = parse(text, &line);
	if(tree == NULL)
		g_error("test text does not parse (line %d):\n%s", line, text);
	return tree;
}

static ms_validated *read_text(const char *text)
{
	janus_config *tree = must_parse(text);
	ms_validated *v = ms_validate(tree, "main.jcfg", NULL, 0);
	tree_free(tree);
	return v;
}

/* Is there a problem mentioning every given substring? */
static gboolean has_problem(const ms_validated *v, const char *a, const char *b)
{
	for(guint i = 0; i < v->problems->len; i++) {
		const char *p = g_ptr_array_index(v->problems, i);
		if(strstr(p, a) != NULL && (b == NULL || strstr(p, b) != NULL))
			return TRUE;
	}
	return FALSE;
}

static const ms_stream_def *stream(const ms_validated *v, const char *name)
{
	for(guint i = 0; i < v->streams->len; i++) {
		const ms_stream_def *st = g_ptr_array_index(v->streams, i);
		if(strcmp(st->name, name) == 0)
			return st;
	}
	return NULL;
}

static void test_defaults(void)
{
	ms_validated *v = ms_validate(NULL, "main.jcfg", NULL, 0);
	g_assert_cmpuint(v->settings.max_slots, ==, 9);
	g_assert_cmpuint(v->settings.disconnect_grace, ==, 10);
	g_assert_cmpuint(v->settings.source_linger, ==, 5);
	g_assert_cmpstr(v->settings.ffmpeg, ==, "ffmpeg");
	g_assert_true(v->settings.events);
	g_assert_true(v->settings.auto_warm);
	g_assert_cmpuint(v->settings.auto_probe_above, ==, 150);
	g_assert_null(v->settings.admin_key);
	g_assert_cmpuint(v->settings.heap_trim_interval, ==, 10);
	g_assert_cmpuint(v->settings.gop_cache_age, ==, 10 * G_USEC_PER_SEC);
	g_assert_cmpuint(v->streams->len, ==, 0);
	g_assert_cmpuint(v->problems->len, ==, 0);
	ms_validated_free(v);
	/* An empty file too */
	v = read_text("");
	g_assert_cmpuint(v->settings.max_slots, ==, 9);
	g_assert_cmpuint(v->problems->len, ==, 0);
	ms_validated_free(v);
}

static void test_good(void)
{
	ms_validated *v = read_text(
		"general: {\n"
		"\tmax_slots = 4\n"
		"\tdisconnect_grace = 3\n"
		"\tevents = false\n"
		"\tadmin_key = \"k\"\n"
		"\tgop_cache_kb = 512\n"
		"\tgop_cache_age = 4\n"
		"\theap_trim_interval = 0\n"
		"\tauto_warm = false\n"
		"\tauto_probe_above = 100\n"
		"}\n"
		"streams: {\n"
		"\tcamera1 = \"rtsp://admin:pw@10.0.0.1/stream\"\n"
		"\tcamera1-360p = \"ffmpeg:camera1#video=h264#height=360\"\n"
		"\tlobby: { source = \"rtp://127.0.0.1:5004\", preload = true, secret = \"s3\" }\n"
		"\tdoor: { source = \"rtp://127.0.0.1:5006\"; pin = \"1234\" }\n"
		"}\n");
	g_assert_cmpuint(v->problems->len, ==, 0);
	g_assert_cmpuint(v->settings.max_slots, ==, 4);
	g_assert_cmpuint(v->settings.disconnect_grace, ==, 3);
	g_assert_false(v->settings.events);
	g_assert_cmpstr(v->settings.admin_key, ==, "k");
	g_assert_cmpuint(v->settings.gop_cache_bytes, ==, 512 * 1024);
	g_assert_cmpuint(v->settings.gop_cache_age, ==, 4 * G_USEC_PER_SEC);
	g_assert_cmpuint(v->settings.heap_trim_interval, ==, 0);
	g_assert_false(v->settings.auto_warm);
	g_assert_cmpuint(v->settings.auto_probe_above, ==, 100);
	g_assert_cmpuint(v->streams->len, ==, 4);
	const ms_stream_def *st = g_ptr_array_index(v->streams, 1);
	g_assert_cmpstr(st->name, ==, "camera1-360p");
	g_assert_cmpstr(st->file, ==, "main.jcfg");
	g_assert_cmpint(st->url->kind, ==, MS_SOURCE_FFMPEG);
	st = stream(v, "lobby");
	g_assert_true(st->preload);
	g_assert_cmpstr(st->secret, ==, "s3");
	g_assert_null(st->pin);
	g_assert_cmpstr(stream(v, "door")->pin, ==, "1234");
	g_assert_false(stream(v, "door")->preload);
	ms_validated_free(v);
}

static void test_bad_entries(void)
{
	ms_validated *v = read_text(
		"streams: {\n"
		"\tcamera1 = \"rtp://127.0.0.1:5004\"\n"
		"\tcamera2 = \"http://bad\"\n"				/* unknown kind */
		"\tcamera3 = \"ffmpeg:nope#video=h264#height=360\"\n"	/* no parent */
		"\tcamera4 = \"rtsp:///nohost\"\n"			/* bad URL */
		"\tcamera5 = \"rtp://127.0.0.1:99999\"\n"		/* bad port */
		"\tloop-a = \"ffmpeg:loop-b#video=h264#height=240\"\n"	/* cycle */
		"\tloop-b = \"ffmpeg:loop-a#video=h264#height=240\"\n"	/* cycle */
		"\tself = \"ffmpeg:self#video=h264#height=240\"\n"	/* cycle */
		"\tcamera7: { preload = true }\n"			/* no source */
		"\tcamera8 = 42\n"					/* "42": no source kind */
		"\tcamera10 = [ \"rtp://127.0.0.1:5012\" ]\n"		/* not a string */
		"\tcamera11: { source = { url = \"rtp://127.0.0.1:5014\" } }\n"	/* not a string */
		"\tcamera9 = \"rtp://127.0.0.1:5010\"\n"		/* fine */
		"\tcamera9-hd = \"ffmpeg:camera9#video=h264#height=720\"\n"	/* fine */
		"\tfar-a = \"ffmpeg:far-b#video=h264#height=240\"\n"	/* its parent's parent is missing */
		"\tfar-b = \"ffmpeg:camera3#video=h264#height=240\"\n"
		"\tCAMERA9-low = \"ffmpeg:CAMERA9#video=h264#height=120\"\n"	/* parents are exact */
		"}\n");
	g_assert_nonnull(stream(v, "camera1"));
	g_assert_nonnull(stream(v, "camera9"));
	g_assert_nonnull(stream(v, "camera9-hd"));
	g_assert_cmpuint(v->streams->len, ==, 3);
	g_assert_true(has_problem(v, "main.jcfg: stream 'camera2' skipped", NULL));
	g_assert_true(has_problem(v, "'camera3' skipped: its parent stream is not configured", "(ffmpeg:nope)"));
	g_assert_true(has_problem(v, "'camera4' skipped", NULL));
	g_assert_true(has_problem(v, "'camera5' skipped", NULL));
	g_assert_true(has_problem(v, "'loop-a' skipped: variants form a cycle", NULL));
	g_assert_true(has_problem(v, "'loop-b' skipped: variants form a cycle", NULL));
	g_assert_true(has_problem(v, "'self' skipped: variants form a cycle", NULL));
	g_assert_true(has_problem(v, "'camera7' skipped: needs a source", NULL));
	g_assert_true(has_problem(v, "'camera8' skipped", NULL));
	g_assert_true(has_problem(v, "'camera10' skipped: needs a source", NULL));
	g_assert_true(has_problem(v, "'camera11' skipped: source must be a string", NULL));
	g_assert_true(has_problem(v, "'far-b' skipped: a variant up its chain has no parent", "(ffmpeg:camera3)"));
	g_assert_true(has_problem(v, "'far-a' skipped: a variant up its chain has no parent", NULL));
	g_assert_true(has_problem(v, "'CAMERA9-low' skipped: its parent stream is not configured", NULL));
	g_assert_cmpuint(v->problems->len, ==, 14);
	ms_validated_free(v);
}

/* Duplicates: libconfig rejects an exact one as a syntax error (the whole
 * file); Janus's tree keeps the last of names that differ only in case;
 * across files, the first wins. */
static void test_duplicates(void)
{
	int line = 0;
	g_assert_null(parse("streams: {\n\tdup = \"rtp://127.0.0.1:5004\"\n\tdup = \"rtp://127.0.0.1:5006\"\n}\n", &line));
	g_assert_cmpint(line, ==, 3);
	ms_validated *v = read_text("streams: {\n\tDup = \"rtp://127.0.0.1:5004\"\n\tdup = \"rtp://127.0.0.1:5006\"\n}\n");
	g_assert_cmpuint(v->streams->len, ==, 1);
	g_assert_cmpstr(stream(v, "dup")->name, ==, "dup");
	g_assert_cmpint(stream(v, "dup")->url->port, ==, 5006);
	ms_validated_free(v);
}

/* Protection mistakes fail closed: the stream does not load at all,
 * rather than loading unprotected, and neither does what derives from it.
 * Values are strings in Janus's tree: a number or boolean pin/secret is its
 * text and protects the stream. */
static void test_fail_closed(void)
{
	ms_validated *v = read_text(
		"general: { admin_key = 1234 }\n"
		"streams: {\n"
		"\tpinnum: { source = \"rtp://127.0.0.1:5004\", pin = 1234 }\n"
		"\ttypo: { source = \"rtp://127.0.0.1:5008\", secert = \"s3cret\" }\n"
		"\tempty: { source = \"rtp://127.0.0.1:5010\", secret = \"\" }\n"
		"\tbool: { source = \"rtp://127.0.0.1:5012\", secret = true }\n"
		"\tgrp: { source = \"rtp://127.0.0.1:5014\", pin = { value = \"1\" } }\n"
		"\tarr: { source = \"rtp://127.0.0.1:5026\", secret = [ \"a\", \"b\" ] }\n"
		"\tpreloadstr: { source = \"rtp://127.0.0.1:5016\", preload = \"yes\" }\n"
		"\tpreloadnum: { source = \"rtp://127.0.0.1:5028\", preload = 1 }\n"
		"\ttypo-low = \"ffmpeg:typo#video=h264#height=120\"\n"	/* parent skipped */
		"\ttypo-low-x = \"ffmpeg:typo-low#video=h264#height=60\"\n"	/* and its own variant */
		"\tempty-hd = \"rtp://127.0.0.1:5018\"\n"		/* a quality of a skipped stream */
		"\tgood: { source = \"rtp://127.0.0.1:5020\", pin = \"1234\", preload = true }\n"
		"\tgood-hd = \"rtp://127.0.0.1:5022\"\n"		/* fine */
		"\topen-hd = \"rtp://127.0.0.1:5024\"\n"		/* fine: no stream 'open' */
		"\tcase: { Source = \"rtp://127.0.0.1:5030\", SECRET = \"c\", Preload = TRUE }\n"	/* keys ignore case */
		"}\n");
	g_assert_false(v->settings.admin_locked);
	g_assert_cmpstr(v->settings.admin_key, ==, "1234");
	g_assert_cmpstr(stream(v, "pinnum")->pin, ==, "1234");
	g_assert_cmpstr(stream(v, "bool")->secret, ==, "true");
	g_assert_true(has_problem(v, "'typo' skipped: unknown key", NULL));
	g_assert_true(has_problem(v, "'empty' skipped: secret and pin must not be empty", NULL));
	g_assert_true(has_problem(v, "'grp' skipped: secret and pin must be quoted strings", NULL));
	g_assert_true(has_problem(v, "'arr' skipped: secret and pin must be quoted strings", NULL));
	g_assert_true(has_problem(v, "'preloadstr' skipped: preload must be true or false", NULL));
	g_assert_true(has_problem(v, "'preloadnum' skipped: preload must be true or false", NULL));
	g_assert_true(has_problem(v, "'typo-low' skipped", NULL));
	g_assert_true(has_problem(v, "'typo-low-x' skipped", NULL));
	g_assert_true(has_problem(v, "'empty-hd' skipped: stream 'empty' it is a quality of was skipped", NULL));
	for(const char **n = (const char *[]){ "typo", "empty", "grp", "arr", "preloadstr", "preloadnum",
			"typo-low", "typo-low-x", "empty-hd", NULL }; *n; n++)
		g_assert_null(stream(v, *n));
	g_assert_cmpuint(v->problems->len, ==, 9);
	g_assert_cmpuint(v->streams->len, ==, 6);
	const ms_stream_def *good = stream(v, "good");
	g_assert_cmpstr(good->pin, ==, "1234");
	g_assert_null(good->secret);
	g_assert_true(good->preload);
	g_assert_nonnull(stream(v, "good-hd"));
	g_assert_nonnull(stream(v, "open-hd"));
	g_assert_cmpstr(stream(v, "case")->secret, ==, "c");
	g_assert_true(stream(v, "case")->preload);
	ms_validated_free(v);
	/* An admin_key that is empty or not a plain value locks the admin API */
	for(const char **t = (const char *[]){ "general: { admin_key = \"\" }\n", "general: { admin_key = { k = \"v\" } }\n",
			"general: { admin_key = [ \"a\" ] }\n", NULL }; *t; t++) {
		v = read_text(*t);
		g_assert_true(v->settings.admin_locked);
		g_assert_null(v->settings.admin_key);
		g_assert_true(has_problem(v, "main.jcfg: general.admin_key", "admin requests are refused"));
		ms_validated_free(v);
	}
	v = read_text("general: { admin_key = \"k\" }\n");
	g_assert_false(v->settings.admin_locked);
	g_assert_cmpstr(v->settings.admin_key, ==, "k");
	ms_validated_free(v);
}

/* What libconfig cannot produce: a secret given twice, a nameless stream. */
static void test_hand_built(void)
{
	janus_config tree = { TRUE, "x.jcfg", NULL };
	janus_config_container *streams = node_new(janus_config_type_category, "streams", NULL);
	janus_config_container *twice = node_new(janus_config_type_category, "twice", NULL);
	twice->list = g_list_append(twice->list, node_new(janus_config_type_item, "source", g_strdup("rtp://127.0.0.1:5004")));
	twice->list = g_list_append(twice->list, node_new(janus_config_type_item, "pin", g_strdup("1")));
	twice->list = g_list_append(twice->list, node_new(janus_config_type_item, "pin", g_strdup("2")));
	streams->list = g_list_append(streams->list, twice);
	streams->list = g_list_append(streams->list, node_new(janus_config_type_item, NULL, g_strdup("rtp://127.0.0.1:5006")));
	streams->list = g_list_append(streams->list, node_new(janus_config_type_item, "ok", NULL));
	tree.list = g_list_append(NULL, streams);
	ms_validated *v = ms_validate(&tree, "x.jcfg", NULL, 0);
	g_assert_true(has_problem(v, "'twice' skipped: secret or pin given twice", NULL));
	g_assert_true(has_problem(v, "an entry of streams has no name", NULL));
	g_assert_true(has_problem(v, "'ok' skipped", NULL));
	g_assert_cmpuint(v->streams->len, ==, 0);
	ms_validated_free(v);
	g_list_free_full(tree.list, node_free);
}

static void test_bad_general(void)
{
	ms_validated *v = read_text(
		"general: {\n"
		"\tmax_slots = 0\n"
		"\tdisconnect_grace = -1\n"
		"\tsource_linger = \"abc\"\n"
		"\tsource_timeout = 1.5\n"
		"\tevents = \"yes\"\n"
		"\tcolour = \"red\"\n"
		"\tffmpeg = \"\"\n"
		"\tmax_sessions = 0x10\n"
		"\tRTCP_Timeout = \"7\"\n"
		"}\n"
		"streams: { camera1 = \"rtp://127.0.0.1:5004\" }\n"
		"extra = 1\n");
	g_assert_cmpuint(v->settings.max_slots, ==, 9);
	g_assert_cmpuint(v->settings.disconnect_grace, ==, 10);
	g_assert_cmpuint(v->settings.source_linger, ==, 5);
	g_assert_cmpuint(v->settings.source_timeout, ==, 2);
	g_assert_true(v->settings.events);
	g_assert_cmpstr(v->settings.ffmpeg, ==, "ffmpeg");
	g_assert_cmpuint(v->settings.max_sessions, ==, 16);
	g_assert_cmpuint(v->settings.rtcp_timeout, ==, 7);
	g_assert_true(has_problem(v, "main.jcfg: general.max_slots must be a number in 1..64 (default 9 kept)", NULL));
	g_assert_true(has_problem(v, "general.disconnect_grace must be", NULL));
	g_assert_true(has_problem(v, "general.source_linger must be", NULL));
	g_assert_true(has_problem(v, "general.source_timeout must be", NULL));
	g_assert_true(has_problem(v, "general.events has a bad value", NULL));
	g_assert_true(has_problem(v, "general.ffmpeg has a bad value", NULL));
	g_assert_true(has_problem(v, "general.colour is not a setting", NULL));
	g_assert_true(has_problem(v, "extra is not a section", NULL));
	g_assert_cmpuint(v->problems->len, ==, 8);
	g_assert_cmpuint(v->streams->len, ==, 1);
	ms_validated_free(v);
	v = read_text("General: { Max_Slots = 5 }\nStreams: { camera1 = \"rtp://127.0.0.1:5004\" }\n");
	g_assert_cmpuint(v->settings.max_slots, ==, 5);
	g_assert_cmpuint(v->streams->len, ==, 1);
	g_assert_cmpuint(v->problems->len, ==, 0);
	ms_validated_free(v);
	v = read_text("general = 5\nstreams = \"nope\"\n");
	g_assert_true(has_problem(v, "general must be a group", NULL));
	g_assert_true(has_problem(v, "streams must be a group", NULL));
	ms_validated_free(v);
}

static void test_max_slots_range(void)
{
	ms_validated *v = read_text("general: { max_slots = 1000 }\n");
	g_assert_cmpuint(v->settings.max_slots, ==, 9);
	g_assert_true(has_problem(v, "general.max_slots", NULL));
	ms_validated_free(v);
	v = read_text("general: { max_slots = 64 }\n");
	g_assert_cmpuint(v->settings.max_slots, ==, 64);
	g_assert_cmpuint(v->problems->len, ==, 0);
	ms_validated_free(v);
	v = read_text("general: { max_slots = 9999999999 }\n");	/* a 64-bit integer */
	g_assert_cmpuint(v->settings.max_slots, ==, 9);
	g_assert_true(has_problem(v, "general.max_slots", NULL));
	ms_validated_free(v);
	/* under 100 % would probe rounds that step nothing up */
	v = read_text("general: { auto_probe_above = 99 }\n");
	g_assert_cmpuint(v->settings.auto_probe_above, ==, 150);
	g_assert_true(has_problem(v, "general.auto_probe_above", NULL));
	ms_validated_free(v);
}

/* The streams folder: each file holds only a streams group; names are
 * unique across files (the first wins); variants may name a parent of
 * another file; a file that could not be parsed costs only its own
 * streams, and what may be a quality of one of them. */
static void test_folder(void)
{
	janus_config *main_tree = must_parse(
		"general: { max_slots = 4 }\n"
		"streams: {\n"
		"\tcamera1 = \"rtp://127.0.0.1:5004\"\n"
		"\tvault: { source = \"rtp://127.0.0.1:5006\", secret = \"v\" }\n"
		"}\n");
	janus_config *a = must_parse(
		"streams: {\n"
		"\tcamera2 = \"rtp://127.0.0.1:5008\"\n"
		"\tCamera1 = \"rtp://127.0.0.1:5010\"\n"		/* duplicate of the main file's */
		"\tcamera1-low = \"ffmpeg:camera1#video=h264#height=120\"\n"
		"\tvault-hd = \"rtp://127.0.0.1:5012\"\n"		/* a quality of vault: fine */
		"\tbad: { source = \"rtp://127.0.0.1:5014\", secert = \"x\" }\n"
		"}\n"
		"general: { max_slots = 2 }\n");			/* not in a folder file */
	janus_config *b = must_parse(
		"streams: {\n"
		"\tbad = \"rtp://127.0.0.1:5016\"\n"		/* skipped in a.jcfg: still a duplicate */
		"\tbad-hd = \"rtp://127.0.0.1:5018\"\n"		/* a quality of a skipped stream */
		"\tcamera3 = \"rtp://127.0.0.1:5020\"\n"
		"}\n");
	const ms_config_file files[] = { { "d/a.jcfg", a }, { "d/b.jcfg", b } };
	ms_validated *v = ms_validate(main_tree, "main.jcfg", files, G_N_ELEMENTS(files));
	g_assert_cmpuint(v->settings.max_slots, ==, 4);
	g_assert_true(has_problem(v, "d/a.jcfg: general ignored: this file may only hold streams", NULL));
	g_assert_true(has_problem(v, "d/a.jcfg: stream 'Camera1' skipped: duplicate name (first in main.jcfg)", NULL));
	g_assert_true(has_problem(v, "d/a.jcfg: stream 'bad' skipped: unknown key", NULL));
	g_assert_true(has_problem(v, "d/b.jcfg: stream 'bad' skipped: duplicate name (first in d/a.jcfg)", NULL));
	g_assert_true(has_problem(v, "d/b.jcfg: stream 'bad-hd' skipped: stream 'bad' it is a quality of", NULL));
	g_assert_cmpuint(v->problems->len, ==, 5);
	const char *want[] = { "camera1", "vault", "camera2", "camera1-low", "vault-hd", "camera3" };
	g_assert_cmpuint(v->streams->len, ==, G_N_ELEMENTS(want));
	for(guint i = 0; i < G_N_ELEMENTS(want); i++)
		g_assert_cmpstr(((ms_stream_def *)g_ptr_array_index(v->streams, i))->name, ==, want[i]);
	g_assert_cmpint(stream(v, "camera1")->url->port, ==, 5004);
	g_assert_cmpstr(stream(v, "camera2")->file, ==, "d/a.jcfg");
	ms_validated_free(v);

	/* A file that could not be parsed: the others load; a stream named as a
	 * quality of a stream that is not configured might be one of that file's:
	 * it is skipped (not an ffmpeg: variant, whose parent is checked anyway) */
	janus_config *c = must_parse(
		"streams: {\n"
		"\tsafe-hd = \"rtp://127.0.0.1:5022\"\n"		/* "safe" may be in the broken file */
		"\tcamera1-side = \"rtp://127.0.0.1:5024\"\n"	/* camera1 is configured: fine */
		"\tsafe-low = \"ffmpeg:camera1#video=h264#height=120\"\n"	/* fine */
		"\tcamera4 = \"rtp://127.0.0.1:5026\"\n"
		"}\n");
	const ms_config_file broken[] = { { "d/a.jcfg", NULL }, { "d/c.jcfg", c } };
	v = ms_validate(main_tree, "main.jcfg", broken, G_N_ELEMENTS(broken));
	g_assert_true(has_problem(v, "d/c.jcfg: stream 'safe-hd' skipped: it may be a quality of a stream 'safe' in d/a.jcfg", NULL));
	g_assert_cmpuint(v->problems->len, ==, 1);
	g_assert_null(stream(v, "safe-hd"));
	g_assert_nonnull(stream(v, "camera1-side"));
	g_assert_nonnull(stream(v, "safe-low"));
	g_assert_nonnull(stream(v, "camera4"));
	g_assert_cmpuint(v->streams->len, ==, 5);
	ms_validated_free(v);
	/* Without a broken file the same stream loads */
	v = ms_validate(main_tree, "main.jcfg", broken + 1, 1);
	g_assert_nonnull(stream(v, "safe-hd"));
	g_assert_cmpuint(v->problems->len, ==, 0);
	ms_validated_free(v);
	tree_free(c);
	tree_free(b);
	tree_free(a);
	tree_free(main_tree);
}

/* The commented sample documents every option: it must load cleanly. */
static void test_sample(void)
{
	char *dir = g_path_get_dirname(__FILE__);
	char *path = g_build_filename(dir, "..", "..", "conf", "janus.plugin.multistream.jcfg.sample", NULL);
	gchar *text = NULL;
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	ms_validated *v = read_text(text);
	for(guint i = 0; i < v->problems->len; i++)
		g_test_message("%s", (char *)g_ptr_array_index(v->problems, i));
	g_assert_cmpuint(v->problems->len, ==, 0);
	g_assert_nonnull(stream(v, "camera1-720p"));
	g_assert_cmpstr(stream(v, "vault")->secret, ==, "change-me-too");
	g_assert_true(stream(v, "entrance")->preload);
	g_assert_cmpuint(v->settings.max_slots, ==, 9);
	ms_validated_free(v);
	g_free(text);
	g_free(path);
	g_free(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ms/cfg/defaults", test_defaults);
	g_test_add_func("/ms/cfg/good", test_good);
	g_test_add_func("/ms/cfg/bad-entries", test_bad_entries);
	g_test_add_func("/ms/cfg/duplicates", test_duplicates);
	g_test_add_func("/ms/cfg/fail-closed", test_fail_closed);
	g_test_add_func("/ms/cfg/hand-built", test_hand_built);
	g_test_add_func("/ms/cfg/bad-general", test_bad_general);
	g_test_add_func("/ms/cfg/max-slots-range", test_max_slots_range);
	g_test_add_func("/ms/cfg/folder", test_folder);
	g_test_add_func("/ms/cfg/sample", test_sample);
	return g_test_run();
}
