/* test_cfg.c: reading and validating the plugin config (ms_cfg). */
#include <string.h>
#include <glib.h>
#include "ms_cfg.h"

static ms_cfg *read_text(const char *text)
{
	return ms_cfg_read(text, strlen(text));
}

/* Is there a problem mentioning every given substring? */
static gboolean has_problem(const ms_cfg *cfg, const char *a, const char *b)
{
	for(guint i = 0; i < cfg->problems->len; i++) {
		const char *p = g_ptr_array_index(cfg->problems, i);
		if(strstr(p, a) != NULL && (b == NULL || strstr(p, b) != NULL))
			return TRUE;
	}
	return FALSE;
}

static const ms_cfg_stream *stream(const ms_cfg *cfg, const char *name)
{
	for(guint i = 0; i < cfg->streams->len; i++) {
		const ms_cfg_stream *st = g_ptr_array_index(cfg->streams, i);
		if(strcmp(st->name, name) == 0)
			return st;
	}
	return NULL;
}

static void test_defaults(void)
{
	ms_cfg *cfg = ms_cfg_read(NULL, 0);
	g_assert_cmpuint(cfg->settings.max_slots, ==, 9);
	g_assert_cmpuint(cfg->settings.disconnect_grace, ==, 10);
	g_assert_cmpuint(cfg->settings.source_linger, ==, 5);
	g_assert_cmpstr(cfg->settings.ffmpeg, ==, "ffmpeg");
	g_assert_true(cfg->settings.events);
	g_assert_null(cfg->settings.admin_key);
	g_assert_cmpuint(cfg->settings.heap_trim_interval, ==, 10);
	g_assert_cmpuint(cfg->streams->len, ==, 0);
	g_assert_cmpuint(cfg->problems->len, ==, 0);
	ms_cfg_free(cfg);
}

static void test_good(void)
{
	ms_cfg *cfg = read_text(
		"general: {\n"
		"\tmax_slots = 4\n"
		"\tdisconnect_grace = 3\n"
		"\tevents = false\n"
		"\tadmin_key = \"k\"\n"
		"\tgop_cache_kb = 512\n"
		"\theap_trim_interval = 0\n"
		"}\n"
		"streams: {\n"
		"\tcamera1 = \"rtsp://admin:pw@10.0.0.1/stream\"\n"
		"\tcamera1-360p = \"ffmpeg:camera1#video=h264#height=360\"\n"
		"\tlobby: { source = \"rtp://127.0.0.1:5004\", preload = true, secret = \"s3\" }\n"
		"\tdoor: { source = \"rtp://127.0.0.1:5006\"; pin = \"1234\" }\n"
		"}\n");
	g_assert_cmpuint(cfg->problems->len, ==, 0);
	g_assert_cmpuint(cfg->settings.max_slots, ==, 4);
	g_assert_cmpuint(cfg->settings.disconnect_grace, ==, 3);
	g_assert_false(cfg->settings.events);
	g_assert_cmpstr(cfg->settings.admin_key, ==, "k");
	g_assert_cmpuint(cfg->settings.gop_cache_bytes, ==, 512 * 1024);
	g_assert_cmpuint(cfg->settings.heap_trim_interval, ==, 0);
	g_assert_cmpuint(cfg->streams->len, ==, 4);
	const ms_cfg_stream *st = stream(cfg, "camera1-360p");
	g_assert_nonnull(st);
	g_assert_cmpint(st->line, ==, 11);
	g_assert_cmpint(st->spec->kind, ==, MS_SOURCE_FFMPEG);
	st = stream(cfg, "lobby");
	g_assert_true(st->preload);
	g_assert_cmpstr(st->secret, ==, "s3");
	g_assert_null(st->pin);
	g_assert_cmpstr(stream(cfg, "door")->pin, ==, "1234");
	ms_cfg_free(cfg);
}

