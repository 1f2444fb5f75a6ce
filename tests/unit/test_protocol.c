/* test_protocol.c: ms_protocol parsing, validation, state rules, messages. */
#include <string.h>
#include <glib.h>
#include <jansson.h>
#include "ms_protocol.h"

/* ---------- helpers ---------- */

static ms_error parse(const char *text, gboolean jsep, guint max_slots, ms_request *req)
{
	json_error_t jerr;
	json_t *body = json_loads(text, JSON_DECODE_ANY, &jerr);
	if(body == NULL)
		g_error("bad test JSON %s: %s", text, jerr.text);
	ms_error err = ms_request_parse(body, jsep, max_slots, req);
	json_decref(body);
	return err;
}

typedef struct parse_case {
	const char *json;
	gboolean jsep;
	ms_error want;
	const char *detail;	/* substring expected in req.detail, or NULL */
} parse_case;

static void run_cases(const parse_case *cases, gsize n)
{
	for(gsize i = 0; i < n; i++) {
		ms_request req;
		ms_error err = parse(cases[i].json, cases[i].jsep, 9, &req);
		if(err != cases[i].want)
			g_error("%s: got %d (%s), want %d", cases[i].json, err, req.detail, cases[i].want);
		if(cases[i].detail != NULL && strstr(req.detail, cases[i].detail) == NULL)
			g_error("%s: detail \"%s\" lacks \"%s\"", cases[i].json, req.detail, cases[i].detail);
		if(err != MS_OK)
			g_assert_true(g_utf8_validate(req.detail, -1, NULL));
		ms_request_clear(&req);
	}
}

/* Compare a built message with its expected JSON text. */
static void assert_msg(json_t *msg, const char *expected)
{
	json_t *want = json_loads(expected, 0, NULL);
	g_assert_nonnull(want);
	if(!json_equal(msg, want)) {
		char *got = json_dumps(msg, JSON_SORT_KEYS | JSON_COMPACT);
		g_error("got %s\nwant %s", got, expected);
	}
	json_decref(want);
	json_decref(msg);
}

/* ---------- error strings and names ---------- */

static void test_error_strings(void)
{
	g_assert_cmpstr(ms_error_string(MS_ERR_INVALID_REQUEST), ==, "invalid request");
	g_assert_cmpstr(ms_error_string(MS_ERR_NOT_INITIALIZED), ==, "session not initialized");
	g_assert_cmpstr(ms_error_string(MS_ERR_NO_SESSION), ==, "no active session");
	g_assert_cmpstr(ms_error_string(MS_ERR_INVALID_SLOT), ==, "invalid slot index");
	g_assert_cmpstr(ms_error_string(MS_ERR_TOO_MANY_SLOTS), ==, "too many slots requested");
	g_assert_cmpstr(ms_error_string(MS_ERR_STREAM_NOT_FOUND), ==, "stream not found");
	g_assert_cmpstr(ms_error_string(MS_ERR_INVALID_STATE), ==, "invalid state");
	g_assert_cmpstr(ms_error_string(MS_ERR_UNAUTHORIZED), ==, "unauthorized");
	g_assert_cmpstr(ms_error_string(MS_ERR_CODEC_NOT_SUPPORTED), ==, "codec not supported");
	g_assert_cmpstr(ms_error_string(MS_ERR_INTERNAL), ==, "internal error");
	g_assert_cmpstr(ms_error_string((ms_error)123), ==, "internal error");
}

static void test_names(void)
{
	static const char *names[MS_REQ_COUNT] = {
		"multistream/init", "multistream/offer", "multistream/switch", "multistream/pause",
		"multistream/resume", "multistream/keyframe", "multistream/close", "multistream/streams",
		"multistream/audio", "multistream/hint",
	};
	for(int t = 0; t < MS_REQ_COUNT; t++)
		g_assert_cmpstr(ms_request_name((ms_request_type)t), ==, names[t]);
	g_assert_cmpstr(ms_request_name(MS_REQ_COUNT), ==, "unknown");
	g_assert_cmpstr(ms_request_name((ms_request_type)-1), ==, "unknown");
	g_assert_cmpstr(ms_session_state_name(MS_SESSION_NEW), ==, "new");
	g_assert_cmpstr(ms_session_state_name(MS_SESSION_INITIALIZED), ==, "initialized");
	g_assert_cmpstr(ms_session_state_name(MS_SESSION_NEGOTIATED), ==, "negotiated");
	g_assert_cmpstr(ms_session_state_name(MS_SESSION_CLOSED), ==, "closed");
	g_assert_cmpstr(ms_session_state_name(MS_SESSION_STATE_COUNT), ==, "unknown");
}

/* ---------- shape ---------- */

static void test_shape(void)
{
	static const parse_case cases[] = {
		{ "[]", FALSE, MS_ERR_INVALID_REQUEST, "object" },
		{ "\"multistream/close\"", FALSE, MS_ERR_INVALID_REQUEST, "object" },
		{ "42", FALSE, MS_ERR_INVALID_REQUEST, "object" },
		{ "null", FALSE, MS_ERR_INVALID_REQUEST, "object" },
		{ "{}", FALSE, MS_ERR_INVALID_REQUEST, "type" },
		{ "{\"value\":{}}", FALSE, MS_ERR_INVALID_REQUEST, "type is required" },
		{ "{\"type\":7}", FALSE, MS_ERR_INVALID_REQUEST, "type must be a string" },
		{ "{\"type\":null}", FALSE, MS_ERR_INVALID_REQUEST, "type" },
		{ "{\"type\":\"multistream/nope\"}", FALSE, MS_ERR_INVALID_REQUEST, "multistream/nope" },
		{ "{\"type\":\"MULTISTREAM/CLOSE\"}", FALSE, MS_ERR_INVALID_REQUEST, "unknown type" },
		{ "{\"type\":\"multistream/ice\"}", FALSE, MS_ERR_INVALID_REQUEST, "unknown type" },
		{ "{\"type\":\"multistream/close\",\"value\":[]}", FALSE, MS_ERR_INVALID_REQUEST, "value" },
		{ "{\"type\":\"multistream/close\",\"value\":\"x\"}", FALSE, MS_ERR_INVALID_REQUEST, "value" },
		{ "{\"type\":\"multistream/close\",\"value\":null}", FALSE, MS_ERR_INVALID_REQUEST, "value" },
		{ "{\"type\":\"multistream/close\"}", FALSE, MS_OK, NULL },
		{ "{\"type\":\"multistream/close\",\"value\":{}}", FALSE, MS_OK, NULL },
		{ "{\"type\":\"multistream/close\",\"value\":{\"x\":1},\"extra\":2}", FALSE, MS_OK, NULL },
		{ "{\"type\":\"multistream/streams\"}", FALSE, MS_OK, NULL },
		{ "{\"type\":\"multistream/close\",\"value\":{\"request_id\":1.5}}", FALSE,
			MS_ERR_INVALID_REQUEST, "request_id" },
		{ "{\"type\":\"multistream/close\",\"value\":{\"request_id\":true}}", FALSE,
			MS_ERR_INVALID_REQUEST, "request_id" },
		{ "{\"type\":\"multistream/close\",\"value\":{\"request_id\":null}}", FALSE,
			MS_ERR_INVALID_REQUEST, "request_id" },
		{ "{\"type\":\"multistream/close\",\"value\":{\"request_id\":{}}}", FALSE,
			MS_ERR_INVALID_REQUEST, "request_id" },
	};
	run_cases(cases, G_N_ELEMENTS(cases));
}

