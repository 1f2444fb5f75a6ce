/// <reference types="vite/client" />
import { describe, expect, it } from 'vitest';
import { ErrorCode, ERROR_STRINGS, MultiStreamError, codeForErrorString, isServerErrorCode } from '../src/errors.js';

/*
 * The plugin's C sources, read as text (paths relative to this file). The
 * codes come from the `ms_error` enum of plugin/ms_error.h; the strings from
 * the `ms_error_string` switch (plugin/ms_protocol.c today, found in whichever
 * source defines it) and from the enum's trailing comments ("..."), whichever
 * holds them; when both do they must agree.
 */
const PLUGIN_SOURCES: Record<string, string> = import.meta.glob('../../plugin/*.{c,h}', { query: '?raw', import: 'default', eager: true });
const ERROR_HEADER = '../../plugin/ms_error.h';

interface Enumerator { name: string; code: number; comment?: string }

/** The enumerators of `typedef enum ms_error { ... } ms_error;`, in order, with the string of a trailing comment on the same line. */
function parseErrorEnum(src: string): Enumerator[] {
	const body = /typedef\s+enum\s+ms_error\s*\{([\s\S]*?)\}\s*ms_error\s*;/.exec(src)?.[1];
	if(body === undefined)
		throw new Error(`no "typedef enum ms_error { ... } ms_error;" in ${ERROR_HEADER}`);
	const out: Enumerator[] = [];
	let next = 0;
	let last: Enumerator | undefined;
	let sinceLast = '';	/* text between the last enumerator and the current token */
	const token = /\/\*([\s\S]*?)\*\/|\/\/([^\n]*)|([A-Za-z_]\w*)\s*(?:=\s*([^,/]+?))?\s*(?=,|\/\*|\/\/|$)|([\s\S])/g;
	for(const m of body.matchAll(token)) {
		const [all, block, line, name, value] = m;
		if(name !== undefined) {
			let code = next;
			if(value !== undefined) {
				code = Number(value.trim());	/* decimal or 0x... */
				if(!Number.isInteger(code))
					throw new Error(`${name} = ${value.trim()}: not a number this test can read`);
			}
			last = { name, code };
			out.push(last);
			next = code + 1;
			sinceLast = '';
			continue;
		}
		const comment = block ?? line;
		if(comment !== undefined && last !== undefined && last.comment === undefined && !sinceLast.includes('\n')) {
			const str = /"((?:[^"\\]|\\.)*)"/.exec(comment)?.[1];
			if(str !== undefined)
				last.comment = str;
		}
		sinceLast += all;
	}
	return out;
}

function stripComments(src: string): string {
	return src.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}

/** name -> string of the `case MS_X: return "...";` lines of `ms_error_string`, or undefined when no source defines it. */
function parseErrorStringSwitch(sources: Record<string, string>): Map<string, string> | undefined {
	for(const src of Object.values(sources)) {
		const code = stripComments(src);
		const start = /\bms_error_string\s*\([^)]*\)\s*\{/.exec(code);
		if(start === null)
			continue;	/* only declared here (or not at all) */
		let depth = 0;
		let end = start.index + start[0].length - 1;
		for(; end < code.length; end++) {
			if(code[end] === '{')
				depth++;
			else if(code[end] === '}' && --depth === 0)
				break;
		}
		const strings = new Map<string, string>();
		for(const m of code.slice(start.index, end).matchAll(/case\s+(\w+)\s*:\s*return\s+"((?:[^"\\]|\\.)*)"\s*;/g))
			strings.set(m[1]!, m[2]!);
		return strings;
	}
	return undefined;
}

/** The plugin's error codes (MS_OK excluded) and their strings, as the plugin sends them. */
function pluginErrors(): Map<number, string> {
	const header = PLUGIN_SOURCES[ERROR_HEADER];
	if(header === undefined)
		throw new Error(`${ERROR_HEADER} not found (have: ${Object.keys(PLUGIN_SOURCES).join(', ') || 'nothing'})`);
	const enumerators = parseErrorEnum(header);
	const switchStrings = parseErrorStringSwitch(PLUGIN_SOURCES);
	const out = new Map<number, string>();
	for(const e of enumerators) {
		if(e.code === 0)
			continue;	/* MS_OK: not an error */
		const fromSwitch = switchStrings?.get(e.name);
		if(fromSwitch !== undefined && e.comment !== undefined && fromSwitch !== e.comment)
			throw new Error(`${e.name}: ms_error_string says "${fromSwitch}", the comment in ms_error.h says "${e.comment}"`);
		const str = fromSwitch ?? e.comment;
		if(str === undefined)
			throw new Error(`${e.name} (${e.code}) has no string: neither a case in ms_error_string nor a "..." comment in ms_error.h`);
		if(out.has(e.code))
			throw new Error(`${e.name}: code ${e.code} used twice in ms_error.h`);
		out.set(e.code, str);
	}
	return out;
}

describe('ErrorCode', () => {
	it('has exactly the plugin\'s codes and strings (plugin/ms_error.h, ms_error_string)', () => {
		const plugin = pluginErrors();
		expect(plugin.size).toBeGreaterThan(0);
		const expected = Object.fromEntries([...plugin].sort(([a], [b]) => a - b));

		/* What the client holds as server codes: by isServerErrorCode, by ErrorCode, by ERROR_STRINGS. */
		const byPredicate = Array.from({ length: 1000 }, (_, i) => i).filter(isServerErrorCode);
		const byEnum = (Object.values(ErrorCode) as number[]).filter(isServerErrorCode).sort((a, b) => a - b);
		const strings = ERROR_STRINGS as Readonly<Record<number, string>>;
		expect(Object.fromEntries(byPredicate.map((c) => [c, strings[c]]))).toEqual(expected);
		expect(byEnum).toEqual(byPredicate);

		/* The client's own codes are none of the plugin's. */
		for(const c of Object.values(ErrorCode) as number[]) {
			if(!isServerErrorCode(c))
				expect(plugin.has(c), `client-only code ${c} is also a plugin code`).toBe(false);
		}
		for(const [code, str] of plugin)
			expect(codeForErrorString(str)).toBe(code);
	});

	it('maps strings back to codes', () => {
		expect(codeForErrorString('invalid slot index')).toBe(ErrorCode.InvalidSlotIndex);
		expect(codeForErrorString('something new')).toBe(ErrorCode.InternalError);
		expect(isServerErrorCode(ErrorCode.Unauthorized)).toBe(true);
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
