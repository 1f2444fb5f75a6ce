/* ms_protocol.c: parse and validate client bodies, build server messages.
 *
 * Every request is one row of the requests[] table: wire name, parser,
 * whether it needs a jsep, and the session states it is allowed in. The wire
 * shapes are written down once, in docs/protocol.md. Pure: jansson + GLib. */
#include <string.h>
#include <limits.h>
#include "ms_protocol.h"

/* ---------- error strings (the one error enum, ms_error.h) ---------- */

const char *ms_error_string(ms_error code)
{
	switch(code) {
		case MS_OK: return "ok";
		case MS_ERR_INVALID_REQUEST: return "invalid request";
		case MS_ERR_NOT_INITIALIZED: return "session not initialized";
		case MS_ERR_NO_SESSION: return "no active session";
		case MS_ERR_INVALID_SLOT: return "invalid slot index";
		case MS_ERR_TOO_MANY_SLOTS: return "too many slots requested";
		case MS_ERR_STREAM_NOT_FOUND: return "stream not found";
		case MS_ERR_INVALID_STATE: return "invalid state";
		case MS_ERR_UNAUTHORIZED: return "unauthorized";
		case MS_ERR_CODEC_NOT_SUPPORTED: return "codec not supported";
		case MS_ERR_INTERNAL: return "internal error";
	}
	return "internal error";
}

/* ---------- the request table ---------- */

#define ST(s) (1u << (s))
#define ST_OPEN (ST(MS_SESSION_INITIALIZED) | ST(MS_SESSION_NEGOTIATED))
#define ST_ANY ((1u << MS_SESSION_STATE_COUNT) - 1)

typedef ms_error (*parse_fn)(json_t *value, guint max_slots, ms_request *req);

static ms_error parse_init(json_t *value, guint max_slots, ms_request *req);
static ms_error parse_none(json_t *value, guint max_slots, ms_request *req);
static ms_error parse_switch(json_t *value, guint max_slots, ms_request *req);
static ms_error parse_slot_only(json_t *value, guint max_slots, ms_request *req);
static ms_error parse_resume(json_t *value, guint max_slots, ms_request *req);
static ms_error parse_hint(json_t *value, guint max_slots, ms_request *req);

static const struct request_row {
	ms_request_type type;
	const char *name;
	parse_fn parse;
	gboolean needs_jsep;
	guint states;		/* mask of ms_session_state where it is allowed */
} requests[MS_REQ_COUNT] = {
	{ MS_REQ_INIT, "multistream/init", parse_init, FALSE,
		ST(MS_SESSION_NEW) | ST(MS_SESSION_CLOSED) },
	{ MS_REQ_OFFER, "multistream/offer", parse_none, TRUE, ST(MS_SESSION_INITIALIZED) },
	{ MS_REQ_SWITCH, "multistream/switch", parse_switch, FALSE, ST_OPEN },
	{ MS_REQ_PAUSE, "multistream/pause", parse_slot_only, FALSE, ST_OPEN },
	{ MS_REQ_RESUME, "multistream/resume", parse_resume, FALSE, ST_OPEN },
	{ MS_REQ_KEYFRAME, "multistream/keyframe", parse_slot_only, FALSE, ST_OPEN },
	{ MS_REQ_CLOSE, "multistream/close", parse_none, FALSE, ST_OPEN },
	{ MS_REQ_STREAMS, "multistream/streams", parse_none, FALSE, ST_ANY },
	{ MS_REQ_AUDIO, "multistream/audio", parse_slot_only, FALSE, ST_OPEN },
	{ MS_REQ_HINT, "multistream/hint", parse_hint, FALSE, ST_OPEN },
};

/* What a request refused in a state is answered with. */
static const ms_error refusal[MS_SESSION_STATE_COUNT] = {
	[MS_SESSION_NEW] = MS_ERR_NOT_INITIALIZED,
	[MS_SESSION_INITIALIZED] = MS_ERR_INVALID_STATE,
	[MS_SESSION_NEGOTIATED] = MS_ERR_INVALID_STATE,
	[MS_SESSION_CLOSED] = MS_ERR_NO_SESSION,
};

