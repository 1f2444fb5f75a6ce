/* test_jcfg.c: the tolerant .jcfg reader: values, lines, duplicates, and
 * each kind of error with its line and name, the entries around it kept. */
#include <string.h>
#include <glib.h>
#include "ms_jcfg.h"

static ms_jcfg *parse(const char *text)
{
	ms_jcfg *cfg = ms_jcfg_parse(text, strlen(text));
	g_assert_nonnull(cfg);
	return cfg;
}

/* The value of a scalar at a dotted path from the root, checking its type */
static const char *value_at(const ms_jcfg *cfg, const char *path, ms_jcfg_type type)
{
	char **parts = g_strsplit(path, ".", -1);
	const ms_jcfg_setting *s = ms_jcfg_root(cfg);
	for(guint i = 0; parts[i] != NULL && s != NULL; i++)
		s = ms_jcfg_get(s, parts[i]);
	g_strfreev(parts);
	if(s == NULL)
		g_error("no setting %s", path);
	g_assert_cmpstr(ms_jcfg_type_name(ms_jcfg_kind(s)), ==, ms_jcfg_type_name(type));
	return ms_jcfg_value(s);
}

static const ms_jcfg_setting *at(const ms_jcfg *cfg, const char *group, const char *name)
{
	const ms_jcfg_setting *g = ms_jcfg_get(ms_jcfg_root(cfg), group);
	return name ? ms_jcfg_get(g, name) : g;
}

static void expect_error(const ms_jcfg *cfg, guint i, int line, const char *name,
		const char *message_part)
{
	int l = 0;
	const char *n = NULL, *m = NULL;
	g_assert_true(ms_jcfg_error(cfg, i, &l, &n, &m));
	if(g_test_verbose())
		g_test_message("error %u: line %d [%s] %s", i, l, n, m);
	g_assert_cmpint(l, ==, line);
	g_assert_cmpstr(n, ==, name);
	if(strstr(m, message_part) == NULL)
		g_error("error %u: \"%s\" lacks \"%s\"", i, m, message_part);
}

static const char *plugin_config =
	"# multistream\n"						/* 1 */
	"general: {\n"							/* 2 */
	"\tmax_slots = 9\n"						/* 3 */
	"\tsource_timeout = 2;\n"					/* 4 */
	"\tevents = true\n"						/* 5 */
	"\tffmpeg = \"/usr/bin/ffmpeg\"\n"				/* 6 */
	"\tgop_age = 1.5\n"						/* 7 */
	"}\n"								/* 8 */
	"\n"								/* 9 */
	"streams: {\n"							/* 10 */
	"\tcamera1 = \"rtsp://admin:pw@192.168.1.10:554/stream1\"\n"	/* 11 */
	"\tcamera1-360p = \"ffmpeg:camera1#video=h264#height=360\"\n"	/* 12 */
	"\tlobby = \"rtp://127.0.0.1:5004\"\n"			/* 13 */
	"\tentrance: {\n"						/* 14 */
	"\t\tsource = \"rtsp://viewer:secret@192.168.1.12/h264\"\n"	/* 15 */
	"\t\tpreload = TRUE\n"						/* 16 */
	"\t\tsecret = \"adminpwd\"\n"					/* 17 */
	"\t}\n"								/* 18 */
	"}\n";								/* 19 */