static void test_type_with_nul(void)
{
	ms_request req;
	json_t *body = json_pack("{s:s%}", "type", "multistream/close\0x", (size_t)19);
	g_assert_cmpint(ms_request_parse(body, FALSE, 9, &req), ==, MS_ERR_INVALID_REQUEST);
	g_assert_cmpint(req.type, ==, MS_REQ_COUNT);
	ms_request_clear(&req);
	json_decref(body);
}

static void test_request_id(void)
{
	ms_request req;
	g_assert_cmpint(parse("{\"type\":\"multistream/close\",\"value\":{\"request_id\":\"abc\"}}",
		FALSE, 9, &req), ==, MS_OK);
	g_assert_cmpint(req.type, ==, MS_REQ_CLOSE);
	g_assert_cmpstr(json_string_value(req.request_id), ==, "abc");
	/* the body is gone: the request holds its own reference */
	g_assert_cmpint(req.request_id->refcount, ==, 1);
	ms_request_clear(&req);
	g_assert_null(req.request_id);
	ms_request_clear(&req);		/* twice is harmless */

	g_assert_cmpint(parse("{\"type\":\"multistream/close\",\"value\":{\"request_id\":-7}}",
		FALSE, 9, &req), ==, MS_OK);
	g_assert_cmpint(json_integer_value(req.request_id), ==, -7);
	ms_request_clear(&req);

	/* echoed even when the request is refused */
	g_assert_cmpint(parse("{\"type\":\"multistream/what\",\"value\":{\"request_id\":\"r1\"}}",
		FALSE, 9, &req), ==, MS_ERR_INVALID_REQUEST);
	g_assert_cmpstr(json_string_value(req.request_id), ==, "r1");
	g_assert_cmpint(req.type, ==, MS_REQ_COUNT);
	ms_request_clear(&req);
	g_assert_cmpint(parse("{\"type\":\"multistream/switch\",\"value\":{\"request_id\":9,\"slot\":\"0\"}}",
		FALSE, 9, &req), ==, MS_ERR_INVALID_REQUEST);
	g_assert_cmpint(req.type, ==, MS_REQ_SWITCH);
	g_assert_cmpint(json_integer_value(req.request_id), ==, 9);
	ms_request_clear(&req);
	/* type known, value broken: type still set */
	g_assert_cmpint(parse("{\"type\":\"multistream/pause\",\"value\":5}", FALSE, 9, &req),
		==, MS_ERR_INVALID_REQUEST);
	g_assert_cmpint(req.type, ==, MS_REQ_PAUSE);
	ms_request_clear(&req);
}

/* ---------- init ---------- */

static void test_init_ok(void)
{
	ms_request req;
	ms_error err = parse("{\"type\":\"multistream/init\",\"value\":{\"request_id\":\"u1\",\"slots\":["
		"{\"slot\":2,\"stream\":\"camera3\",\"quality\":\"360p\"},"
		"{\"slot\":0,\"stream\":\"camera1\"},"
		"{\"slot\":3,\"stream\":\"camera4\",\"quality\":\"native\"},"
		"{\"slot\":1,\"stream\":\"camera2\",\"quality\":\"\"}]}}", FALSE, 9, &req);
	g_assert_cmpint(err, ==, MS_OK);
	g_assert_cmpint(req.type, ==, MS_REQ_INIT);
	g_assert_cmpuint(req.n_slots, ==, 4);
	static const char *resolved[] = { "camera1", "camera2", "camera3-360p", "camera4" };
	static const char *quality[] = { "", "", "360p", "native" };
	for(int i = 0; i < 4; i++) {
		g_assert_cmpint(req.slots[i].slot, ==, i);
		g_assert_cmpstr(req.slots[i].resolved, ==, resolved[i]);
		g_assert_cmpstr(req.slots[i].quality, ==, quality[i]);
	}
	g_assert_cmpstr(req.slots[2].stream, ==, "camera3");
	ms_request_clear(&req);
	g_assert_null(req.slots);
	g_assert_cmpuint(req.n_slots, ==, 0);
}

static void test_init_max_slots(void)
{
	GString *s = g_string_new("{\"type\":\"multistream/init\",\"value\":{\"slots\":[");
	for(int i = 0; i < 9; i++)
		g_string_append_printf(s, "%s{\"slot\":%d,\"stream\":\"c%d\"}", i ? "," : "", i, i);
	g_string_append(s, "]}}");
	ms_request req;
	g_assert_cmpint(parse(s->str, FALSE, 9, &req), ==, MS_OK);
	g_assert_cmpuint(req.n_slots, ==, 9);
	ms_request_clear(&req);
	g_assert_cmpint(parse(s->str, FALSE, 8, &req), ==, MS_ERR_TOO_MANY_SLOTS);
	g_assert_nonnull(strstr(req.detail, "9"));
	g_assert_null(req.slots);
	ms_request_clear(&req);
	g_string_free(s, TRUE);
}

