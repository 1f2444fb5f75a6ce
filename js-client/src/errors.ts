/**
 * errors.ts: the one error class of the client, and its codes.
 *
 * Codes 480-499 mirror the plugin's error enum (plugin/ms_error.h,
 * docs/protocol.md §5) one to one, with the same strings
 * (test/errors.test.ts reads the plugin's sources to check it). Codes
 * 490-493 never come from the server: the client raises them itself
 * (timeouts, a lost transport, a request overtaken by a newer one on the
 * same slot, a disconnect while the request was pending).
 */

export const ErrorCode = {
	/** 480: malformed JSON shape, unknown type, wrong field type. */
	InvalidRequest: 480,
	/** 481: offer/switch/... before any init. */
	SessionNotInitialized: 481,
	/** 482: after close or cleanup. */
	NoActiveSession: 482,
	/** 483: slot not in the init. */
	InvalidSlotIndex: 483,
	/** 484: more slots than the plugin's max_slots. */
	TooManySlots: 484,
	/** 485: unknown stream name. */
	StreamNotFound: 485,
	/** 486: e.g. a second offer. */
	InvalidState: 486,
	/** 487: unauthorized. */
	Unauthorized: 487,
	/** 488: an H265 stream asked for on a slot whose m-line has no H265, and the server's H264 transcode is off. */
	CodecNotSupported: 488,
	/** 499: internal error in the plugin. */
	InternalError: 499,
	/** 490 (client only): no reply within `connectionTimeout`. */
	Timeout: 490,
	/** 491 (client only): the Janus session, handle or WebSocket failed. */
	TransportError: 491,
	/** 492 (client only): a newer switch/pause/resume on the same slot replaced this one. */
	Superseded: 492,
	/** 493 (client only): disconnect() or a lost connection ended the request. */
	Disconnected: 493,
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The server's error strings, by code (docs/protocol.md §5), plus the client's own. */
export const ERROR_STRINGS: Readonly<Record<ErrorCode, string>> = {
	480: 'invalid request',
	481: 'session not initialized',
	482: 'no active session',
	483: 'invalid slot index',
	484: 'too many slots requested',
	485: 'stream not found',
	486: 'invalid state',
	487: 'unauthorized',
	488: 'codec not supported',
	499: 'internal error',
	490: 'timeout',
	491: 'transport error',
	492: 'superseded',
	493: 'disconnected',
};

const SERVER_CODES: ReadonlySet<number> = new Set([480, 481, 482, 483, 484, 485, 486, 487, 488, 499]);

/** True when `code` is one the plugin can send. */
export function isServerErrorCode(code: number): boolean {
	return SERVER_CODES.has(code);
}

/** Map a server error string back to its code (for slot statuses, which carry only the string). */
export function codeForErrorString(error: string): ErrorCode {
	for(const [code, str] of Object.entries(ERROR_STRINGS)) {
		if(str === error)
			return Number(code) as ErrorCode;
	}
	return ErrorCode.InternalError;
}

export interface MultiStreamErrorInit {
	/** Slot concerned, when the error concerns one. */
	slot?: number;
	/** The server's `detail` (which field was wrong, ...). */
	detail?: string;
	/** The request that failed. */
	requestId?: string;
}

/**
 * Every failure of the client rejects with this class. `code` is an
 * `ErrorCode`; `error` is the server's error string (`stream not found`, ...)
 * verbatim, or the client's own string for client-side codes.
 */
export class MultiStreamError extends Error {
	readonly code: ErrorCode;
	readonly error: string;
	readonly slot?: number;
	readonly detail?: string;
	readonly requestId?: string;

	constructor(code: ErrorCode, error?: string, init: MultiStreamErrorInit = {}) {
		const str = error ?? ERROR_STRINGS[code] ?? 'error';
		super(init.detail ? `${str} (${code}): ${init.detail}` : `${str} (${code})`);
		this.name = 'MultiStreamError';
		this.code = code;
		this.error = str;
		if(init.slot !== undefined)
			this.slot = init.slot;
		if(init.detail !== undefined)
			this.detail = init.detail;
		if(init.requestId !== undefined)
			this.requestId = init.requestId;
	}
}