static void test_plugin_config(void)
{
	ms_jcfg *cfg = parse(plugin_config);
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 0);
	g_assert_cmpuint(ms_jcfg_count(ms_jcfg_root(cfg)), ==, 2);
	g_assert_cmpstr(value_at(cfg, "general.max_slots", MS_JCFG_INT), ==, "9");
	g_assert_cmpstr(value_at(cfg, "general.source_timeout", MS_JCFG_INT), ==, "2");
	g_assert_cmpstr(value_at(cfg, "general.events", MS_JCFG_BOOL), ==, "true");
	g_assert_cmpstr(value_at(cfg, "general.ffmpeg", MS_JCFG_STRING), ==, "/usr/bin/ffmpeg");
	g_assert_cmpstr(value_at(cfg, "general.gop_age", MS_JCFG_FLOAT), ==, "1.5");
	const ms_jcfg_setting *streams = at(cfg, "streams", NULL);
	g_assert_cmpint(ms_jcfg_kind(streams), ==, MS_JCFG_GROUP);
	g_assert_null(ms_jcfg_value(streams));
	g_assert_cmpuint(ms_jcfg_count(streams), ==, 4);
	g_assert_cmpstr(ms_jcfg_name(ms_jcfg_child(streams, 1)), ==, "camera1-360p");
	g_assert_cmpstr(value_at(cfg, "streams.camera1", MS_JCFG_STRING), ==,
		"rtsp://admin:pw@192.168.1.10:554/stream1");
	g_assert_cmpstr(value_at(cfg, "streams.entrance.source", MS_JCFG_STRING), ==,
		"rtsp://viewer:secret@192.168.1.12/h264");
	g_assert_cmpstr(value_at(cfg, "streams.entrance.preload", MS_JCFG_BOOL), ==, "true");
	g_assert_cmpstr(value_at(cfg, "streams.entrance.secret", MS_JCFG_STRING), ==, "adminpwd");
	g_assert_null(ms_jcfg_get(streams, "camera2"));
	g_assert_null(ms_jcfg_child(streams, 4));
	g_assert_null(ms_jcfg_get(at(cfg, "streams", "lobby"), "x"));
	g_assert_false(ms_jcfg_error(cfg, 0, NULL, NULL, NULL));
	ms_jcfg_free(cfg);
}

static void test_lines(void)
{
	ms_jcfg *cfg = parse(plugin_config);
	static const struct { const char *group, *name; int line; } want[] = {
		{ "general", NULL, 2 }, { "general", "max_slots", 3 },
		{ "general", "source_timeout", 4 }, { "general", "events", 5 },
		{ "general", "ffmpeg", 6 }, { "general", "gop_age", 7 },
		{ "streams", NULL, 10 }, { "streams", "camera1", 11 },
		{ "streams", "camera1-360p", 12 }, { "streams", "lobby", 13 },
		{ "streams", "entrance", 14 },
	};
	for(guint i = 0; i < G_N_ELEMENTS(want); i++)
		g_assert_cmpint(ms_jcfg_line(at(cfg, want[i].group, want[i].name)), ==, want[i].line);
	g_assert_cmpint(ms_jcfg_line(ms_jcfg_get(at(cfg, "streams", "entrance"), "secret")), ==, 17);
	g_assert_cmpint(ms_jcfg_line(ms_jcfg_root(cfg)), ==, 0);
	ms_jcfg_free(cfg);
	/* CRLF files and a block comment spanning lines */
	cfg = parse("a = 1\r\n/* one\r\n two */ b = 2\r\n\r\nc = \"x\"\r\n");
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 0);
	g_assert_cmpint(ms_jcfg_line(ms_jcfg_get(ms_jcfg_root(cfg), "b")), ==, 3);
	g_assert_cmpint(ms_jcfg_line(ms_jcfg_get(ms_jcfg_root(cfg), "c")), ==, 5);
	ms_jcfg_free(cfg);
}

static void test_duplicates(void)
{
	ms_jcfg *cfg = parse(
		"streams: {\n"
		"\tcam = \"rtsp://a\"\n"
		"\tdoor = \"rtsp://d\"\n"
		"\tcam = \"rtsp://b\"\n"
		"\tcam: { source = \"rtsp://c\" }\n"
		"}\n");
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 0);
	const ms_jcfg_setting *streams = at(cfg, "streams", NULL);
	g_assert_cmpuint(ms_jcfg_count(streams), ==, 4);
	static const int lines[] = { 2, 3, 4, 5 };
	for(guint i = 0; i < 4; i++)
		g_assert_cmpint(ms_jcfg_line(ms_jcfg_child(streams, i)), ==, lines[i]);
	g_assert_cmpstr(ms_jcfg_value(ms_jcfg_child(streams, 0)), ==, "rtsp://a");
	g_assert_cmpstr(ms_jcfg_value(ms_jcfg_child(streams, 2)), ==, "rtsp://b");
	g_assert_cmpint(ms_jcfg_kind(ms_jcfg_child(streams, 3)), ==, MS_JCFG_GROUP);
	g_assert_true(ms_jcfg_get(streams, "cam") == ms_jcfg_child(streams, 0));
	ms_jcfg_free(cfg);
}

