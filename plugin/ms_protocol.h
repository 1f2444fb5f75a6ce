/* ms_protocol.h: the multistream wire protocol (pure: jansson + GLib).
 *
 * Parses and validates client bodies ({"type","value"}) into ms_request,
 * decides whether a request is allowed in a session state, resolves stream
 * names, and builds every server message. Shapes are written down in
 * docs/protocol.md (§2-4 messages, §6 names, §7 states). Requests are rows
 * in one table (ms_protocol.c): name, type, jsep requirement, allowed
 * session states. */
#ifndef MS_PROTOCOL_H
#define MS_PROTOCOL_H

#include <glib.h>
#include <jansson.h>
#include "ms_error.h"
#include "ms_slot.h"

#define MS_NAME_MAX 128			/* stream names and qualities, incl. NUL */
#define MS_RESOLVED_MAX (2 * MS_NAME_MAX)

typedef enum ms_request_type {
	MS_REQ_INIT = 0,
	MS_REQ_OFFER,
	MS_REQ_SWITCH,
	MS_REQ_PAUSE,
	MS_REQ_RESUME,
	MS_REQ_KEYFRAME,
	MS_REQ_CLOSE,
	MS_REQ_STREAMS,		/* list configured streams (ours: docs/protocol.md §2) */
	MS_REQ_AUDIO,		/* whose audio the audio m-line carries (docs/protocol.md §14) */
	MS_REQ_HINT,		/* rendered size and visibility of slots (docs/protocol.md §15) */
	MS_REQ_COUNT
} ms_request_type;

/* Multistream session state on one Janus handle. */
typedef enum ms_session_state {
	MS_SESSION_NEW = 0,	/* no init yet */
	MS_SESSION_INITIALIZED,	/* ready sent, waiting for the offer */
	MS_SESSION_NEGOTIATED,	/* answer sent */
	MS_SESSION_CLOSED,	/* closed or cleaned up; a new init starts over */
	MS_SESSION_STATE_COUNT
} ms_session_state;

typedef struct ms_slot_request {
	int slot;
	char stream[MS_NAME_MAX];
	char quality[MS_NAME_MAX];
	char resolved[MS_RESOLVED_MAX];
} ms_slot_request;

/* One entry of a hint's slots[]. */
typedef struct ms_hint {
	gboolean slot_valid;		/* FALSE: not a slot index (483) */
	int slot;
	guint width, height;		/* rendered size, device pixels */
	gboolean visible;
} ms_hint;

typedef struct ms_request {
	ms_request_type type;
	json_t *request_id;		/* own reference (string or integer), or NULL */
	/* switch, pause, resume, keyframe */
	gboolean slot_valid;		/* FALSE: slot was non-integer or out of int range -> 483 */
	int slot;			/* -1 allowed for keyframe and audio only */
	/* switch, resume (stream optional for resume) */
	gboolean has_stream;
	char stream[MS_NAME_MAX];
	char quality[MS_NAME_MAX];
	char resolved[MS_RESOLVED_MAX];
	/* init */
	ms_slot_request *slots;		/* g_new0, freed by ms_request_clear */
	guint n_slots;
	gboolean audio;			/* init: value.audio = true (an audio m-line) */
	/* hint */
	ms_hint *hints;			/* g_new0, freed by ms_request_clear */
	guint n_hints;
	/* any request: value.token, for streams that require one
	 * (docs/protocol.md §10: "secret"/"pin" in the stream's jcfg group) */
	gboolean has_token;
	char token[MS_NAME_MAX];
	/* on error: what was wrong (for "detail") */
	char detail[160];
} ms_request;

/* Wire name of a request type ("multistream/init", ...). */
const char *ms_request_name(ms_request_type t);
const char *ms_session_state_name(ms_session_state s);

/* Parse and validate a message body. has_jsep says whether the Janus message
 * carried a jsep (required by offer: none -> 480). Validation done here:
 * shape (object, "type" string known, "value" object or absent), field types,
 * init slots 1..max_slots (0 -> 480, more -> 484), unique indices 0..N-1
 * (else 483), non-empty stream names shorter than MS_NAME_MAX (else 480).
 * A slot that is a JSON real or outside int range is not an error here:
 * slot_valid is FALSE and the session answers 483. On error req->detail says
 * which field, req->type/request_id are set as far as they could be parsed.
 * Always call ms_request_clear() afterwards. */
ms_error ms_request_parse(json_t *body, gboolean has_jsep, guint max_slots, ms_request *req);
void ms_request_clear(ms_request *req);

/* Is the request allowed in this session state? MS_OK, or 481 (before any
 * init), 482 (after close/cleanup), 486 (e.g. a second offer, init twice). */
ms_error ms_request_allowed(ms_request_type t, ms_session_state s);

/* Quality "auto": the plugin picks the variant (docs/protocol.md §15). */
#define MS_QUALITY_AUTO "auto"

/* Spec name resolution: quality NULL, "", "native" or "auto" -> stream;
 * otherwise "stream-quality". FALSE when out is too small. */
gboolean ms_resolve_name(const char *stream, const char *quality, char *out, gsize outlen);

/* Server messages. request_id may be NULL (unsolicited events); it is
 * copied (json_incref), never stolen. Each returns a new reference. */
json_t *ms_msg_error(json_t *request_id, ms_error code, int slot, gboolean has_slot, const char *detail);
json_t *ms_msg_ready(json_t *request_id, guint n_slots);
/* One slot entry of the answer's value.slots: slot, stream, status, mid, error? */
json_t *ms_msg_answer_slot(int slot, const char *stream, ms_slot_status status, const char *error, const char *mid);
/* slots is stolen. sdp may be NULL (then value.sdp is omitted). */
json_t *ms_msg_answer(json_t *request_id, const char *sdp, json_t *slots);
/* {"type":"multistream/status","value":{request_id?,slot,status:{slot,stream,quality?,status,error?,codec}}}
 * codec: what the slot sends now, "h264"/"h265", or NULL (null) before anything. */
json_t *ms_msg_status(json_t *request_id, int slot, const char *stream, const char *quality,
	ms_slot_status status, const char *error, const char *codec);
/* The same with actualQuality (an "auto" slot: "native" or the variant's
 * quality; NULL: omitted). */
json_t *ms_msg_status_auto(json_t *request_id, int slot, const char *stream, const char *quality,
	ms_slot_status status, const char *error, const char *codec, const char *actual);
/* {"type":"multistream/hint","value":{request_id?}} */
json_t *ms_msg_hint(json_t *request_id);
json_t *ms_msg_keyframe(json_t *request_id, int slot);
/* {"type":"multistream/audio","value":{request_id?,slot,stream,status}};
 * status "active", "unavailable" or "off" (slot -1, stream ""). */
json_t *ms_msg_audio(json_t *request_id, int slot, const char *stream, const char *status);
json_t *ms_msg_close(json_t *request_id);
/* detail (may be NULL): why, beyond reason ("setup_timeout"). */
json_t *ms_msg_disconnected(const char *reason, const char *detail);
/* streams is stolen: an array of stream entries (see ms_msg_stream_entry). */
json_t *ms_msg_streams(json_t *request_id, json_t *streams);
/* {name, kind, parent?, quality?, state, consumers, codec, audio} (codec
 * NULL: null, not known yet; audio: 1 true, 0 false, -1 null, not known) */
json_t *ms_msg_stream_entry(const char *name, const char *kind, const char *parent,
	const char *quality, const char *state, guint consumers, const char *codec, int audio);

#endif