static void test_init_too_many_slots(void)
{
	/* 484 wins over any per-entry problem */
	static const parse_case cases[] = {
		{ "{\"type\":\"multistream/init\",\"value\":{\"slots\":[1,2,3,4,5,6,7,8,9,10]}}", FALSE,
			MS_ERR_TOO_MANY_SLOTS, "10" },
	};
	run_cases(cases, G_N_ELEMENTS(cases));
}

static void test_init_shape(void)
{
	static const parse_case cases[] = {
		{ "{\"type\":\"multistream/init\"}", FALSE, MS_ERR_INVALID_REQUEST, "slots is required" },
		{ "{\"type\":\"multistream/init\",\"value\":{}}", FALSE, MS_ERR_INVALID_REQUEST, "slots" },
		{ "{\"type\":\"multistream/init\",\"value\":{\"slots\":[]}}", FALSE,
			MS_ERR_INVALID_REQUEST, "empty" },
		{ "{\"type\":\"multistream/init\",\"value\":{\"slots\":{}}}", FALSE,
			MS_ERR_INVALID_REQUEST, "array" },
		{ "{\"type\":\"multistream/init\",\"value\":{\"slots\":3}}", FALSE,
			MS_ERR_INVALID_REQUEST, "array" },
		{ "{\"type\":\"multistream/init\",\"value\":{\"slots\":[\"camera1\"]}}", FALSE,
			MS_ERR_INVALID_REQUEST, "slots[0] must be an object" },
		{ "{\"type\":\"multistream/init\",\"value\":{\"slots\":[{\"stream\":\"c\"}]}}", FALSE,
			MS_ERR_INVALID_REQUEST, "slots[0].slot" },
		{ "{\"type\":\"multistream/init\",\"value\":{\"slots\":[{\"slot\":\"0\",\"stream\":\"c\"}]}}",
			FALSE, MS_ERR_INVALID_REQUEST, "slots[0].slot" },
		{ "{\"type\":\"multistream/init\",\"value\":{\"slots\":[{\"slot\":null,\"stream\":\"c\"}]}}",
			FALSE, MS_ERR_INVALID_REQUEST, "slots[0].slot" },
		{ "{\"type\":\"multistream/init\",\"value\":{\"slots\":[{\"slot\":0}]}}", FALSE,
			MS_ERR_INVALID_REQUEST, "slots[0].stream is required" },
		{ "{\"type\":\"multistream/init\",\"value\":{\"slots\":[{\"slot\":0,\"stream\":5}]}}", FALSE,
			MS_ERR_INVALID_REQUEST, "slots[0].stream must be a string" },
		{ "{\"type\":\"multistream/init\",\"value\":{\"slots\":[{\"slot\":0,\"stream\":\"\"}]}}", FALSE,
			MS_ERR_INVALID_REQUEST, "slots[0].stream must not be empty" },
		{ "{\"type\":\"multistream/init\",\"value\":{\"slots\":[{\"slot\":0,\"stream\":\"c\"},"
			"{\"slot\":1,\"stream\":\"d\",\"quality\":360}]}}", FALSE,
			MS_ERR_INVALID_REQUEST, "slots[1].quality must be a string" },
		{ "{\"type\":\"multistream/init\",\"value\":{\"slots\":[{\"slot\":0,\"stream\":\"c\",\"quality\":null}]}}",
			FALSE, MS_ERR_INVALID_REQUEST, "quality" },
	};
	run_cases(cases, G_N_ELEMENTS(cases));
}

static void test_init_bad_index(void)
{
	static const parse_case cases[] = {
		{ "{\"type\":\"multistream/init\",\"value\":{\"slots\":[{\"slot\":0,\"stream\":\"a\"},"
			"{\"slot\":0,\"stream\":\"b\"}]}}", FALSE, MS_ERR_INVALID_SLOT, "twice" },
		{ "{\"type\":\"multistream/init\",\"value\":{\"slots\":[{\"slot\":0,\"stream\":\"a\"},"
			"{\"slot\":2,\"stream\":\"b\"}]}}", FALSE, MS_ERR_INVALID_SLOT, "0..1" },
		{ "{\"type\":\"multistream/init\",\"value\":{\"slots\":[{\"slot\":1,\"stream\":\"a\"}]}}",
			FALSE, MS_ERR_INVALID_SLOT, NULL },
		{ "{\"type\":\"multistream/init\",\"value\":{\"slots\":[{\"slot\":-1,\"stream\":\"a\"}]}}",
			FALSE, MS_ERR_INVALID_SLOT, NULL },
		{ "{\"type\":\"multistream/init\",\"value\":{\"slots\":[{\"slot\":0.0,\"stream\":\"a\"}]}}",
			FALSE, MS_ERR_INVALID_SLOT, NULL },
		{ "{\"type\":\"multistream/init\",\"value\":{\"slots\":[{\"slot\":0.5,\"stream\":\"a\"}]}}",
			FALSE, MS_ERR_INVALID_SLOT, NULL },
		{ "{\"type\":\"multistream/init\",\"value\":{\"slots\":[{\"slot\":4294967296,\"stream\":\"a\"}]}}",
			FALSE, MS_ERR_INVALID_SLOT, NULL },
		{ "{\"type\":\"multistream/init\",\"value\":{\"slots\":[{\"slot\":9223372036854775807,\"stream\":\"a\"}]}}",
			FALSE, MS_ERR_INVALID_SLOT, NULL },
		{ "{\"type\":\"multistream/init\",\"value\":{\"slots\":[{\"slot\":1e300,\"stream\":\"a\"}]}}",
			FALSE, MS_ERR_INVALID_SLOT, NULL },
	};
	run_cases(cases, G_N_ELEMENTS(cases));
}