/* One bad line among good ones: the error, and both neighbours kept. */
static void check_one_error(const char *bad_line, const char *name, const char *message_part)
{
	char *text = g_strdup_printf("streams: {\n\tbefore = \"rtsp://a\"\n%s\n"
		"\tafter = \"rtsp://b\"\n}\nlast = 1\n", bad_line);
	ms_jcfg *cfg = parse(text);
	if(g_test_verbose())
		g_test_message("input: %s", bad_line);
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 1);
	expect_error(cfg, 0, 3, name, message_part);
	g_assert_cmpstr(value_at(cfg, "streams.before", MS_JCFG_STRING), ==, "rtsp://a");
	g_assert_cmpstr(value_at(cfg, "streams.after", MS_JCFG_STRING), ==, "rtsp://b");
	g_assert_cmpint(ms_jcfg_line(at(cfg, "streams", "after")), ==, 4);
	g_assert_cmpstr(value_at(cfg, "last", MS_JCFG_INT), ==, "1");
	g_assert_cmpuint(ms_jcfg_count(at(cfg, "streams", NULL)), ==, 2);
	ms_jcfg_free(cfg);
	g_free(text);
}

static void test_error_bad_name(void)
{
	check_one_error("\t1cam = \"rtsp://x\"", "streams", "bad setting name '1cam'");
	check_one_error("\tcam.1 = \"rtsp://x\"", "streams", "bad setting name 'cam.1'");
	check_one_error("\t_cam = \"rtsp://x\"", "streams", "bad setting name '_cam'");
	check_one_error("\ttrue = 1", "streams", "bad setting name 'true'");
	/* (after a string value, a string on the next line would continue it) */
	ms_jcfg *cfg = parse("a = 1\n\"cam\" = \"rtsp://x\"\nb = 2\n");
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 1);
	expect_error(cfg, 0, 2, "", "expected a setting name, found a string");
	g_assert_cmpuint(ms_jcfg_count(ms_jcfg_root(cfg)), ==, 2);
	ms_jcfg_free(cfg);
}

static void test_error_missing_equals(void)
{
	check_one_error("\tcam \"rtsp://x\"", "streams.cam", "missing '=' after 'cam'");
	check_one_error("\tcam", "streams.cam", "missing '='");
	check_one_error("\tcam = ;", "streams.cam", "missing value");
	check_one_error("\tcam =", "streams.cam", "missing value");
}

static void test_error_unterminated_string(void)
{
	check_one_error("\tcam = \"rtsp://x", "streams.cam", "string not closed");
	check_one_error("\tcam = \"rtsp://x\\\"", "streams.cam", "string not closed");
	check_one_error("\tcam = \"a\" \"b", "streams.cam", "string not closed");
}

static void test_error_bad_number(void)
{
	check_one_error("\tport = 12x", "streams.port", "bad number");
	check_one_error("\tport = 0x", "streams.port", "bad number");
	check_one_error("\tport = 1.2.3", "streams.port", "bad number");
	check_one_error("\tport = -", "streams.port", "bad number");
	check_one_error("\tport = 99999999999999999999", "streams.port", "out of 64-bit range");
	check_one_error("\tport = 0x1FFFFFFFFFFFFFFFF", "streams.port", "out of 64-bit range");
	check_one_error("\tcam = rtsp://x", "streams.cam", "strings need double quotes");
	/* a bare value is never echoed: it may be a secret or a camera URL */
	check_one_error("\tsecret = s3cretWord", "streams.secret", "strings need double quotes");
	ms_jcfg *bare = parse("streams: {\n\tcam = rtsp://u:pw9Zq@h/x\n\tsecret = s3cretWord x\n}\n");
	for(guint i = 0; i < ms_jcfg_error_count(bare); i++) {
		const char *msg = NULL;
		g_assert_true(ms_jcfg_error(bare, i, NULL, NULL, &msg));
		g_assert_null(strstr(msg, "pw9Zq"));
		g_assert_null(strstr(msg, "s3cretWord"));
	}
	ms_jcfg_free(bare);
}

