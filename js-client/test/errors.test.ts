import { describe, expect, it } from 'vitest';
import { ErrorCode, ERROR_STRINGS, MultiStreamError, codeForErrorString, isServerErrorCode } from '../src/errors.js';

describe('ErrorCode', () => {
	it('mirrors the server codes and strings', () => {
		expect([ErrorCode.InvalidRequest, ErrorCode.SessionNotInitialized, ErrorCode.NoActiveSession, ErrorCode.InvalidSlotIndex,
			ErrorCode.TooManySlots, ErrorCode.StreamNotFound, ErrorCode.InvalidState, ErrorCode.Unauthorized, ErrorCode.InternalError])
			.toEqual([480, 481, 482, 483, 484, 485, 486, 487, 499]);
		expect(ERROR_STRINGS[485]).toBe('stream not found');
		expect(ERROR_STRINGS[484]).toBe('too many slots requested');
		expect(codeForErrorString('invalid slot index')).toBe(483);
		expect(codeForErrorString('something new')).toBe(499);
		expect(isServerErrorCode(487)).toBe(true);
		expect(isServerErrorCode(ErrorCode.Timeout)).toBe(false);
	});

	it('MultiStreamError carries code, string, slot and detail', () => {
		const e = new MultiStreamError(ErrorCode.InvalidRequest, 'invalid request', { slot: 2, detail: 'slot must be an integer', requestId: 'r1' });
		expect(e).toBeInstanceOf(Error);
		expect(e.name).toBe('MultiStreamError');
		expect(e.code).toBe(480);
		expect(e.error).toBe('invalid request');
		expect(e.slot).toBe(2);
		expect(e.detail).toBe('slot must be an integer');
		expect(e.requestId).toBe('r1');
		expect(e.message).toContain('invalid request');
		expect(new MultiStreamError(ErrorCode.Timeout).message).toContain('timeout');
	});
});