static void test_name_lengths(void)
{
	char s127[128], s128[129];
	memset(s127, 'a', 127);
	s127[127] = '\0';
	memset(s128, 'a', 128);
	s128[128] = '\0';
	char *ok = g_strdup_printf("{\"type\":\"multistream/init\",\"value\":{\"slots\":[{\"slot\":0,"
		"\"stream\":\"%s\",\"quality\":\"%s\"}]}}", s127, s127);
	char *long_stream = g_strdup_printf("{\"type\":\"multistream/switch\",\"value\":{\"slot\":0,"
		"\"stream\":\"%s\"}}", s128);
	char *long_quality = g_strdup_printf("{\"type\":\"multistream/switch\",\"value\":{\"slot\":0,"
		"\"stream\":\"a\",\"quality\":\"%s\"}}", s128);
	ms_request req;
	g_assert_cmpint(parse(ok, FALSE, 9, &req), ==, MS_OK);
	g_assert_cmpuint(strlen(req.slots[0].resolved), ==, 255);
	ms_request_clear(&req);
	g_assert_cmpint(parse(long_stream, FALSE, 9, &req), ==, MS_ERR_INVALID_REQUEST);
	g_assert_nonnull(strstr(req.detail, "stream"));
	ms_request_clear(&req);
	g_assert_cmpint(parse(long_quality, FALSE, 9, &req), ==, MS_ERR_INVALID_REQUEST);
	g_assert_nonnull(strstr(req.detail, "quality"));
	ms_request_clear(&req);
	g_free(ok);
	g_free(long_stream);
	g_free(long_quality);
	/* an embedded NUL is refused, not truncated */
	json_t *body = json_pack("{s:s,s:{s:i,s:s%}}", "type", "multistream/switch", "value",
		"slot", 0, "stream", "cam\0era", (size_t)7);
	g_assert_cmpint(ms_request_parse(body, FALSE, 9, &req), ==, MS_ERR_INVALID_REQUEST);
	ms_request_clear(&req);
	json_decref(body);
}

/* ---------- offer ---------- */

static void test_offer(void)
{
	static const parse_case cases[] = {
		{ "{\"type\":\"multistream/offer\",\"value\":{\"sdp\":\"v=0\"}}", FALSE,
			MS_ERR_INVALID_REQUEST, "jsep" },
		{ "{\"type\":\"multistream/offer\"}", FALSE, MS_ERR_INVALID_REQUEST, "jsep" },
		{ "{\"type\":\"multistream/offer\",\"value\":{\"sdp\":\"v=0\"}}", TRUE, MS_OK, NULL },
		{ "{\"type\":\"multistream/offer\",\"value\":{\"sdp\":42}}", TRUE, MS_OK, NULL },
		{ "{\"type\":\"multistream/offer\"}", TRUE, MS_OK, NULL },
		/* a jsep on other requests is ignored */
		{ "{\"type\":\"multistream/close\"}", TRUE, MS_OK, NULL },
	};
	run_cases(cases, G_N_ELEMENTS(cases));
}

/* ---------- slot requests ---------- */

typedef struct slot_case {
	const char *json;
	ms_error want;
	gboolean valid;
	int slot;
} slot_case;

static void test_slot_numbers(void)
{
	static const slot_case cases[] = {
		{ "{\"type\":\"multistream/pause\",\"value\":{\"slot\":0}}", MS_OK, TRUE, 0 },
		{ "{\"type\":\"multistream/pause\",\"value\":{\"slot\":8}}", MS_OK, TRUE, 8 },
		{ "{\"type\":\"multistream/pause\",\"value\":{\"slot\":2147483647}}", MS_OK, TRUE, 2147483647 },
		{ "{\"type\":\"multistream/pause\",\"value\":{\"slot\":2147483648}}", MS_OK, FALSE, 0 },
		{ "{\"type\":\"multistream/pause\",\"value\":{\"slot\":99999999999999}}", MS_OK, FALSE, 0 },
		{ "{\"type\":\"multistream/pause\",\"value\":{\"slot\":-1}}", MS_OK, FALSE, 0 },
		{ "{\"type\":\"multistream/pause\",\"value\":{\"slot\":-2147483649}}", MS_OK, FALSE, 0 },
		{ "{\"type\":\"multistream/pause\",\"value\":{\"slot\":1.5}}", MS_OK, FALSE, 0 },
		{ "{\"type\":\"multistream/pause\",\"value\":{\"slot\":1.0}}", MS_OK, FALSE, 0 },
		{ "{\"type\":\"multistream/pause\",\"value\":{\"slot\":1e300}}", MS_OK, FALSE, 0 },
		{ "{\"type\":\"multistream/pause\",\"value\":{}}", MS_ERR_INVALID_REQUEST, FALSE, 0 },
		{ "{\"type\":\"multistream/pause\"}", MS_ERR_INVALID_REQUEST, FALSE, 0 },
		{ "{\"type\":\"multistream/pause\",\"value\":{\"slot\":\"1\"}}", MS_ERR_INVALID_REQUEST, FALSE, 0 },
		{ "{\"type\":\"multistream/pause\",\"value\":{\"slot\":null}}", MS_ERR_INVALID_REQUEST, FALSE, 0 },
		{ "{\"type\":\"multistream/pause\",\"value\":{\"slot\":true}}", MS_ERR_INVALID_REQUEST, FALSE, 0 },
		{ "{\"type\":\"multistream/pause\",\"value\":{\"slot\":[0]}}", MS_ERR_INVALID_REQUEST, FALSE, 0 },
		{ "{\"type\":\"multistream/keyframe\",\"value\":{\"slot\":-1}}", MS_OK, TRUE, -1 },
		{ "{\"type\":\"multistream/keyframe\",\"value\":{\"slot\":3}}", MS_OK, TRUE, 3 },
		{ "{\"type\":\"multistream/keyframe\",\"value\":{\"slot\":-2}}", MS_OK, FALSE, 0 },
		{ "{\"type\":\"multistream/keyframe\",\"value\":{\"slot\":-1.0}}", MS_OK, FALSE, 0 },
		{ "{\"type\":\"multistream/keyframe\",\"value\":{}}", MS_ERR_INVALID_REQUEST, FALSE, 0 },
		{ "{\"type\":\"multistream/switch\",\"value\":{\"slot\":-1,\"stream\":\"a\"}}", MS_OK, FALSE, 0 },
		{ "{\"type\":\"multistream/switch\",\"value\":{\"slot\":2.5,\"stream\":\"a\"}}", MS_OK, FALSE, 0 },
		{ "{\"type\":\"multistream/resume\",\"value\":{\"slot\":4294967296}}", MS_OK, FALSE, 0 },
	};
	for(gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		ms_request req;
		ms_error err = parse(cases[i].json, FALSE, 9, &req);
		if(err != cases[i].want || (err == MS_OK && (req.slot_valid != cases[i].valid ||
				(req.slot_valid && req.slot != cases[i].slot))))
			g_error("%s: err %d valid %d slot %d", cases[i].json, err, req.slot_valid, req.slot);
		if(err != MS_OK)
			g_assert_nonnull(strstr(req.detail, "slot"));
		ms_request_clear(&req);
	}
}