static void test_error_stray_char(void)
{
	check_one_error("\tcam = @x", "streams.cam", "unexpected character '@'");
	check_one_error("\t@include \"x\"", "streams", "unexpected character '@'");
	check_one_error("\t;; cam = 1", "streams", "unexpected ';'");
	check_one_error("\t= 1", "streams", "unexpected '='");
	check_one_error("\t) x = 1", "streams", "unexpected ')'");
	check_one_error("\tx = 1 @", "streams.x", "unexpected character '@'");
	check_one_error("\tcam = \"a\" \xc3\xa9", "streams.cam", "unexpected byte 0xC3");
	check_one_error("\tcam\x01 = 1", "streams.cam", "unexpected byte 0x01");
}

static void test_error_in_subgroup(void)
{
	/* The camera group keeps its good settings; the path names it */
	ms_jcfg *cfg = parse(
		"streams: {\n"
		"\tdoor: {\n"
		"\t\tsource = rtsp://x\n"
		"\t\tpreload = true\n"
		"\t}\n"
		"\tyard: { source = \"rtsp://y\"; port = 5x; secret = \"s\" }\n"
		"\tgate = \"rtsp://g\"\n"
		"}\n");
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 2);
	expect_error(cfg, 0, 3, "streams.door.source", "strings need double quotes");
	expect_error(cfg, 1, 6, "streams.yard.port", "bad number");
	g_assert_cmpstr(value_at(cfg, "streams.door.preload", MS_JCFG_BOOL), ==, "true");
	g_assert_null(ms_jcfg_get(at(cfg, "streams", "door"), "source"));
	/* the rest of yard's line is skipped up to its '}', the group closes */
	g_assert_cmpstr(value_at(cfg, "streams.yard.source", MS_JCFG_STRING), ==, "rtsp://y");
	g_assert_null(ms_jcfg_get(at(cfg, "streams", "yard"), "secret"));
	g_assert_cmpstr(value_at(cfg, "streams.gate", MS_JCFG_STRING), ==, "rtsp://g");
	ms_jcfg_free(cfg);
}

static void test_error_many(void)
{
	/* A bad line whose group spans lines is skipped whole */
	ms_jcfg *cfg = parse(
		"a = 1\n"
		"b = \"x\n"
		"c = 2\n"
		"d.1 = { x = 1\n"
		"  y = 2 }\n"
		"e = 3\n"
		"f g\n"
		"h = 4\n"
		"list = (1, 2 3, 4,\n"
		"  5 )\n"
		"i = 5\n");
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 4);
	expect_error(cfg, 0, 2, "b", "string not closed");
	expect_error(cfg, 1, 4, "", "bad setting name 'd.1'");
	expect_error(cfg, 2, 7, "f", "missing '=' after 'f'");
	expect_error(cfg, 3, 9, "list", "missing ',' before '3'");
	static const char *names[] = { "a", "c", "e", "h", "list", "i" };
	const ms_jcfg_setting *root = ms_jcfg_root(cfg);
	g_assert_cmpuint(ms_jcfg_count(root), ==, G_N_ELEMENTS(names));
	for(guint i = 0; i < G_N_ELEMENTS(names); i++)
		g_assert_cmpstr(ms_jcfg_name(ms_jcfg_child(root, i)), ==, names[i]);
	const ms_jcfg_setting *list = ms_jcfg_get(root, "list");
	g_assert_cmpuint(ms_jcfg_count(list), ==, 3);
	g_assert_cmpstr(ms_jcfg_value(ms_jcfg_child(list, 2)), ==, "5");
	ms_jcfg_free(cfg);
}

static void test_error_nul(void)
{
	static const char text[] = "a = 1\nb = \"x\0y\"\nc\0 = 2\nd = \"\\x00\"\ne = 3\n";
	ms_jcfg *cfg = ms_jcfg_parse(text, sizeof(text) - 1);
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 3);
	expect_error(cfg, 0, 2, "b", "NUL byte in a string");
	expect_error(cfg, 1, 3, "c", "NUL byte");
	expect_error(cfg, 2, 4, "d", "\\x00");
	g_assert_cmpuint(ms_jcfg_count(ms_jcfg_root(cfg)), ==, 2);
	g_assert_cmpstr(value_at(cfg, "e", MS_JCFG_INT), ==, "3");
	ms_jcfg_free(cfg);
}