static void test_bad_entries(void)
{
	ms_cfg *cfg = read_text(
		"streams: {\n"
		"\tcamera1 = \"rtp://127.0.0.1:5004\"\n"		/* 2 */
		"\tcamera2 = \"http://bad\"\n"			/* 3: unknown kind */
		"\tcamera1 = \"rtp://127.0.0.1:5006\"\n"		/* 4: duplicate */
		"\tcamera3 = \"ffmpeg:nope#video=h264#height=360\"\n"	/* 5: no parent */
		"\tcamera4 = \"rtsp:///nohost\"\n"			/* 6: bad URL */
		"\tcamera5 = \"rtp://127.0.0.1:99999\"\n"		/* 7: bad port */
		"\tloop-a = \"ffmpeg:loop-b#video=h264#height=240\"\n"	/* 8: cycle */
		"\tloop-b = \"ffmpeg:loop-a#video=h264#height=240\"\n"	/* 9: cycle */
		"\tcamera6 = \"rtp://127.0.0.1:5008\n"		/* 10: unterminated string */
		"\tcamera7: { preload = true }\n"			/* 11: no source */
		"\tcamera8 = 42\n"				/* 12: not a string */
		"\tcamera9 = \"rtp://127.0.0.1:5010\"\n"		/* 13: fine */
		"\tcamera9-hd = \"ffmpeg:camera9#video=h264#height=720\"\n"	/* 14: fine */
		"}\n");
	g_assert_nonnull(stream(cfg, "camera1"));
	g_assert_nonnull(stream(cfg, "camera9"));
	g_assert_nonnull(stream(cfg, "camera9-hd"));
	g_assert_cmpuint(cfg->streams->len, ==, 3);
	g_assert_true(has_problem(cfg, "line 3:", "'camera2'"));
	g_assert_true(has_problem(cfg, "line 4:", "duplicate name (first on line 2)"));
	g_assert_true(has_problem(cfg, "line 5:", "'camera3' skipped: its parent stream is not configured"));
	g_assert_true(has_problem(cfg, "line 6:", "'camera4'"));
	g_assert_true(has_problem(cfg, "line 7:", "'camera5'"));
	g_assert_true(has_problem(cfg, "line 8:", "'loop-a' skipped: variants form a cycle"));
	g_assert_true(has_problem(cfg, "line 9:", "'loop-b' skipped: variants form a cycle"));
	g_assert_true(has_problem(cfg, "line 10:", NULL));
	g_assert_true(has_problem(cfg, "line 11:", "'camera7' skipped: needs a source"));
	g_assert_true(has_problem(cfg, "line 12:", "'camera8'"));
	/* The first camera1 wins */
	g_assert_cmpint(stream(cfg, "camera1")->spec->port, ==, 5004);
	ms_cfg_free(cfg);
}

/* Protection mistakes fail closed: the stream does not load at all,
 * rather than loading unprotected, and neither does what derives from it. */
static void test_fail_closed(void)
{
	ms_cfg *cfg = read_text(
		"general: { admin_key = 1234 }\n"				/* 1 */
		"streams: {\n"
		"\tpinnum: { source = \"rtp://127.0.0.1:5004\", pin = 1234 }\n"	/* 3 */
		"\tbare: { source = \"rtp://127.0.0.1:5006\", secret = s3cret }\n"	/* 4 */
		"\ttypo: { source = \"rtp://127.0.0.1:5008\", secert = \"s3cret\" }\n"	/* 5 */
		"\tempty: { source = \"rtp://127.0.0.1:5010\", secret = \"\" }\n"	/* 6 */
		"\tbool: { source = \"rtp://127.0.0.1:5012\", secret = true }\n"	/* 7 */
		"\ttwice: { source = \"rtp://127.0.0.1:5014\", pin = \"1\", pin = \"2\" }\n"	/* 8 */
		"\tpreloadstr: { source = \"rtp://127.0.0.1:5016\", preload = \"yes\" }\n"	/* 9 */
		"\tpinnum-low = \"ffmpeg:pinnum#video=h264#height=120\"\n"	/* 10: parent skipped */
		"\ttypo-hd = \"rtp://127.0.0.1:5018\"\n"			/* 11: a quality of a skipped stream */
		"\tgood: { source = \"rtp://127.0.0.1:5020\", pin = \"1234\", preload = true }\n"	/* 12 */
		"\tgood-hd = \"rtp://127.0.0.1:5022\"\n"			/* 13: fine */
		"\topen-hd = \"rtp://127.0.0.1:5024\"\n"			/* 14: fine: no stream 'open' */
		"}\n");
	g_assert_true(cfg->settings.admin_locked);
	g_assert_null(cfg->settings.admin_key);
	g_assert_true(has_problem(cfg, "line 1:", "admin requests are refused"));
	g_assert_true(has_problem(cfg, "line 3:", "'pinnum' skipped: secret and pin must be quoted strings"));
	g_assert_true(has_problem(cfg, "'bare' skipped", NULL));
	g_assert_true(has_problem(cfg, "line 5:", "'typo' skipped: unknown key"));
	g_assert_true(has_problem(cfg, "line 6:", "'empty' skipped: secret and pin must not be empty"));
	g_assert_true(has_problem(cfg, "line 7:", "'bool' skipped: secret and pin must be quoted strings"));
	g_assert_true(has_problem(cfg, "line 8:", "'twice' skipped: secret or pin given twice"));
	g_assert_true(has_problem(cfg, "line 9:", "'preloadstr' skipped: preload must be true or false"));
	g_assert_true(has_problem(cfg, "line 10:", "'pinnum-low' skipped"));
	g_assert_true(has_problem(cfg, "line 11:", "'typo-hd' skipped: stream 'typo' it is a quality of was skipped"));
	for(const char **n = (const char *[]){ "pinnum", "bare", "typo", "empty", "bool", "twice", "preloadstr",
			"pinnum-low", "typo-hd", NULL }; *n; n++)
		g_assert_null(stream(cfg, *n));
	g_assert_cmpuint(cfg->streams->len, ==, 3);
	const ms_cfg_stream *good = stream(cfg, "good");
	g_assert_nonnull(good);
	g_assert_cmpstr(good->pin, ==, "1234");
	g_assert_null(good->secret);
	g_assert_true(good->preload);
	g_assert_nonnull(stream(cfg, "good-hd"));
	g_assert_nonnull(stream(cfg, "open-hd"));
	ms_cfg_free(cfg);
	/* An admin_key that is a proper string is used, not locked */
	cfg = read_text("general: { admin_key = \"k\" }\n");
	g_assert_false(cfg->settings.admin_locked);
	g_assert_cmpstr(cfg->settings.admin_key, ==, "k");
	ms_cfg_free(cfg);
}

