/* fuzz_protocol.c: libFuzzer target for ms_protocol.
 *
 * bytes -> json_loadb -> ms_request_parse (with and without a jsep, several
 * max_slots) -> the state rules and the reply builders -> ms_request_clear.
 * Invariants checked: errors carry a UTF-8 detail, init slots are 0..N-1 in
 * order, resolved names fit. Build (not part of the autotools build):
 *   clang -g -fsanitize=fuzzer,address,undefined -Iplugin tests/fuzz/fuzz_protocol.c \
 *     plugin/ms_protocol.c plugin/ms_slot.c $(pkg-config --cflags --libs glib-2.0 jansson)
 *   ./a.out tests/fuzz/corpus/protocol */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ms_protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(ms_error err, const ms_request *req)
{
	if(err != MS_OK) {
		if(!g_utf8_validate(req->detail, -1, NULL) || req->detail[0] == '\0')
			abort();
		if(req->slots != NULL)
			abort();
		return;
	}
	if(req->type >= MS_REQ_COUNT)
		abort();
	for(guint i = 0; i < req->n_slots; i++) {
		if(req->slots[i].slot != (int)i || req->slots[i].resolved[0] == '\0')
			abort();
	}
	if(req->slot_valid && req->slot < -1)
		abort();
}

static void exercise(const ms_request *req, ms_error err)
{
	for(int s = 0; s < MS_SESSION_STATE_COUNT; s++)
		(void)ms_request_allowed(req->type, (ms_session_state)s);
	json_t *msg;
	if(err != MS_OK)
		msg = ms_msg_error(req->request_id, err, req->slot, req->slot_valid, req->detail);
	else if(req->type == MS_REQ_INIT)
		msg = ms_msg_ready(req->request_id, req->n_slots);
	else if(req->has_stream)
		msg = ms_msg_status(req->request_id, req->slot, req->resolved, req->quality,
			MS_SLOT_BUFFERING, NULL, "h264");
	else
		msg = ms_msg_keyframe(req->request_id, req->slot);
	char *text = json_dumps(msg, JSON_COMPACT);
	if(text == NULL)
		abort();
	free(text);
	json_decref(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *body = json_loadb((const char *)data, size, JSON_DECODE_ANY, &jerr);
	if(body == NULL)
		return 0;
	static const guint max[] = { 9, 1, 0, 64 };
	for(int jsep = 0; jsep < 2; jsep++) {
		for(guint m = 0; m < G_N_ELEMENTS(max); m++) {
			ms_request req;
			ms_error err = ms_request_parse(body, jsep, max[m], &req);
			check(err, &req);
			exercise(&req, err);
			ms_request_clear(&req);
		}
	}
	json_decref(body);
	return 0;
}