static void test_switch(void)
{
	ms_request req;
	g_assert_cmpint(parse("{\"type\":\"multistream/switch\",\"value\":{\"request_id\":\"uuid-789\","
		"\"slot\":0,\"stream\":\"camera4\",\"quality\":\"720p\"}}", FALSE, 9, &req), ==, MS_OK);
	g_assert_cmpint(req.type, ==, MS_REQ_SWITCH);
	g_assert_true(req.slot_valid);
	g_assert_cmpint(req.slot, ==, 0);
	g_assert_true(req.has_stream);
	g_assert_cmpstr(req.stream, ==, "camera4");
	g_assert_cmpstr(req.quality, ==, "720p");
	g_assert_cmpstr(req.resolved, ==, "camera4-720p");
	ms_request_clear(&req);
	static const parse_case cases[] = {
		{ "{\"type\":\"multistream/switch\",\"value\":{\"slot\":0}}", FALSE,
			MS_ERR_INVALID_REQUEST, "stream is required" },
		{ "{\"type\":\"multistream/switch\",\"value\":{\"slot\":0,\"stream\":\"\"}}", FALSE,
			MS_ERR_INVALID_REQUEST, "stream must not be empty" },
		{ "{\"type\":\"multistream/switch\",\"value\":{\"slot\":0,\"stream\":[]}}", FALSE,
			MS_ERR_INVALID_REQUEST, "stream must be a string" },
		{ "{\"type\":\"multistream/switch\",\"value\":{\"slot\":0,\"stream\":\"a\",\"quality\":1}}",
			FALSE, MS_ERR_INVALID_REQUEST, "quality must be a string" },
		{ "{\"type\":\"multistream/switch\",\"value\":{\"stream\":\"a\"}}", FALSE,
			MS_ERR_INVALID_REQUEST, "slot is required" },
	};
	run_cases(cases, G_N_ELEMENTS(cases));
}

static void test_resume(void)
{
	ms_request req;
	g_assert_cmpint(parse("{\"type\":\"multistream/resume\",\"value\":{\"slot\":1}}",
		FALSE, 9, &req), ==, MS_OK);
	g_assert_cmpint(req.type, ==, MS_REQ_RESUME);
	g_assert_false(req.has_stream);
	g_assert_cmpstr(req.resolved, ==, "");
	ms_request_clear(&req);
	g_assert_cmpint(parse("{\"type\":\"multistream/resume\",\"value\":{\"slot\":1,"
		"\"stream\":\"camera1\",\"quality\":\"360p\"}}", FALSE, 9, &req), ==, MS_OK);
	g_assert_true(req.has_stream);
	g_assert_cmpstr(req.resolved, ==, "camera1-360p");
	ms_request_clear(&req);
	static const parse_case cases[] = {
		{ "{\"type\":\"multistream/resume\",\"value\":{\"slot\":1,\"quality\":\"360p\"}}", FALSE,
			MS_ERR_INVALID_REQUEST, "quality needs a stream" },
		{ "{\"type\":\"multistream/resume\",\"value\":{\"slot\":1,\"stream\":\"\"}}", FALSE,
			MS_ERR_INVALID_REQUEST, "empty" },
		{ "{\"type\":\"multistream/resume\",\"value\":{}}", FALSE, MS_ERR_INVALID_REQUEST, "slot" },
	};
	run_cases(cases, G_N_ELEMENTS(cases));
}

/* ---------- session states ---------- */

static void test_allowed(void)
{
	/* rows: request; columns: NEW, INITIALIZED, NEGOTIATED, CLOSED */
	static const ms_error want[MS_REQ_COUNT][MS_SESSION_STATE_COUNT] = {
		[MS_REQ_INIT] = { MS_OK, 486, 486, MS_OK },
		[MS_REQ_OFFER] = { 481, MS_OK, 486, 482 },
		[MS_REQ_SWITCH] = { 481, MS_OK, MS_OK, 482 },
		[MS_REQ_PAUSE] = { 481, MS_OK, MS_OK, 482 },
		[MS_REQ_RESUME] = { 481, MS_OK, MS_OK, 482 },
		[MS_REQ_KEYFRAME] = { 481, MS_OK, MS_OK, 482 },
		[MS_REQ_CLOSE] = { 481, MS_OK, MS_OK, 482 },
		[MS_REQ_STREAMS] = { MS_OK, MS_OK, MS_OK, MS_OK },
		[MS_REQ_AUDIO] = { 481, MS_OK, MS_OK, 482 },
		[MS_REQ_HINT] = { 481, MS_OK, MS_OK, 482 },
	};
	for(int t = 0; t < MS_REQ_COUNT; t++) {
		for(int s = 0; s < MS_SESSION_STATE_COUNT; s++) {
			ms_error got = ms_request_allowed((ms_request_type)t, (ms_session_state)s);
			if(got != want[t][s])
				g_error("%s in %s: got %d want %d", ms_request_name(t),
					ms_session_state_name(s), got, want[t][s]);
		}
	}
	g_assert_cmpint(ms_request_allowed(MS_REQ_COUNT, MS_SESSION_NEW), ==, MS_ERR_INTERNAL);
	g_assert_cmpint(ms_request_allowed(MS_REQ_INIT, MS_SESSION_STATE_COUNT), ==, MS_ERR_INTERNAL);
}

/* ---------- names ---------- */

