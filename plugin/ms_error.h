/* ms_error.h: the one error enum of the plugin, with its wire strings.
 *
 * Codes and strings are the protocol's (docs/protocol.md §5); the strings
 * come from ms_error_string() (ms_protocol.c). The js-client mirrors both in
 * js-client/src/errors.ts; js-client/test/errors.test.ts reads this enum and
 * that function and fails when the two sides differ. */
#ifndef MS_ERROR_H
#define MS_ERROR_H

typedef enum ms_error {
	MS_OK = 0,
	MS_ERR_INVALID_REQUEST = 480,	/* "invalid request" */
	MS_ERR_NOT_INITIALIZED = 481,	/* "session not initialized" */
	MS_ERR_NO_SESSION = 482,	/* "no active session" */
	MS_ERR_INVALID_SLOT = 483,	/* "invalid slot index" */
	MS_ERR_TOO_MANY_SLOTS = 484,	/* "too many slots requested" */
	MS_ERR_STREAM_NOT_FOUND = 485,	/* "stream not found" */
	MS_ERR_INVALID_STATE = 486,	/* "invalid state" */
	MS_ERR_UNAUTHORIZED = 487,	/* "unauthorized" */
	MS_ERR_CODEC_NOT_SUPPORTED = 488,	/* "codec not supported" */
	MS_ERR_INTERNAL = 499,		/* "internal error" */
} ms_error;

/* The wire "error" string for a code ("internal error" for unknown codes). */
const char *ms_error_string(ms_error code);

#endif