static void test_bad_general(void)
{
	ms_cfg *cfg = read_text(
		"general: {\n"
		"\tmax_slots = 0\n"
		"\tdisconnect_grace = -1\n"
		"\tsource_linger = \"abc\"\n"
		"\tsource_timeout = 1.5\n"
		"\tevents = \"yes\"\n"
		"\tcolour = \"red\"\n"
		"\tmax_sessions = 0x10\n"
		"}\n"
		"streams: { camera1 = \"rtp://127.0.0.1:5004\" }\n");
	g_assert_cmpuint(cfg->settings.max_slots, ==, 9);
	g_assert_cmpuint(cfg->settings.disconnect_grace, ==, 10);
	g_assert_cmpuint(cfg->settings.source_linger, ==, 5);
	g_assert_cmpuint(cfg->settings.source_timeout, ==, 2);
	g_assert_true(cfg->settings.events);
	g_assert_cmpuint(cfg->settings.max_sessions, ==, 16);
	g_assert_true(has_problem(cfg, "line 2:", "general.max_slots must be a number in 1..64 (default 9 kept)"));
	g_assert_true(has_problem(cfg, "line 3:", "general.disconnect_grace"));
	g_assert_true(has_problem(cfg, "line 4:", "general.source_linger"));
	g_assert_true(has_problem(cfg, "line 5:", "general.source_timeout"));
	g_assert_true(has_problem(cfg, "line 6:", "general.events has a bad value"));
	g_assert_true(has_problem(cfg, "line 7:", "general.colour is not a setting"));
	g_assert_cmpuint(cfg->problems->len, ==, 6);
	g_assert_cmpuint(cfg->streams->len, ==, 1);
	ms_cfg_free(cfg);
}

static void test_max_slots_range(void)
{
	ms_cfg *cfg = read_text("general: { max_slots = 1000 }\n");
	g_assert_cmpuint(cfg->settings.max_slots, ==, 9);
	g_assert_true(has_problem(cfg, "line 1:", "max_slots"));
	ms_cfg_free(cfg);
	cfg = read_text("general: { max_slots = 64 }\n");
	g_assert_cmpuint(cfg->settings.max_slots, ==, 64);
	g_assert_cmpuint(cfg->problems->len, ==, 0);
	ms_cfg_free(cfg);
}

static void test_syntax(void)
{
	/* A broken group and a stray brace still leave the rest */
	ms_cfg *cfg = read_text(
		"general: { max_slots = 5 }\n"
		"}\n"
		"streams: {\n"
		"\tcamera1 = \"rtp://127.0.0.1:5004\"\n"
		"\t@@@ garbage\n"
		"\tcamera2 = \"rtp://127.0.0.1:5006\"\n"
		"}\n");
	g_assert_cmpuint(cfg->settings.max_slots, ==, 5);
	g_assert_nonnull(stream(cfg, "camera1"));
	g_assert_nonnull(stream(cfg, "camera2"));
	g_assert_true(has_problem(cfg, "line 2:", NULL));
	g_assert_true(has_problem(cfg, "line 5:", NULL));
	ms_cfg_free(cfg);
	cfg = read_text("streams = \"nope\"\n");
	g_assert_true(has_problem(cfg, "line 1:", "streams must be a group"));
	ms_cfg_free(cfg);
}

/* The commented sample documents every option: it must load cleanly. */
static void test_sample(void)
{
	char *dir = g_path_get_dirname(__FILE__);
	char *path = g_build_filename(dir, "..", "..", "conf", "janus.plugin.multistream.jcfg.sample", NULL);
	gchar *text = NULL;
	gsize len = 0;
	g_assert_true(g_file_get_contents(path, &text, &len, NULL));
	ms_cfg *cfg = ms_cfg_read(text, len);
	for(guint i = 0; i < cfg->problems->len; i++)
		g_test_message("%s", (char *)g_ptr_array_index(cfg->problems, i));
	g_assert_cmpuint(cfg->problems->len, ==, 0);
	g_assert_nonnull(stream(cfg, "camera1-720p"));
	g_assert_cmpstr(stream(cfg, "vault")->secret, ==, "change-me-too");
	g_assert_true(stream(cfg, "entrance")->preload);
	g_assert_cmpuint(cfg->settings.max_slots, ==, 9);
	ms_cfg_free(cfg);
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
	g_test_add_func("/ms/cfg/fail-closed", test_fail_closed);
	g_test_add_func("/ms/cfg/bad-general", test_bad_general);
	g_test_add_func("/ms/cfg/max-slots-range", test_max_slots_range);
	g_test_add_func("/ms/cfg/syntax", test_syntax);
	g_test_add_func("/ms/cfg/sample", test_sample);
	return g_test_run();
}