static void test_resolve(void)
{
	char out[MS_RESOLVED_MAX];
	g_assert_true(ms_resolve_name("camera1", "", out, sizeof(out)));
	g_assert_cmpstr(out, ==, "camera1");
	g_assert_true(ms_resolve_name("camera1", "native", out, sizeof(out)));
	g_assert_cmpstr(out, ==, "camera1");
	g_assert_true(ms_resolve_name("camera1", NULL, out, sizeof(out)));
	g_assert_cmpstr(out, ==, "camera1");
	g_assert_true(ms_resolve_name("camera1", "360p", out, sizeof(out)));
	g_assert_cmpstr(out, ==, "camera1-360p");
	g_assert_true(ms_resolve_name("camera1", "720p", out, sizeof(out)));
	g_assert_cmpstr(out, ==, "camera1-720p");
	g_assert_true(ms_resolve_name("camera1", "1080p", out, sizeof(out)));
	g_assert_cmpstr(out, ==, "camera1-1080p");
	/* case matters: only "native" is special */
	g_assert_true(ms_resolve_name("camera1", "Native", out, sizeof(out)));
	g_assert_cmpstr(out, ==, "camera1-Native");
	/* exact fit and one short */
	char small[13];
	g_assert_true(ms_resolve_name("camera1", "360p", small, sizeof(small)));
	g_assert_false(ms_resolve_name("camera1", "360p", small, sizeof(small) - 1));
	g_assert_cmpstr(small, ==, "");
	g_assert_false(ms_resolve_name(NULL, "360p", out, sizeof(out)));
	g_assert_false(ms_resolve_name("camera1", NULL, out, 0));
}

/* ---------- messages ---------- */

static void test_msg_error(void)
{
	json_t *rid = json_string("uuid-1");
	assert_msg(ms_msg_error(rid, MS_ERR_INVALID_SLOT, 12, TRUE, NULL),
		"{\"type\":\"multistream/error\",\"value\":{\"request_id\":\"uuid-1\",\"code\":483,"
		"\"error\":\"invalid slot index\",\"slot\":12}}");
	g_assert_cmpint(rid->refcount, ==, 1);	/* copied, never stolen */
	assert_msg(ms_msg_error(NULL, MS_ERR_INVALID_REQUEST, 0, FALSE, "slot must be an integer"),
		"{\"type\":\"multistream/error\",\"value\":{\"code\":480,\"error\":\"invalid request\","
		"\"detail\":\"slot must be an integer\"}}");
	assert_msg(ms_msg_error(rid, MS_ERR_STREAM_NOT_FOUND, 0, TRUE, ""),
		"{\"type\":\"multistream/error\",\"value\":{\"request_id\":\"uuid-1\",\"code\":485,"
		"\"error\":\"stream not found\",\"slot\":0}}");
	assert_msg(ms_msg_error(NULL, MS_ERR_UNAUTHORIZED, 0, FALSE, NULL),
		"{\"type\":\"multistream/error\",\"value\":{\"code\":487,\"error\":\"unauthorized\"}}");
	assert_msg(ms_msg_error(NULL, MS_ERR_INTERNAL, 0, FALSE, "\xff"),
		"{\"type\":\"multistream/error\",\"value\":{\"code\":499,\"error\":\"internal error\","
		"\"detail\":\"(detail not UTF-8)\"}}");
	json_decref(rid);
	/* request_id stays the first key on the wire */
	json_t *id = json_integer(5);
	json_t *m = ms_msg_error(id, MS_ERR_INVALID_STATE, 0, FALSE, NULL);
	char *text = json_dumps(m, JSON_COMPACT);
	g_assert_cmpstr(text, ==, "{\"type\":\"multistream/error\",\"value\":{\"request_id\":5,"
		"\"code\":486,\"error\":\"invalid state\"}}");
	free(text);
	json_decref(m);
	json_decref(id);
}

static void test_msg_replies(void)
{
	json_t *rid = json_string("r");
	assert_msg(ms_msg_ready(rid, 3),
		"{\"type\":\"multistream/ready\",\"value\":{\"request_id\":\"r\",\"slots\":3}}");
	assert_msg(ms_msg_keyframe(rid, -1),
		"{\"type\":\"multistream/keyframe\",\"value\":{\"request_id\":\"r\",\"slot\":-1,"
		"\"status\":\"requested\"}}");
	assert_msg(ms_msg_close(rid),
		"{\"type\":\"multistream/close\",\"value\":{\"request_id\":\"r\",\"status\":\"closed\"}}");
	assert_msg(ms_msg_close(NULL), "{\"type\":\"multistream/close\",\"value\":{\"status\":\"closed\"}}");
	assert_msg(ms_msg_disconnected("connection_lost", NULL),
		"{\"type\":\"multistream/disconnected\",\"value\":{\"reason\":\"connection_lost\"}}");
	assert_msg(ms_msg_disconnected("connection_lost", "setup_timeout"),
		"{\"type\":\"multistream/disconnected\",\"value\":{\"reason\":\"connection_lost\","
		"\"detail\":\"setup_timeout\"}}");
	g_assert_cmpint(rid->refcount, ==, 1);
	json_decref(rid);
}

static void test_msg_status(void)
{
	json_t *rid = json_string("uuid-789");
	assert_msg(ms_msg_status(rid, 0, "camera4-720p", "720p", MS_SLOT_BUFFERING, NULL, "h264"),
		"{\"type\":\"multistream/status\",\"value\":{\"request_id\":\"uuid-789\",\"slot\":0,"
		"\"status\":{\"slot\":0,\"stream\":\"camera4-720p\",\"quality\":\"720p\",\"status\":\"buffering\","
		"\"codec\":\"h264\"}}}");
	assert_msg(ms_msg_status(NULL, 2, "camera4", NULL, MS_SLOT_ACTIVE, NULL, "h265"),
		"{\"type\":\"multistream/status\",\"value\":{\"slot\":2,"
		"\"status\":{\"slot\":2,\"stream\":\"camera4\",\"status\":\"active\",\"codec\":\"h265\"}}}");
	assert_msg(ms_msg_status(NULL, 1, "camera9", "", MS_SLOT_ERROR, "stream not found", NULL),
		"{\"type\":\"multistream/status\",\"value\":{\"slot\":1,\"status\":{\"slot\":1,"
		"\"stream\":\"camera9\",\"status\":\"error\",\"error\":\"stream not found\",\"codec\":null}}}");
	assert_msg(ms_msg_status(NULL, 1, "camera1", "native", MS_SLOT_OFFLINE, NULL, "h264"),
		"{\"type\":\"multistream/status\",\"value\":{\"slot\":1,\"status\":{\"slot\":1,"
		"\"stream\":\"camera1\",\"quality\":\"native\",\"status\":\"offline\",\"codec\":\"h264\"}}}");
	json_decref(rid);
}