static void test_hyphen_names(void)
{
	ms_jcfg *cfg = parse("camera1-360p = \"x\"\n*star_1-x* : 2\nfront-door-720p = { a-b = -1 }\n");
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 0);
	g_assert_cmpstr(value_at(cfg, "camera1-360p", MS_JCFG_STRING), ==, "x");
	g_assert_cmpstr(value_at(cfg, "*star_1-x*", MS_JCFG_INT), ==, "2");
	g_assert_cmpstr(value_at(cfg, "front-door-720p.a-b", MS_JCFG_INT), ==, "-1");
	ms_jcfg_free(cfg);
}

static void test_escapes(void)
{
	ms_jcfg *cfg = parse(
		"a = \"q\\\"b\\\\n\\nt\\tr\\rf\\f\"\n"
		"h = \"\\x41\\X7a-\\x4\"\n"
		"p = \"C:\\path\"\n"
		"c = \"con\" \"cat\"\n"
		"  \"enated\" # comment between parts\n"
		"e = \"\"\n");
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 0);
	g_assert_cmpstr(value_at(cfg, "a", MS_JCFG_STRING), ==, "q\"b\\n\nt\tr\rf\f");
	g_assert_cmpstr(value_at(cfg, "h", MS_JCFG_STRING), ==, "Az-\\x4");
	g_assert_cmpstr(value_at(cfg, "p", MS_JCFG_STRING), ==, "C:\\path");
	g_assert_cmpstr(value_at(cfg, "c", MS_JCFG_STRING), ==, "concatenated");
	g_assert_cmpint(ms_jcfg_line(ms_jcfg_get(ms_jcfg_root(cfg), "e")), ==, 6);
	g_assert_cmpstr(value_at(cfg, "e", MS_JCFG_STRING), ==, "");
	ms_jcfg_free(cfg);
}

static void test_comments(void)
{
	ms_jcfg *cfg = parse(
		"# hash \"not a string\n"
		"a = 1 // slashes { (\n"
		"/* block\n"
		"   b = 2 } */ c = 3 /* inline */ ; d = \"# not // a /* comment\"\n"
		"e = 4 /* never closed\n"
		"f = 5\n");
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 1);
	expect_error(cfg, 0, 5, "", "comment not closed");
	g_assert_cmpuint(ms_jcfg_count(ms_jcfg_root(cfg)), ==, 4);
	g_assert_null(ms_jcfg_get(ms_jcfg_root(cfg), "b"));
	g_assert_cmpint(ms_jcfg_line(ms_jcfg_get(ms_jcfg_root(cfg), "c")), ==, 4);
	g_assert_cmpstr(value_at(cfg, "d", MS_JCFG_STRING), ==, "# not // a /* comment");
	g_assert_cmpstr(value_at(cfg, "e", MS_JCFG_INT), ==, "4");
	ms_jcfg_free(cfg);
}

static void test_numbers(void)
{
	ms_jcfg *cfg = parse(
		"i = -42, h = 0x1F; l = 10L\nll = +7LL\nhl = 0xffL\n"
		"f = 1.5e3\ng = -.5\nk = 2E-2\nm = 3.\n"
		"t = True\nu = FALSE\nmax = 9223372036854775807\nmin = -9223372036854775808\n");
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 0);
	static const struct { const char *name, *value; ms_jcfg_type type; } want[] = {
		{ "i", "-42", MS_JCFG_INT }, { "h", "0x1F", MS_JCFG_INT },
		{ "l", "10L", MS_JCFG_INT }, { "ll", "+7LL", MS_JCFG_INT },
		{ "hl", "0xffL", MS_JCFG_INT }, { "f", "1.5e3", MS_JCFG_FLOAT },
		{ "g", "-.5", MS_JCFG_FLOAT }, { "k", "2E-2", MS_JCFG_FLOAT },
		{ "m", "3.", MS_JCFG_FLOAT }, { "t", "true", MS_JCFG_BOOL },
		{ "u", "false", MS_JCFG_BOOL },
		{ "max", "9223372036854775807", MS_JCFG_INT },
		{ "min", "-9223372036854775808", MS_JCFG_INT },
	};
	for(guint i = 0; i < G_N_ELEMENTS(want); i++)
		g_assert_cmpstr(value_at(cfg, want[i].name, want[i].type), ==, want[i].value);
	ms_jcfg_free(cfg);
	cfg = parse("a = 9223372036854775808\nb = 1e\nc = .\nd = 1LLL\n");
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 4);
	expect_error(cfg, 0, 1, "a", "out of 64-bit range");
	expect_error(cfg, 1, 2, "b", "bad number");
	expect_error(cfg, 2, 3, "c", "bad number");
	expect_error(cfg, 3, 4, "d", "bad number");
	ms_jcfg_free(cfg);
}