static const char *session_state_names[MS_SESSION_STATE_COUNT] = {
	[MS_SESSION_NEW] = "new",
	[MS_SESSION_INITIALIZED] = "initialized",
	[MS_SESSION_NEGOTIATED] = "negotiated",
	[MS_SESSION_CLOSED] = "closed",
};

const char *ms_request_name(ms_request_type t)
{
	if((guint)t >= MS_REQ_COUNT)
		return "unknown";
	return requests[t].name;
}

const char *ms_session_state_name(ms_session_state s)
{
	if((guint)s >= MS_SESSION_STATE_COUNT)
		return "unknown";
	return session_state_names[s];
}

ms_error ms_request_allowed(ms_request_type t, ms_session_state s)
{
	if((guint)t >= MS_REQ_COUNT || (guint)s >= MS_SESSION_STATE_COUNT)
		return MS_ERR_INTERNAL;
	if(requests[t].states & ST(s))
		return MS_OK;
	return refusal[s];
}

/* ---------- field helpers ---------- */

static ms_error fail(ms_request *req, ms_error code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static ms_error fail(ms_request *req, ms_error code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_vsnprintf(req->detail, sizeof(req->detail), fmt, ap);
	va_end(ap);
	/* truncation may have cut a UTF-8 sequence: detail goes into JSON */
	const gchar *end = NULL;
	if(!g_utf8_validate(req->detail, -1, &end))
		req->detail[end - req->detail] = '\0';
	return code;
}

/* A name field: string, non-empty, no NUL, shorter than MS_NAME_MAX.
 * Absent: *present = FALSE (the caller decides whether that is an error). */
static ms_error get_name(json_t *obj, const char *field, const char *where,
		char *out, gboolean *present, ms_request *req)
{
	json_t *v = json_object_get(obj, field);
	out[0] = '\0';
	*present = (v != NULL);
	if(v == NULL)
		return MS_OK;
	if(!json_is_string(v))
		return fail(req, MS_ERR_INVALID_REQUEST, "%s%s must be a string", where, field);
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	if(strlen(s) != len)
		return fail(req, MS_ERR_INVALID_REQUEST, "%s%s contains a NUL character", where, field);
	if(len >= MS_NAME_MAX)
		return fail(req, MS_ERR_INVALID_REQUEST, "%s%s is longer than %d characters",
			where, field, MS_NAME_MAX - 1);
	memcpy(out, s, len + 1);
	return MS_OK;
}

/* stream (required or not) + optional quality, resolved. */
static ms_error get_stream(json_t *obj, const char *where, gboolean required,
		char *stream, char *quality, char *resolved, gboolean *has_stream, ms_request *req)
{
	gboolean has_quality = FALSE;
	ms_error err = get_name(obj, "stream", where, stream, has_stream, req);
	if(err != MS_OK)
		return err;
	if(!*has_stream && required)
		return fail(req, MS_ERR_INVALID_REQUEST, "%sstream is required", where);
	if(*has_stream && stream[0] == '\0')
		return fail(req, MS_ERR_INVALID_REQUEST, "%sstream must not be empty", where);
	err = get_name(obj, "quality", where, quality, &has_quality, req);
	if(err != MS_OK)
		return err;
	if(!*has_stream) {
		if(has_quality)
			return fail(req, MS_ERR_INVALID_REQUEST, "%squality needs a stream", where);
		resolved[0] = '\0';
		return MS_OK;
	}
	if(!ms_resolve_name(stream, quality, resolved, MS_RESOLVED_MAX))
		return fail(req, MS_ERR_INVALID_REQUEST, "%sstream name too long", where);
	return MS_OK;
}

/* The slot of switch/pause/resume/keyframe. Missing or not a number: 480.
 * A real, or an integer that can not be a slot index: slot_valid FALSE. */
static ms_error get_slot(json_t *value, ms_request *req)
{
	json_t *v = json_object_get(value, "slot");
	req->slot_valid = FALSE;
	req->slot = 0;
	if(v == NULL)
		return fail(req, MS_ERR_INVALID_REQUEST, "slot is required");
	if(json_is_real(v))
		return MS_OK;
	if(!json_is_integer(v))
		return fail(req, MS_ERR_INVALID_REQUEST, "slot must be an integer");
	json_int_t n = json_integer_value(v);
	json_int_t min = (req->type == MS_REQ_KEYFRAME || req->type == MS_REQ_AUDIO) ? -1 : 0;
	if(n < min || n > INT_MAX)
		return MS_OK;
	req->slot = (int)n;
	req->slot_valid = TRUE;
	return MS_OK;
}

/* ---------- per-request parsers ---------- */

static ms_error parse_none(json_t *value, guint max_slots, ms_request *req)
{
	return MS_OK;
}

static ms_error parse_slot_only(json_t *value, guint max_slots, ms_request *req)
{
	return get_slot(value, req);
}

static ms_error parse_switch(json_t *value, guint max_slots, ms_request *req)
{
	ms_error err = get_slot(value, req);
	if(err != MS_OK)
		return err;
	return get_stream(value, "", TRUE, req->stream, req->quality, req->resolved,
		&req->has_stream, req);
}

static ms_error parse_resume(json_t *value, guint max_slots, ms_request *req)
{
	ms_error err = get_slot(value, req);
	if(err != MS_OK)
		return err;
	return get_stream(value, "", FALSE, req->stream, req->quality, req->resolved,
		&req->has_stream, req);
}

/* One entry of init's slots[]: its index must be an integer in 0..n-1 not
 * seen before. Filled into req->slots[index]. */
static ms_error parse_init_entry(json_t *entry, guint i, guint n, gboolean *seen, ms_request *req)
{
	char where[32];
	gboolean has_stream = FALSE;
	g_snprintf(where, sizeof(where), "slots[%u].", i);
	if(!json_is_object(entry))
		return fail(req, MS_ERR_INVALID_REQUEST, "slots[%u] must be an object", i);
	json_t *v = json_object_get(entry, "slot");
	if(v == NULL)
		return fail(req, MS_ERR_INVALID_REQUEST, "%sslot is required", where);
	if(json_is_real(v))
		return fail(req, MS_ERR_INVALID_SLOT, "%sslot must be an integer", where);
	if(!json_is_integer(v))
		return fail(req, MS_ERR_INVALID_REQUEST, "%sslot must be an integer", where);
	json_int_t idx = json_integer_value(v);
	if(idx < 0 || idx >= (json_int_t)n)
		return fail(req, MS_ERR_INVALID_SLOT, "%sslot %" JSON_INTEGER_FORMAT
			" is not in 0..%u", where, idx, n - 1);
	if(seen[idx])
		return fail(req, MS_ERR_INVALID_SLOT, "%sslot %" JSON_INTEGER_FORMAT
			" appears twice", where, idx);
	seen[idx] = TRUE;
	ms_slot_request *sr = &req->slots[idx];
	sr->slot = (int)idx;
	return get_stream(entry, where, TRUE, sr->stream, sr->quality, sr->resolved,
		&has_stream, req);
}

static ms_error parse_init(json_t *value, guint max_slots, ms_request *req)
{
	json_t *audio = json_object_get(value, "audio");
	if(audio != NULL && !json_is_boolean(audio))
		return fail(req, MS_ERR_INVALID_REQUEST, "audio must be a boolean");
	req->audio = json_is_true(audio);
	json_t *slots = json_object_get(value, "slots");
	if(slots == NULL)
		return fail(req, MS_ERR_INVALID_REQUEST, "slots is required");
	if(!json_is_array(slots))
		return fail(req, MS_ERR_INVALID_REQUEST, "slots must be an array");
	size_t n = json_array_size(slots);
	if(n == 0)
		return fail(req, MS_ERR_INVALID_REQUEST, "slots must not be empty");
	if(n > max_slots)
		return fail(req, MS_ERR_TOO_MANY_SLOTS, "%zu slots requested, at most %u allowed",
			n, max_slots);
	req->slots = g_new0(ms_slot_request, n);
	req->n_slots = (guint)n;
	gboolean *seen = g_new0(gboolean, n);
	ms_error err = MS_OK;
	for(size_t i = 0; i < n && err == MS_OK; i++)
		err = parse_init_entry(json_array_get(slots, i), (guint)i, (guint)n, seen, req);
	g_free(seen);
	if(err != MS_OK) {
		g_free(req->slots);
		req->slots = NULL;
		req->n_slots = 0;
	}
	return err;
}

/* One hint entry: {slot, width, height, visible}, every field required. */
static ms_error parse_hint_entry(json_t *e, guint i, ms_hint *h, ms_request *req)
{
	if(!json_is_object(e))
		return fail(req, MS_ERR_INVALID_REQUEST, "slots[%u] must be an object", i);
	json_t *slot = json_object_get(e, "slot"), *w = json_object_get(e, "width"),
		*hh = json_object_get(e, "height"), *vis = json_object_get(e, "visible");
	if(!json_is_integer(slot) && !json_is_real(slot))
		return fail(req, MS_ERR_INVALID_REQUEST, "slots[%u].slot must be an integer", i);
	if(!json_is_integer(w) || json_integer_value(w) < 0 || json_integer_value(w) > 65535)
		return fail(req, MS_ERR_INVALID_REQUEST, "slots[%u].width must be an integer 0..65535", i);
	if(!json_is_integer(hh) || json_integer_value(hh) < 0 || json_integer_value(hh) > 65535)
		return fail(req, MS_ERR_INVALID_REQUEST, "slots[%u].height must be an integer 0..65535", i);
	if(!json_is_boolean(vis))
		return fail(req, MS_ERR_INVALID_REQUEST, "slots[%u].visible must be a boolean", i);
	json_int_t n = json_is_integer(slot) ? json_integer_value(slot) : -1;
	h->slot_valid = n >= 0 && n <= INT_MAX;
	h->slot = h->slot_valid ? (int)n : 0;
	h->width = (guint)json_integer_value(w);
	h->height = (guint)json_integer_value(hh);
	h->visible = json_is_true(vis);
	return MS_OK;
}

static ms_error parse_hint(json_t *value, guint max_slots, ms_request *req)
{
	json_t *slots = json_object_get(value, "slots");
	if(!json_is_array(slots))
		return fail(req, MS_ERR_INVALID_REQUEST, "slots must be an array");
	size_t n = json_array_size(slots);
	if(n > max_slots)
		return fail(req, MS_ERR_TOO_MANY_SLOTS, "%zu hints, at most %u slots", n, max_slots);
	req->hints = g_new0(ms_hint, MAX(n, 1));
	req->n_hints = (guint)n;
	for(size_t i = 0; i < n; i++) {
		ms_error err = parse_hint_entry(json_array_get(slots, i), (guint)i, &req->hints[i], req);
		if(err != MS_OK)
			return err;
	}
	return MS_OK;
}

/* ---------- ms_request_parse ---------- */

static ms_error get_request_id(json_t *value, ms_request *req)
{
	json_t *id = json_object_get(value, "request_id");
	if(id == NULL)
		return MS_OK;
	if(!json_is_string(id) && !json_is_integer(id))
		return fail(req, MS_ERR_INVALID_REQUEST, "request_id must be a string or an integer");
	req->request_id = json_incref(id);
	return MS_OK;
}

/* Optional value.token: a string shorter than MS_NAME_MAX. */
static ms_error get_token(json_t *value, ms_request *req)
{
	json_t *token = json_object_get(value, "token");
	if(token == NULL)
		return MS_OK;
	if(!json_is_string(token))
		return fail(req, MS_ERR_INVALID_REQUEST, "token must be a string");
	if(json_string_length(token) >= sizeof(req->token) || strlen(json_string_value(token)) != json_string_length(token))
		return fail(req, MS_ERR_INVALID_REQUEST, "token is too long or holds NUL");
	g_strlcpy(req->token, json_string_value(token), sizeof(req->token));
	req->has_token = TRUE;
	return MS_OK;
}

static const struct request_row *find_request(const char *name)
{
	for(guint i = 0; i < MS_REQ_COUNT; i++) {
		if(strcmp(requests[i].name, name) == 0)
			return &requests[i];
	}
	return NULL;
}

static const struct request_row *get_type(json_t *body, const char **why)
{
	json_t *type = json_object_get(body, "type");
	*why = NULL;
	if(type == NULL) {
		*why = "type is required";
		return NULL;
	}
	if(!json_is_string(type)) {
		*why = "type must be a string";
		return NULL;
	}
	const char *name = json_string_value(type);
	if(strlen(name) != json_string_length(type))
		return NULL;
	return find_request(name);
}

ms_error ms_request_parse(json_t *body, gboolean has_jsep, guint max_slots, ms_request *req)
{
	memset(req, 0, sizeof(*req));
	req->type = MS_REQ_COUNT;
	if(!json_is_object(body))
		return fail(req, MS_ERR_INVALID_REQUEST, "body must be a JSON object");
	/* type and request_id first, so that every later error can use them */
	const char *why = NULL;
	const struct request_row *row = get_type(body, &why);
	if(row != NULL)
		req->type = row->type;
	json_t *value = json_object_get(body, "value");
	if(value != NULL && !json_is_object(value))
		return fail(req, MS_ERR_INVALID_REQUEST, "value must be an object");
	if(value != NULL) {
		ms_error err = get_request_id(value, req);
		if(err != MS_OK)
			return err;
	}
	if(why != NULL)
		return fail(req, MS_ERR_INVALID_REQUEST, "%s", why);
	if(row == NULL)
		return fail(req, MS_ERR_INVALID_REQUEST, "unknown type \"%s\"",
			json_string_value(json_object_get(body, "type")));
	json_t *empty = NULL;
	if(value == NULL)
		value = empty = json_object();
	ms_error err = row->parse(value, max_slots, req);
	if(err == MS_OK)
		err = get_token(value, req);
	json_decref(empty);
	if(err == MS_OK && row->needs_jsep && !has_jsep)
		err = fail(req, MS_ERR_INVALID_REQUEST, "%s needs a jsep", row->name);
	return err;
}

void ms_request_clear(ms_request *req)
{
	if(req == NULL)
		return;
	if(req->request_id != NULL)
		json_decref(req->request_id);
	req->request_id = NULL;
	g_free(req->slots);
	req->slots = NULL;
	req->n_slots = 0;
	g_free(req->hints);
	req->hints = NULL;
	req->n_hints = 0;
}

gboolean ms_resolve_name(const char *stream, const char *quality, char *out, gsize outlen)
{
	if(stream == NULL || out == NULL || outlen == 0)
		return FALSE;
	int n;
	if(quality == NULL || quality[0] == '\0' || strcmp(quality, "native") == 0 ||
			strcmp(quality, MS_QUALITY_AUTO) == 0)
		n = g_snprintf(out, outlen, "%s", stream);
	else
		n = g_snprintf(out, outlen, "%s-%s", stream, quality);
	if(n < 0 || (gsize)n >= outlen) {
		out[0] = '\0';
		return FALSE;
	}
	return TRUE;
}

/* ---------- server messages ---------- */

/* {"type": type, "value": value}, value stolen; request_id copied first. */
static json_t *envelope(const char *type, json_t *request_id, json_t *value)
{
	json_t *msg = json_object();
	json_object_set_new(msg, "type", json_string(type));
	if(request_id != NULL) {
		/* keep request_id the first key of value */
		json_t *v = json_object();
		json_object_set(v, "request_id", request_id);
		json_object_update(v, value);
		json_decref(value);
		value = v;
	}
	json_object_set_new(msg, "value", value);
	return msg;
}

json_t *ms_msg_error(json_t *request_id, ms_error code, int slot, gboolean has_slot, const char *detail)
{
	json_t *v = json_object();
	json_object_set_new(v, "code", json_integer(code));
	json_object_set_new(v, "error", json_string(ms_error_string(code)));
	if(has_slot)
		json_object_set_new(v, "slot", json_integer(slot));
	if(detail != NULL && detail[0] != '\0') {
		json_t *d = json_string(detail);
		if(d == NULL)	/* not UTF-8: never drop the error for that */
			d = json_string("(detail not UTF-8)");
		json_object_set_new(v, "detail", d);
	}
	return envelope("multistream/error", request_id, v);
}

json_t *ms_msg_ready(json_t *request_id, guint n_slots)
{
	json_t *v = json_object();
	json_object_set_new(v, "slots", json_integer(n_slots));
	return envelope("multistream/ready", request_id, v);
}

/* json_string that never returns NULL (NULL or invalid UTF-8 -> ""). */
static json_t *str(const char *s)
{
	json_t *j = s ? json_string(s) : NULL;
	return j ? j : json_string("");
}

json_t *ms_msg_answer_slot(int slot, const char *stream, ms_slot_status status, const char *error, const char *mid)
{
	json_t *v = json_object();
	json_object_set_new(v, "slot", json_integer(slot));
	json_object_set_new(v, "stream", str(stream));
	json_object_set_new(v, "status", json_string(ms_slot_status_name(status)));
	json_object_set_new(v, "mid", str(mid));
	if(error != NULL)
		json_object_set_new(v, "error", str(error));
	return v;
}

json_t *ms_msg_answer(json_t *request_id, const char *sdp, json_t *slots)
{
	json_t *v = json_object();
	if(sdp != NULL)
		json_object_set_new(v, "sdp", str(sdp));
	json_object_set_new(v, "slots", slots ? slots : json_array());
	return envelope("multistream/answer", request_id, v);
}

json_t *ms_msg_status(json_t *request_id, int slot, const char *stream, const char *quality,
		ms_slot_status status, const char *error, const char *codec)
{
	return ms_msg_status_auto(request_id, slot, stream, quality, status, error, codec, NULL);
}

json_t *ms_msg_hint(json_t *request_id)
{
	return envelope("multistream/hint", request_id, json_object());
}

json_t *ms_msg_status_auto(json_t *request_id, int slot, const char *stream, const char *quality,
		ms_slot_status status, const char *error, const char *codec, const char *actual)
{
	json_t *st = json_object();
	json_object_set_new(st, "slot", json_integer(slot));
	json_object_set_new(st, "stream", str(stream));
	if(quality != NULL && quality[0] != '\0')
		json_object_set_new(st, "quality", str(quality));
	json_object_set_new(st, "status", json_string(ms_slot_status_name(status)));
	if(error != NULL)
		json_object_set_new(st, "error", str(error));
	json_object_set_new(st, "codec", codec != NULL ? str(codec) : json_null());
	if(actual != NULL)
		json_object_set_new(st, "actualQuality", str(actual));
	json_t *v = json_object();
	json_object_set_new(v, "slot", json_integer(slot));
	json_object_set_new(v, "status", st);
	return envelope("multistream/status", request_id, v);
}

json_t *ms_msg_keyframe(json_t *request_id, int slot)
{
	json_t *v = json_object();
	json_object_set_new(v, "slot", json_integer(slot));
	json_object_set_new(v, "status", json_string("requested"));
	return envelope("multistream/keyframe", request_id, v);
}

json_t *ms_msg_audio(json_t *request_id, int slot, const char *stream, const char *status)
{
	json_t *v = json_object();
	json_object_set_new(v, "slot", json_integer(slot));
	json_object_set_new(v, "stream", str(stream ? stream : ""));
	json_object_set_new(v, "status", str(status));
	return envelope("multistream/audio", request_id, v);
}

json_t *ms_msg_close(json_t *request_id)
{
	json_t *v = json_object();
	json_object_set_new(v, "status", json_string("closed"));
	return envelope("multistream/close", request_id, v);
}

json_t *ms_msg_disconnected(const char *reason, const char *detail)
{
	json_t *v = json_object();
	json_object_set_new(v, "reason", str(reason));
	if(detail != NULL)
		json_object_set_new(v, "detail", str(detail));
	return envelope("multistream/disconnected", NULL, v);
}

json_t *ms_msg_streams(json_t *request_id, json_t *streams)
{
	json_t *v = json_object();
	json_object_set_new(v, "streams", streams ? streams : json_array());
	return envelope("multistream/streams", request_id, v);
}

json_t *ms_msg_stream_entry(const char *name, const char *kind, const char *parent,
		const char *quality, const char *state, guint consumers, const char *codec, int audio)
{
	json_t *v = json_object();
	json_object_set_new(v, "name", str(name));
	json_object_set_new(v, "kind", str(kind));
	if(parent != NULL)
		json_object_set_new(v, "parent", str(parent));
	if(quality != NULL)
		json_object_set_new(v, "quality", str(quality));
	json_object_set_new(v, "state", str(state));
	json_object_set_new(v, "consumers", json_integer(consumers));
	json_object_set_new(v, "codec", codec != NULL ? str(codec) : json_null());
	json_object_set_new(v, "audio", audio < 0 ? json_null() : json_boolean(audio));
	return v;
}