static void test_msg_answer(void)
{
	json_t *rid = json_string("uuid-456");
	json_t *slots = json_array();
	json_array_append_new(slots, ms_msg_answer_slot(0, "camera1-360p", MS_SLOT_ACTIVE, NULL, "0"));
	json_array_append_new(slots, ms_msg_answer_slot(1, "camera3-360p", MS_SLOT_ERROR,
		"stream not found", "1"));
	assert_msg(ms_msg_answer(rid, "v=0\r\n", slots),
		"{\"type\":\"multistream/answer\",\"value\":{\"request_id\":\"uuid-456\",\"sdp\":\"v=0\\r\\n\","
		"\"slots\":[{\"slot\":0,\"stream\":\"camera1-360p\",\"status\":\"active\",\"mid\":\"0\"},"
		"{\"slot\":1,\"stream\":\"camera3-360p\",\"status\":\"error\",\"mid\":\"1\","
		"\"error\":\"stream not found\"}]}}");
	assert_msg(ms_msg_answer(NULL, NULL, NULL),
		"{\"type\":\"multistream/answer\",\"value\":{\"slots\":[]}}");
	json_decref(rid);
}

static void test_msg_streams(void)
{
	json_t *rid = json_integer(77);
	json_t *list = json_array();
	json_array_append_new(list, ms_msg_stream_entry("camera1", "rtsp", NULL, NULL, "active", 2, "h265", 1));
	json_array_append_new(list, ms_msg_stream_entry("camera1-360p", "ffmpeg", "camera1", "360p",
		"idle", 0, "h264", 0));
	json_array_append_new(list, ms_msg_stream_entry("camera2", "rtsp", NULL, NULL, "idle", 0, NULL, -1));
	assert_msg(ms_msg_streams(rid, list),
		"{\"type\":\"multistream/streams\",\"value\":{\"request_id\":77,\"streams\":["
		"{\"name\":\"camera1\",\"kind\":\"rtsp\",\"state\":\"active\",\"consumers\":2,\"codec\":\"h265\",\"audio\":true},"
		"{\"name\":\"camera1-360p\",\"kind\":\"ffmpeg\",\"parent\":\"camera1\",\"quality\":\"360p\","
		"\"state\":\"idle\",\"consumers\":0,\"codec\":\"h264\",\"audio\":false},"
		"{\"name\":\"camera2\",\"kind\":\"rtsp\",\"state\":\"idle\",\"consumers\":0,\"codec\":null,\"audio\":null}]}}");
	assert_msg(ms_msg_streams(NULL, NULL), "{\"type\":\"multistream/streams\",\"value\":{\"streams\":[]}}");
	json_decref(rid);
}

/* ---------- token (access control) ---------- */

static void test_token(void)
{
	static const parse_case cases[] = {
		{ "{\"type\":\"multistream/switch\",\"value\":{\"slot\":0,\"stream\":\"c\",\"token\":\"s3\"}}", FALSE, MS_OK, NULL },
		{ "{\"type\":\"multistream/switch\",\"value\":{\"slot\":0,\"stream\":\"c\",\"token\":7}}", FALSE, MS_ERR_INVALID_REQUEST, "token" },
		{ "{\"type\":\"multistream/streams\",\"value\":{\"token\":null}}", FALSE, MS_ERR_INVALID_REQUEST, "token" },
	};
	run_cases(cases, G_N_ELEMENTS(cases));
	ms_request req;
	g_assert_cmpint(parse("{\"type\":\"multistream/init\",\"value\":{\"token\":\"pin-1\",\"slots\":[{\"slot\":0,\"stream\":\"a\"}]}}",
		FALSE, 9, &req), ==, MS_OK);
	g_assert_true(req.has_token);
	g_assert_cmpstr(req.token, ==, "pin-1");
	ms_request_clear(&req);
	g_assert_cmpint(parse("{\"type\":\"multistream/streams\",\"value\":{}}", FALSE, 9, &req), ==, MS_OK);
	g_assert_false(req.has_token);
	ms_request_clear(&req);
	char *long_token = g_strnfill(MS_NAME_MAX, 'x');
	char *body = g_strdup_printf("{\"type\":\"multistream/streams\",\"value\":{\"token\":\"%s\"}}", long_token);
	g_assert_cmpint(parse(body, FALSE, 9, &req), ==, MS_ERR_INVALID_REQUEST);
	ms_request_clear(&req);
	g_free(body);
	g_free(long_token);
}

/* ---------- audio (docs/protocol.md §14) ---------- */

static void test_audio(void)
{
	static const parse_case cases[] = {
		{ "{\"type\":\"multistream/audio\",\"value\":{\"slot\":2}}", FALSE, MS_OK, NULL },
		{ "{\"type\":\"multistream/audio\",\"value\":{\"slot\":-1}}", FALSE, MS_OK, NULL },
		{ "{\"type\":\"multistream/audio\",\"value\":{}}", FALSE, MS_ERR_INVALID_REQUEST, "slot" },
		{ "{\"type\":\"multistream/audio\",\"value\":{\"slot\":\"1\"}}", FALSE, MS_ERR_INVALID_REQUEST, "slot" },
		{ "{\"type\":\"multistream/init\",\"value\":{\"audio\":1,\"slots\":[{\"slot\":0,\"stream\":\"c\"}]}}", FALSE,
			MS_ERR_INVALID_REQUEST, "audio" },
	};
	run_cases(cases, G_N_ELEMENTS(cases));
	ms_request req;
	json_t *b = json_loads("{\"type\":\"multistream/audio\",\"value\":{\"slot\":-2}}", 0, NULL);
	g_assert_cmpint(ms_request_parse(b, FALSE, 9, &req), ==, MS_OK);
	g_assert_false(req.slot_valid);		/* -2: the session answers 483 */
	ms_request_clear(&req);
	json_decref(b);
	b = json_loads("{\"type\":\"multistream/init\",\"value\":{\"audio\":true,\"slots\":[{\"slot\":0,\"stream\":\"c\"}]}}", 0, NULL);
	g_assert_cmpint(ms_request_parse(b, FALSE, 9, &req), ==, MS_OK);
	g_assert_true(req.audio);
	ms_request_clear(&req);
	json_decref(b);
	g_assert_cmpint(ms_request_allowed(MS_REQ_AUDIO, MS_SESSION_NEW), ==, MS_ERR_NOT_INITIALIZED);
	g_assert_cmpint(ms_request_allowed(MS_REQ_AUDIO, MS_SESSION_NEGOTIATED), ==, MS_OK);
	json_t *rid = json_string("a1");
	assert_msg(ms_msg_audio(rid, 3, "camera1", "active"),
		"{\"type\":\"multistream/audio\",\"value\":{\"request_id\":\"a1\",\"slot\":3,\"stream\":\"camera1\",\"status\":\"active\"}}");
	assert_msg(ms_msg_audio(NULL, -1, NULL, "off"),
		"{\"type\":\"multistream/audio\",\"value\":{\"slot\":-1,\"stream\":\"\",\"status\":\"off\"}}");
	json_decref(rid);
}