static void test_lists(void)
{
	ms_jcfg *cfg = parse(
		"media = (\n"
		"  { type = \"video\"; mid = \"v1\" },\n"
		"  { type = \"audio\" },\n"
		"  ( 1, \"x\" ),\n"
		")\n"
		"ports = [ 5000, 5002, 5004 ]\n"
		"empty = ()\n"
		"bad = [ 1, \"two\", { x = 1 }, 4 ]\n");
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 2);
	expect_error(cfg, 0, 8, "bad[1]", "array of int holds a string");
	expect_error(cfg, 1, 8, "bad[2]", "scalars only");
	const ms_jcfg_setting *media = ms_jcfg_get(ms_jcfg_root(cfg), "media");
	g_assert_cmpint(ms_jcfg_kind(media), ==, MS_JCFG_LIST);
	g_assert_cmpuint(ms_jcfg_count(media), ==, 3);
	const ms_jcfg_setting *v = ms_jcfg_child(media, 0);
	g_assert_cmpstr(ms_jcfg_name(v), ==, "");
	g_assert_cmpint(ms_jcfg_line(v), ==, 2);
	g_assert_cmpstr(ms_jcfg_value(ms_jcfg_get(v, "mid")), ==, "v1");
	g_assert_cmpint(ms_jcfg_kind(ms_jcfg_child(media, 2)), ==, MS_JCFG_LIST);
	const ms_jcfg_setting *ports = ms_jcfg_get(ms_jcfg_root(cfg), "ports");
	g_assert_cmpint(ms_jcfg_kind(ports), ==, MS_JCFG_ARRAY);
	g_assert_cmpuint(ms_jcfg_count(ports), ==, 3);
	g_assert_cmpstr(ms_jcfg_value(ms_jcfg_child(ports, 2)), ==, "5004");
	g_assert_null(ms_jcfg_get(ports, ""));
	g_assert_cmpuint(ms_jcfg_count(ms_jcfg_get(ms_jcfg_root(cfg), "empty")), ==, 0);
	g_assert_cmpuint(ms_jcfg_count(ms_jcfg_get(ms_jcfg_root(cfg), "bad")), ==, 2);
	ms_jcfg_free(cfg);
	/* an error inside a list element's group names the element */
	cfg = parse("media = (\n { mid = 1x }\n)\nnext = 1\n");
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 1);
	expect_error(cfg, 0, 2, "media[0].mid", "bad number");
	g_assert_cmpstr(value_at(cfg, "next", MS_JCFG_INT), ==, "1");
	ms_jcfg_free(cfg);
}

static void test_unclosed(void)
{
	ms_jcfg *cfg = parse("general: {\n\ta = 1\n}\nstreams: {\n\tcam = \"x\"\n\tdoor: {\n\t\tsource = \"y\"\n");
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 2);
	expect_error(cfg, 0, 4, "streams", "group not closed");
	expect_error(cfg, 1, 6, "streams.door", "group not closed");
	g_assert_cmpstr(value_at(cfg, "streams.cam", MS_JCFG_STRING), ==, "x");
	g_assert_cmpstr(value_at(cfg, "streams.door.source", MS_JCFG_STRING), ==, "y");
	ms_jcfg_free(cfg);
	/* a list cut short by the enclosing group's '}' */
	cfg = parse("g: {\n\tl = ( 1, 2\n}\nafter = 1\n");
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 1);
	expect_error(cfg, 0, 2, "g.l", "list not closed");
	g_assert_cmpuint(ms_jcfg_count(at(cfg, "g", "l")), ==, 2);
	g_assert_cmpstr(value_at(cfg, "after", MS_JCFG_INT), ==, "1");
	ms_jcfg_free(cfg);
}

static void test_stray_brace(void)
{
	ms_jcfg *cfg = parse("a = 1\n}\nb = 2\ng: { c = 3 } }\nd = 4\n");
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 2);
	expect_error(cfg, 0, 2, "", "unexpected '}' at top level");
	expect_error(cfg, 1, 4, "", "unexpected '}' at top level");
	g_assert_cmpuint(ms_jcfg_count(ms_jcfg_root(cfg)), ==, 4);
	g_assert_cmpstr(value_at(cfg, "g.c", MS_JCFG_INT), ==, "3");
	g_assert_cmpstr(value_at(cfg, "d", MS_JCFG_INT), ==, "4");
	ms_jcfg_free(cfg);
}

static void test_deep_nesting(void)
{
	/* MS_JCFG_MAX_DEPTH levels are fine, one more is an error */
	GString *ok = g_string_new(NULL);
	for(int i = 0; i < MS_JCFG_MAX_DEPTH; i++)
		g_string_append(ok, "g = { ");
	g_string_append(ok, "leaf = 1 ");
	for(int i = 0; i < MS_JCFG_MAX_DEPTH; i++)
		g_string_append(ok, "} ");
	ms_jcfg *cfg = parse(ok->str);
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 0);
	const ms_jcfg_setting *s = ms_jcfg_root(cfg);
	for(int i = 0; i < MS_JCFG_MAX_DEPTH; i++)
		s = ms_jcfg_get(s, "g");
	g_assert_cmpstr(ms_jcfg_value(ms_jcfg_get(s, "leaf")), ==, "1");
	ms_jcfg_free(cfg);
	g_string_free(ok, TRUE);
	/* a million openers: no stack overflow; the first error is the bound,
	 * then every list left open; the line before is kept */
	GString *deep = g_string_new("a = 1\nx = ");
	GString *name = g_string_new("x");
	for(int i = 0; i < 1000000; i++)
		g_string_append_c(deep, '(');
	for(int i = 0; i < MS_JCFG_MAX_DEPTH; i++)
		g_string_append(name, "[0]");
	g_string_append(deep, "\nb = 2\n");
	cfg = parse(deep->str);
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 1 + MS_JCFG_MAX_DEPTH);
	expect_error(cfg, 0, 2, name->str, "nested deeper than 32");
	g_string_truncate(name, name->len - 3);
	expect_error(cfg, 1, 2, name->str, "list not closed");
	expect_error(cfg, MS_JCFG_MAX_DEPTH, 2, "x", "list not closed");
	g_assert_cmpstr(value_at(cfg, "a", MS_JCFG_INT), ==, "1");
	ms_jcfg_free(cfg);
	g_string_free(deep, TRUE);
	g_string_free(name, TRUE);
	/* deep but closed on its line: skipped whole, the next line kept */
	deep = g_string_new("x = ");
	for(int i = 0; i < 100; i++)
		g_string_append(deep, "{ g = ");
	g_string_append(deep, "1");
	for(int i = 0; i < 100; i++)
		g_string_append(deep, " }");
	g_string_append(deep, "\nb = 2\n");
	cfg = parse(deep->str);
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 1);
	name = g_string_new("x");
	for(int i = 0; i < MS_JCFG_MAX_DEPTH; i++)
		g_string_append(name, ".g");
	expect_error(cfg, 0, 1, name->str, "nested deeper");
	g_string_free(name, TRUE);
	g_assert_cmpstr(value_at(cfg, "b", MS_JCFG_INT), ==, "2");
	ms_jcfg_free(cfg);
	g_string_free(deep, TRUE);
}