/* ---------- quality auto and hints (docs/protocol.md §15) ---------- */

static void test_hint(void)
{
	static const parse_case cases[] = {
		{ "{\"type\":\"multistream/hint\",\"value\":{\"slots\":[{\"slot\":0,\"width\":640,\"height\":360,\"visible\":true}]}}", FALSE, MS_OK, NULL },
		{ "{\"type\":\"multistream/hint\",\"value\":{\"slots\":[]}}", FALSE, MS_OK, NULL },
		{ "{\"type\":\"multistream/hint\",\"value\":{}}", FALSE, MS_ERR_INVALID_REQUEST, "slots" },
		{ "{\"type\":\"multistream/hint\",\"value\":{\"slots\":[{\"slot\":0,\"width\":640,\"height\":360}]}}", FALSE,
			MS_ERR_INVALID_REQUEST, "visible" },
		{ "{\"type\":\"multistream/hint\",\"value\":{\"slots\":[{\"slot\":0,\"width\":-1,\"height\":360,\"visible\":true}]}}", FALSE,
			MS_ERR_INVALID_REQUEST, "width" },
		{ "{\"type\":\"multistream/hint\",\"value\":{\"slots\":[{\"slot\":\"0\",\"width\":1,\"height\":1,\"visible\":true}]}}", FALSE,
			MS_ERR_INVALID_REQUEST, "slot" },
		{ "{\"type\":\"multistream/hint\",\"value\":{\"slots\":[1]}}", FALSE, MS_ERR_INVALID_REQUEST, "slots[0]" },
	};
	run_cases(cases, G_N_ELEMENTS(cases));
	ms_request req;
	json_t *b = json_loads("{\"type\":\"multistream/hint\",\"value\":{\"request_id\":5,\"slots\":["
		"{\"slot\":1,\"width\":320,\"height\":180,\"visible\":false},{\"slot\":-3,\"width\":0,\"height\":0,\"visible\":true}]}}", 0, NULL);
	g_assert_cmpint(ms_request_parse(b, FALSE, 9, &req), ==, MS_OK);
	g_assert_cmpuint(req.n_hints, ==, 2);
	g_assert_true(req.hints[0].slot_valid);
	g_assert_cmpint(req.hints[0].slot, ==, 1);
	g_assert_cmpuint(req.hints[0].height, ==, 180);
	g_assert_false(req.hints[0].visible);
	g_assert_false(req.hints[1].slot_valid);	/* -3: the session answers 483 */
	assert_msg(ms_msg_hint(req.request_id), "{\"type\":\"multistream/hint\",\"value\":{\"request_id\":5}}");
	ms_request_clear(&req);
	json_decref(b);
	/* "auto" resolves to the stream itself: the plugin picks the variant */
	char out[64];
	g_assert_true(ms_resolve_name("camera1", "auto", out, sizeof(out)));
	g_assert_cmpstr(out, ==, "camera1");
	assert_msg(ms_msg_status_auto(NULL, 2, "camera1", "auto", MS_SLOT_ACTIVE, NULL, "h264", "360p"),
		"{\"type\":\"multistream/status\",\"value\":{\"slot\":2,\"status\":{\"slot\":2,\"stream\":\"camera1\","
		"\"quality\":\"auto\",\"status\":\"active\",\"codec\":\"h264\",\"actualQuality\":\"360p\"}}}");
	assert_msg(ms_msg_status_auto(NULL, 2, "camera1", "auto", MS_SLOT_INACTIVE, NULL, NULL, "native"),
		"{\"type\":\"multistream/status\",\"value\":{\"slot\":2,\"status\":{\"slot\":2,\"stream\":\"camera1\","
		"\"quality\":\"auto\",\"status\":\"inactive\",\"codec\":null,\"actualQuality\":\"native\"}}}");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ms/protocol/error-strings", test_error_strings);
	g_test_add_func("/ms/protocol/names", test_names);
	g_test_add_func("/ms/protocol/shape", test_shape);
	g_test_add_func("/ms/protocol/shape/type-with-nul", test_type_with_nul);
	g_test_add_func("/ms/protocol/request-id", test_request_id);
	g_test_add_func("/ms/protocol/init/ok", test_init_ok);
	g_test_add_func("/ms/protocol/init/max-slots", test_init_max_slots);
	g_test_add_func("/ms/protocol/init/too-many-slots", test_init_too_many_slots);
	g_test_add_func("/ms/protocol/init/shape", test_init_shape);
	g_test_add_func("/ms/protocol/init/bad-index", test_init_bad_index);
	g_test_add_func("/ms/protocol/name-lengths", test_name_lengths);
	g_test_add_func("/ms/protocol/offer/jsep", test_offer);
	g_test_add_func("/ms/protocol/slot-numbers", test_slot_numbers);
	g_test_add_func("/ms/protocol/switch", test_switch);
	g_test_add_func("/ms/protocol/resume", test_resume);
	g_test_add_func("/ms/protocol/allowed", test_allowed);
	g_test_add_func("/ms/protocol/resolve", test_resolve);
	g_test_add_func("/ms/protocol/msg/error", test_msg_error);
	g_test_add_func("/ms/protocol/msg/replies", test_msg_replies);
	g_test_add_func("/ms/protocol/msg/status", test_msg_status);
	g_test_add_func("/ms/protocol/msg/answer", test_msg_answer);
	g_test_add_func("/ms/protocol/msg/streams", test_msg_streams);
	g_test_add_func("/ms/protocol/token", test_token);
	g_test_add_func("/ms/protocol/audio", test_audio);
	g_test_add_func("/ms/protocol/hint", test_hint);
	return g_test_run();
}