static void test_empty(void)
{
	static const char *empties[] = { "", "\n\n", "# only a comment", "/* */", " \t\r\n" };
	for(guint i = 0; i < G_N_ELEMENTS(empties); i++) {
		ms_jcfg *cfg = parse(empties[i]);
		g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 0);
		g_assert_cmpuint(ms_jcfg_count(ms_jcfg_root(cfg)), ==, 0);
		ms_jcfg_free(cfg);
	}
	g_assert_null(ms_jcfg_parse(NULL, 0));
	ms_jcfg_free(NULL);
	g_assert_cmpuint(ms_jcfg_error_count(NULL), ==, 0);
	g_assert_cmpuint(ms_jcfg_count(NULL), ==, 0);
	g_assert_null(ms_jcfg_child(NULL, 0));
	g_assert_null(ms_jcfg_get(NULL, "a"));
	g_assert_cmpstr(ms_jcfg_name(NULL), ==, "");
}

static void test_length(void)
{
	/* exactly len bytes are read: no terminator needed */
	static const char text[] = "a = 12345 b = \"xyz\"";
	ms_jcfg *cfg = ms_jcfg_parse(text, 7);
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 0);
	g_assert_cmpstr(value_at(cfg, "a", MS_JCFG_INT), ==, "123");
	ms_jcfg_free(cfg);
	cfg = ms_jcfg_parse(text, 17);
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 1);
	expect_error(cfg, 0, 1, "b", "string not closed");
	ms_jcfg_free(cfg);
	/* too large: one error, nothing read */
	gsize big = MS_JCFG_MAX_SIZE + 1;
	char *huge = g_malloc0(big);
	cfg = ms_jcfg_parse(huge, big);
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, 1);
	expect_error(cfg, 0, 1, "", "larger than");
	ms_jcfg_free(cfg);
	g_free(huge);
}

static void test_too_many_errors(void)
{
	GString *text = g_string_new(NULL);
	for(int i = 0; i < 3000; i++)
		g_string_append(text, "bad!\n");
	g_string_append(text, "good = 1\n");
	ms_jcfg *cfg = parse(text->str);
	g_assert_cmpuint(ms_jcfg_error_count(cfg), ==, MS_JCFG_MAX_ERRORS + 1);
	expect_error(cfg, MS_JCFG_MAX_ERRORS, 1001, "", "the rest are not reported");
	g_assert_cmpstr(value_at(cfg, "good", MS_JCFG_INT), ==, "1");
	ms_jcfg_free(cfg);
	g_string_free(text, TRUE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ms/jcfg/plugin-config", test_plugin_config);
	g_test_add_func("/ms/jcfg/lines", test_lines);
	g_test_add_func("/ms/jcfg/duplicates", test_duplicates);
	g_test_add_func("/ms/jcfg/error/bad-name", test_error_bad_name);
	g_test_add_func("/ms/jcfg/error/missing-equals", test_error_missing_equals);
	g_test_add_func("/ms/jcfg/error/unterminated-string", test_error_unterminated_string);
	g_test_add_func("/ms/jcfg/error/bad-number", test_error_bad_number);
	g_test_add_func("/ms/jcfg/error/stray-char", test_error_stray_char);
	g_test_add_func("/ms/jcfg/error/in-subgroup", test_error_in_subgroup);
	g_test_add_func("/ms/jcfg/error/many", test_error_many);
	g_test_add_func("/ms/jcfg/error/nul", test_error_nul);
	g_test_add_func("/ms/jcfg/hyphen-names", test_hyphen_names);
	g_test_add_func("/ms/jcfg/escapes", test_escapes);
	g_test_add_func("/ms/jcfg/comments", test_comments);
	g_test_add_func("/ms/jcfg/numbers", test_numbers);
	g_test_add_func("/ms/jcfg/lists", test_lists);
	g_test_add_func("/ms/jcfg/unclosed-group", test_unclosed);
	g_test_add_func("/ms/jcfg/stray-brace", test_stray_brace);
	g_test_add_func("/ms/jcfg/deep-nesting", test_deep_nesting);
	g_test_add_func("/ms/jcfg/empty", test_empty);
	g_test_add_func("/ms/jcfg/length", test_length);
	g_test_add_func("/ms/jcfg/too-many-errors", test_too_many_errors);
	return g_test_run();
}
