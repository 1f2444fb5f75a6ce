/**
 * Quality auto on the client: hint(), the automatic hints of observe() (fake
 * ResizeObserver / IntersectionObserver / document visibility /
 * devicePixelRatio / matchMedia, fake timers), and actualQuality / inactive
 * passing through statuses.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MultiStreamClient, resolveStreamName } from '../src/client.js';
import { ErrorCode, MultiStreamError } from '../src/errors.js';
import type { MultiStreamClientOptions, SlotConfig, SlotHint, SlotStatus } from '../src/types.js';
import { FakeJanus, politePlugin, rid, type Sent } from './fake-janus.js';

/* ---------- fake DOM ---------- */

type El = Element & { name: string };
function el(name: string): El {
	return { name } as unknown as El;
}

class FakeResizeObserver {
	static all: FakeResizeObserver[] = [];
	readonly targets = new Set<Element>();
	disconnected = false;
	constructor(private readonly cb: (entries: Array<{ target: Element; contentRect: { width: number; height: number } }>) => void) {
		FakeResizeObserver.all.push(this);
	}
	observe(e: Element): void { this.targets.add(e); }
	unobserve(e: Element): void { this.targets.delete(e); }
	disconnect(): void { this.targets.clear(); this.disconnected = true; }
	/** Report sizes (CSS pixels) of observed elements, like one ResizeObserver callback. */
	fire(...sizes: Array<[Element, number, number]>): void {
		const entries = sizes.filter(([e]) => this.targets.has(e)).map(([target, width, height]) => ({ target, contentRect: { width, height } }));
		if(entries.length)
			this.cb(entries);
	}
}

class FakeIntersectionObserver {
	static all: FakeIntersectionObserver[] = [];
	readonly targets = new Set<Element>();
	init: unknown;
	constructor(private readonly cb: (entries: Array<{ target: Element; isIntersecting: boolean }>) => void, init?: unknown) {
		this.init = init;
		FakeIntersectionObserver.all.push(this);
	}
	observe(e: Element): void { this.targets.add(e); }
	unobserve(e: Element): void { this.targets.delete(e); }
	disconnect(): void { this.targets.clear(); }
	fire(...states: Array<[Element, boolean]>): void {
		const entries = states.filter(([e]) => this.targets.has(e)).map(([target, isIntersecting]) => ({ target, isIntersecting }));
		if(entries.length)
			this.cb(entries);
	}
}

class FakeDocument {
	hidden = false;
	visibilityState: 'visible' | 'hidden' = 'visible';
	readonly listeners = new Map<string, Set<() => void>>();
	addEventListener(type: string, cb: () => void): void {
		if(!this.listeners.has(type))
			this.listeners.set(type, new Set());
		this.listeners.get(type)!.add(cb);
	}
	removeEventListener(type: string, cb: () => void): void {
		this.listeners.get(type)?.delete(cb);
	}
	count(type: string): number {
		return this.listeners.get(type)?.size ?? 0;
	}
	setHidden(hidden: boolean): void {
		this.hidden = hidden;
		this.visibilityState = hidden ? 'hidden' : 'visible';
		for(const cb of [...(this.listeners.get('visibilitychange') ?? [])])
			cb();
	}
}

/** matchMedia('(resolution: Xdppx)'): one query object per call, fired by dprChange(). */
class FakeMedia {
	readonly queries: Array<{ media: string; listeners: Set<() => void> }> = [];
	readonly matchMedia = (media: string) => {
		const q = {
			media,
			listeners: new Set<() => void>(),
			addEventListener: (_t: string, cb: () => void) => { q.listeners.add(cb); },
			removeEventListener: (_t: string, cb: () => void) => { q.listeners.delete(cb); },
		};
		this.queries.push(q);
		return q;
	};
	dprChange(to: number): void {
		vi.stubGlobal('devicePixelRatio', to);
		for(const q of [...this.queries])
			for(const cb of [...q.listeners])
				cb();
	}
	listening(): number {
		return this.queries.reduce((n, q) => n + q.listeners.size, 0);
	}
}

let doc: FakeDocument;
let media: FakeMedia;

function ro(): FakeResizeObserver {
	const r = FakeResizeObserver.all.at(-1);
	if(!r)
		throw new Error('no ResizeObserver made');
	return r;
}
function io(): FakeIntersectionObserver {
	const r = FakeIntersectionObserver.all.at(-1);
	if(!r)
		throw new Error('no IntersectionObserver made');
	return r;
}

function installDom(dpr = 1): void {
	FakeResizeObserver.all = [];
	FakeIntersectionObserver.all = [];
	doc = new FakeDocument();
	media = new FakeMedia();
	vi.stubGlobal('ResizeObserver', FakeResizeObserver);
	vi.stubGlobal('IntersectionObserver', FakeIntersectionObserver);
	vi.stubGlobal('document', doc);
	vi.stubGlobal('devicePixelRatio', dpr);
	vi.stubGlobal('matchMedia', media.matchMedia);
}

/* ---------- client over the fake Janus ---------- */

const AUTO: SlotConfig[] = [
	{ slot: 0, stream: 'camera1', quality: 'auto' },
	{ slot: 1, stream: 'camera2', quality: 'auto' },
	{ slot: 2, stream: 'camera3', quality: '360p' },
];

function setup(opts: Partial<MultiStreamClientOptions> = {}): { fake: FakeJanus; client: MultiStreamClient; hints: SlotHint[][] } {
	const fake = new FakeJanus();
	fake.auto = politePlugin();
	const hints: SlotHint[][] = [];
	const client = new MultiStreamClient('ws://127.0.0.1:8188', { transport: () => fake, onHint: (h) => hints.push(h), ...opts });
	return { fake, client, hints };
}

function hintsSent(fake: FakeJanus): Sent[] {
	return fake.sent.filter((s) => s.body.type === 'multistream/hint');
}

function slotsOf(s: Sent | undefined): SlotHint[] {
	return (s?.body.value?.['slots'] ?? []) as SlotHint[];
}

describe('hint()', () => {
	it('sends multistream/hint {request_id, slots} and resolves on the reply', async () => {
		const { fake, client, hints } = setup();
		await client.connect(AUTO);
		await expect(client.hint([{ slot: 0, width: 640, height: 360, visible: true }, { slot: 2, width: 320, height: 180, visible: false }])).resolves.toBeUndefined();
		const [h] = hintsSent(fake);
		expect(h!.body.value).toEqual({
			request_id: rid(h!),
			slots: [{ slot: 0, width: 640, height: 360, visible: true }, { slot: 2, width: 320, height: 180, visible: false }],
		});
		expect(hints).toEqual([[{ slot: 0, width: 640, height: 360, visible: true }, { slot: 2, width: 320, height: 180, visible: false }]]);
		expect(client.getHint(2)).toEqual({ slot: 2, width: 320, height: 180, visible: false });
		expect(client.getHint(1)).toBeUndefined();
	});

	it('rounds and clamps sizes to integers 0..65535 and makes visible a boolean', async () => {
		const { fake, client } = setup();
		await client.connect(AUTO);
		await client.hint([
			{ slot: 0, width: 639.5, height: 359.4, visible: true },
			{ slot: 1, width: -3, height: 70000, visible: 1 as unknown as boolean },
			{ slot: 2, width: Number.NaN, height: Number.POSITIVE_INFINITY, visible: false },
		]);
		expect(slotsOf(hintsSent(fake)[0])).toEqual([
			{ slot: 0, width: 640, height: 359, visible: true },
			{ slot: 1, width: 0, height: 65535, visible: false },
			{ slot: 2, width: 0, height: 0, visible: false },
		]);
	});

	it('rejects with 483 for a slot not in the init, 482 before connect; an empty list sends nothing', async () => {
		const { fake, client } = setup();
		await expect(client.hint([{ slot: 0, width: 1, height: 1, visible: true }])).rejects.toMatchObject({ code: ErrorCode.NoActiveSession });
		await client.connect(AUTO);
		const err = await client.hint([{ slot: 7, width: 1, height: 1, visible: true }]).catch((e: unknown) => e) as MultiStreamError;
		expect(err).toBeInstanceOf(MultiStreamError);
		expect(err.code).toBe(ErrorCode.InvalidSlotIndex);
		expect(err.slot).toBe(7);
		const n = fake.sent.length;
		await client.hint([]);
		expect(fake.sent.length).toBe(n);
	});

	it('a malformed hint is refused with 480 by the server and rejects with it', async () => {
		const { fake, client } = setup();
		await client.connect(AUTO);
		fake.auto = (s, f) => f.emit('multistream/error', { request_id: rid(s), code: 480, error: 'invalid request', detail: 'slots[0].width must be an integer 0..65535' });
		await expect(client.hint([{ slot: 0, width: 1, height: 1, visible: true }])).rejects.toMatchObject({ code: ErrorCode.InvalidRequest, detail: 'slots[0].width must be an integer 0..65535' });
	});
});

describe('quality auto in statuses and requests', () => {
	it('init carries quality "auto"; actualQuality and inactive pass through statuses', async () => {
		const { fake, client } = setup();
		const seen: SlotStatus[] = [];
		await client.connect(AUTO, (_s, st) => seen.push(st));
		expect(fake.sent[0]!.body.value!['slots']).toEqual(AUTO);
		expect(seen[0]).toMatchObject({ slot: 0, stream: 'camera1', status: 'active' });
		fake.emit('multistream/status', { slot: 0, status: { slot: 0, stream: 'camera1', quality: 'auto', status: 'active', codec: 'h264', actualQuality: '720p' } });
		expect(seen.at(-1)).toEqual({ slot: 0, stream: 'camera1', quality: 'auto', status: 'active', codec: 'h264', actualQuality: '720p' });
		fake.emit('multistream/status', { slot: 1, status: { slot: 1, stream: 'camera2', quality: 'auto', status: 'inactive', codec: null, actualQuality: '240p' } });
		expect(seen.at(-1)).toEqual({ slot: 1, stream: 'camera2', quality: 'auto', status: 'inactive', codec: null, actualQuality: '240p' });
		expect(client.getStatus(1)?.status).toBe('inactive');
		fake.emit('multistream/status', { slot: 1, status: { slot: 1, stream: 'camera2', quality: 'auto', status: 'active', codec: 'h264', actualQuality: 'native' } });
		expect(client.getStatus(1)).toMatchObject({ status: 'active', actualQuality: 'native' });
	});

	it('resolveStreamName: auto is the stream itself', () => {
		expect(resolveStreamName('camera1', 'auto')).toBe('camera1');
		expect(resolveStreamName('camera1', '360p')).toBe('camera1-360p');
	});

	it('switch to auto settles on active on the requested stream (not camera-auto)', async () => {
		const { fake, client } = setup();
		await client.connect(AUTO);
		fake.auto = (s, f) => {
			if(s.body.type !== 'multistream/switch')
				return;
			f.emit('multistream/status', { request_id: rid(s), slot: 2, status: { slot: 2, stream: 'camera5', quality: 'auto', status: 'buffering', actualQuality: '240p' } });
			setTimeout(() => f.emit('multistream/status', { slot: 2, status: { slot: 2, stream: 'camera5', quality: 'auto', status: 'active', actualQuality: '240p' } }), 1);
		};
		const st = await client.switchStream(2, 'camera5', 'auto');
		expect(fake.lastOf('multistream/switch')!.body.value).toMatchObject({ slot: 2, stream: 'camera5', quality: 'auto' });
		expect(st).toMatchObject({ stream: 'camera5', quality: 'auto', status: 'active', actualQuality: '240p' });
	});

	it('switch/resume to auto on a slot hinted not visible settles on inactive', async () => {
		const { fake, client } = setup();
		await client.connect(AUTO);
		fake.auto = (s, f) => {
			if(s.body.type === 'multistream/switch' || s.body.type === 'multistream/resume')
				f.emit('multistream/status', { request_id: rid(s), slot: 2, status: { slot: 2, stream: 'camera4', quality: 'auto', status: 'inactive', codec: null } });
			if(s.body.type === 'multistream/pause')
				f.emit('multistream/status', { request_id: rid(s), slot: 2, status: { slot: 2, stream: 'camera4', quality: 'auto', status: 'paused' } });
		};
		await expect(client.switchStream(2, 'camera4', 'auto')).resolves.toMatchObject({ status: 'inactive', stream: 'camera4' });
		await client.pause(2);
		await expect(client.resume(2)).resolves.toMatchObject({ status: 'inactive' });
		expect(fake.lastOf('multistream/resume')!.body.value).toMatchObject({ slot: 2, stream: 'camera4', quality: 'auto' });
	});
});

describe('automatic hints (observe)', () => {
	beforeEach(() => {
		vi.useFakeTimers();
		installDom(1);
	});
	afterEach(() => {
		vi.useRealTimers();
		vi.unstubAllGlobals();
	});

	async function connectedWith(elements: Array<[number, El]>, opts: Partial<MultiStreamClientOptions> = {}, slots = AUTO) {
		const s = setup(opts);
		for(const [slot, e] of elements)
			expect(s.client.observe(slot, e)).toBe(true);
		await s.client.connect(slots);
		return s;
	}

	it('observed before connect: nothing before, then one hint with every known slot right after connect', async () => {
		const a = el('a');
		const b = el('b');
		const c = el('c');
		const { fake, client } = setup();
		client.observe(0, a);
		client.observe(1, b);
		client.observe(2, c);
		expect(client.observedSlots).toEqual([0, 1, 2]);
		expect(io().init).toEqual({ root: null, threshold: 0 });
		ro().fire([a, 640, 360], [b, 320, 180]);		// c: size not known yet
		await vi.advanceTimersByTimeAsync(500);
		expect(fake.sent).toHaveLength(0);
		await client.connect(AUTO);
		const hs = hintsSent(fake);
		expect(hs).toHaveLength(1);
		expect(slotsOf(hs[0])).toEqual([{ slot: 0, width: 640, height: 360, visible: true }, { slot: 1, width: 320, height: 180, visible: true }]);
		// c's first size comes: only c, debounced
		ro().fire([c, 100, 50]);
		await vi.advanceTimersByTimeAsync(149);
		expect(hintsSent(fake)).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(1);
		expect(slotsOf(hintsSent(fake)[1])).toEqual([{ slot: 2, width: 100, height: 50, visible: true }]);
	});

	it('a change after a quiet spell goes at once; the changes after it make one message 150 ms after the last', async () => {
		const a = el('a');
		const b = el('b');
		const c = el('c');
		const { fake, hints } = await connectedWith([[0, a], [1, b], [2, c]]);
		ro().fire([a, 400, 225], [b, 400, 225], [c, 400, 225]);
		await vi.advanceTimersByTimeAsync(0);
		expect(hintsSent(fake)).toHaveLength(1);		// at once: nothing was sent before
		await vi.advanceTimersByTimeAsync(100);
		ro().fire([a, 800, 450]);		// 100 ms after a hint: debounced
		await vi.advanceTimersByTimeAsync(100);
		io().fire([b, false]);
		await vi.advanceTimersByTimeAsync(100);
		ro().fire([c, 200, 112.5]);
		await vi.advanceTimersByTimeAsync(149);
		expect(hintsSent(fake)).toHaveLength(1);		// restarted by every change
		await vi.advanceTimersByTimeAsync(1);
		const hs = hintsSent(fake);
		expect(hs).toHaveLength(2);
		expect(slotsOf(hs[1])).toEqual([
			{ slot: 0, width: 800, height: 450, visible: true },
			{ slot: 1, width: 400, height: 225, visible: false },
			{ slot: 2, width: 200, height: 113, visible: true },
		]);
		expect(hints).toHaveLength(2);
		await vi.advanceTimersByTimeAsync(2000);
		expect(hintsSent(fake)).toHaveLength(2);
		// quiet again: the next change goes at once
		ro().fire([a, 400, 225]);
		await vi.advanceTimersByTimeAsync(0);
		expect(slotsOf(hintsSent(fake)[2])).toEqual([{ slot: 0, width: 400, height: 225, visible: true }]);
	});

	it('changes that keep coming still send a hint within 1 s of the first one', async () => {
		const a = el('a');
		const { fake } = await connectedWith([[0, a]]);
		ro().fire([a, 100, 100]);		// at once
		await vi.advanceTimersByTimeAsync(0);
		const n = hintsSent(fake).length;
		expect(n).toBe(1);
		for(let i = 1; i <= 20; i++) {		// a window being dragged: a change every 100 ms
			ro().fire([a, 100 + i, 100]);
			await vi.advanceTimersByTimeAsync(100);
			if(i === 9)
				expect(hintsSent(fake)).toHaveLength(n);
		}
		expect(hintsSent(fake).length).toBe(n + 2);		// at 1000 ms and 2000 ms
		expect(slotsOf(hintsSent(fake)[n])).toEqual([{ slot: 0, width: 110, height: 100, visible: true }]);
	});

	it('sizes are in device pixels: CSS size * devicePixelRatio, rounded', async () => {
		vi.stubGlobal('devicePixelRatio', 1.5);
		const a = el('a');
		const b = el('b');
		const { fake } = await connectedWith([[0, a], [1, b]]);
		ro().fire([a, 333.3, 187.5], [b, 426.67, 240]);
		await vi.advanceTimersByTimeAsync(150);
		expect(slotsOf(hintsSent(fake)[0])).toEqual([
			{ slot: 0, width: 500, height: 281, visible: true },		// 499.95, 281.25
			{ slot: 1, width: 640, height: 360, visible: true },		// 640.005, 360
		]);
	});

	it('a devicePixelRatio change alone (zoom, another screen) re-sends the sizes', async () => {
		const a = el('a');
		const { fake } = await connectedWith([[0, a]]);
		expect(media.queries.at(-1)!.media).toBe('(resolution: 1dppx)');
		ro().fire([a, 320, 180]);
		await vi.advanceTimersByTimeAsync(150);
		media.dprChange(2);
		await vi.advanceTimersByTimeAsync(150);
		expect(slotsOf(hintsSent(fake)[1])).toEqual([{ slot: 0, width: 640, height: 360, visible: true }]);
		expect(media.queries.at(-1)!.media).toBe('(resolution: 2dppx)');
		expect(media.listening()).toBe(1);		// the old query was let go
	});

	it('a hidden tab: every observed slot visible:false at once; shown again: the real values', async () => {
		const a = el('a');
		const b = el('b');
		const c = el('c');
		const { fake } = await connectedWith([[0, a], [1, b], [2, c]]);
		io().fire([c, false]);		// scrolled out (no size known yet: nothing to send)
		ro().fire([a, 400, 225], [b, 400, 225], [c, 400, 225]);
		await vi.advanceTimersByTimeAsync(150);
		expect(hintsSent(fake)).toHaveLength(1);
		expect(slotsOf(hintsSent(fake)[0])[2]).toEqual({ slot: 2, width: 400, height: 225, visible: false });
		doc.setHidden(true);
		await vi.advanceTimersByTimeAsync(0);
		let hs = hintsSent(fake);
		expect(hs).toHaveLength(2);		// no debounce: a hidden tab's timers are throttled
		expect(slotsOf(hs[1])).toEqual([
			{ slot: 0, width: 400, height: 225, visible: false },
			{ slot: 1, width: 400, height: 225, visible: false },
		]);		// c was already not visible: unchanged, not sent
		// changes while hidden still say not visible
		ro().fire([a, 800, 450]);
		await vi.advanceTimersByTimeAsync(150);
		expect(slotsOf(hintsSent(fake)[2])).toEqual([{ slot: 0, width: 800, height: 450, visible: false }]);
		doc.setHidden(false);
		await vi.advanceTimersByTimeAsync(0);
		hs = hintsSent(fake);
		expect(hs).toHaveLength(4);
		expect(slotsOf(hs[3])).toEqual([
			{ slot: 0, width: 800, height: 450, visible: true },
			{ slot: 1, width: 400, height: 225, visible: true },
		]);
		await vi.advanceTimersByTimeAsync(1000);
		expect(hintsSent(fake)).toHaveLength(4);
	});

	it('nothing is sent when nothing changed', async () => {
		const a = el('a');
		const b = el('b');
		const { fake } = await connectedWith([[0, a], [1, b]]);
		ro().fire([a, 400, 225], [b, 400, 225]);		// sent at once
		io().fire([a, true], [b, true]);
		ro().fire([a, 500, 300]);
		ro().fire([a, 400, 225]);		// changed and back within the debounce
		await vi.advanceTimersByTimeAsync(500);
		expect(hintsSent(fake)).toHaveLength(1);
		ro().fire([a, 400, 225]);		// same size again
		io().fire([b, true]);		// same visibility again
		await vi.advanceTimersByTimeAsync(500);
		ro().fire([a, 400.2, 224.8]);		// rounds to the same device pixels
		await vi.advanceTimersByTimeAsync(500);
		doc.setHidden(false);		// a visibilitychange that changes nothing
		await vi.advanceTimersByTimeAsync(500);
		expect(hintsSent(fake)).toHaveLength(1);
	});

	it('unobserve(slot): its changes (pending or later) are not sent, the others still are; unobserve() lets everything go', async () => {
		const a = el('a');
		const b = el('b');
		const { fake, client } = await connectedWith([[0, a], [1, b]]);
		const r = ro();
		r.fire([a, 400, 225], [b, 400, 225]);		// sent at once
		await vi.advanceTimersByTimeAsync(0);
		r.fire([a, 800, 450], [b, 800, 450]);		// debounced
		client.unobserve(0);		// a's pending change is dropped
		expect(r.targets.has(a)).toBe(false);
		expect(io().targets.has(a)).toBe(false);
		expect(client.observedSlots).toEqual([1]);
		await vi.advanceTimersByTimeAsync(150);
		expect(slotsOf(hintsSent(fake)[1])).toEqual([{ slot: 1, width: 800, height: 450, visible: true }]);
		r.fire([a, 100, 100]);		// no longer observed
		doc.setHidden(true);
		await vi.advanceTimersByTimeAsync(150);
		expect(slotsOf(hintsSent(fake)[2])).toEqual([{ slot: 1, width: 800, height: 450, visible: false }]);
		expect(doc.count('visibilitychange')).toBe(1);
		client.unobserve();
		expect(client.observedSlots).toEqual([]);
		expect(r.disconnected).toBe(true);
		expect(doc.count('visibilitychange')).toBe(0);
		expect(media.listening()).toBe(0);
		doc.setHidden(false);
		await vi.advanceTimersByTimeAsync(1000);
		expect(hintsSent(fake)).toHaveLength(3);
	});

	it('a new element for a slot replaces the old one', async () => {
		const a = el('a');
		const a2 = el('a2');
		const { fake, client } = await connectedWith([[0, a]]);
		client.observe(0, a2);
		expect(ro().targets.has(a)).toBe(false);
		ro().fire([a2, 200, 100]);
		await vi.advanceTimersByTimeAsync(150);
		expect(slotsOf(hintsSent(fake)[0])).toEqual([{ slot: 0, width: 200, height: 100, visible: true }]);
	});

	it('only slots of the init are hinted; nothing after disconnect; all again after a new connect', async () => {
		const a = el('a');
		const z = el('z');
		const { fake, client } = await connectedWith([[0, a], [9, z]]);
		ro().fire([a, 400, 225], [z, 400, 225]);
		await vi.advanceTimersByTimeAsync(150);
		expect(hintsSent(fake).map(slotsOf)).toEqual([[{ slot: 0, width: 400, height: 225, visible: true }]]);
		await client.disconnect();
		const n = fake.sent.length;
		ro().fire([a, 800, 450]);
		await vi.advanceTimersByTimeAsync(500);
		expect(fake.sent.length).toBe(n);
		await client.connect(AUTO);
		expect(slotsOf(hintsSent(fake).at(-1))).toEqual([{ slot: 0, width: 800, height: 450, visible: true }]);
	});

	it('an automatic hint that fails is logged and sent again at the next change', async () => {
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
		try {
			const a = el('a');
			const b = el('b');
			const { fake } = await connectedWith([[0, a], [1, b]]);
			const polite = fake.auto;
			fake.auto = (s, f) => f.emit('multistream/error', { request_id: rid(s), code: 499, error: 'internal error' });
			ro().fire([a, 400, 225]);
			await vi.advanceTimersByTimeAsync(150);
			expect(warn).toHaveBeenCalledTimes(1);
			fake.auto = polite;
			ro().fire([b, 100, 100]);
			await vi.advanceTimersByTimeAsync(150);
			expect(slotsOf(hintsSent(fake).at(-1))).toEqual([{ slot: 0, width: 400, height: 225, visible: true }, { slot: 1, width: 100, height: 100, visible: true }]);
		} finally {
			warn.mockRestore();
		}
	});

	it('hintDebounceMs sets the quiet time', async () => {
		const a = el('a');
		const { fake } = await connectedWith([[0, a]], { hintDebounceMs: 40 });
		ro().fire([a, 10, 10]);		// at once
		await vi.advanceTimersByTimeAsync(0);
		expect(hintsSent(fake)).toHaveLength(1);
		ro().fire([a, 20, 20]);		// debounced: 40 ms
		await vi.advanceTimersByTimeAsync(39);
		expect(hintsSent(fake)).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(1);
		expect(hintsSent(fake)).toHaveLength(2);
		await vi.advanceTimersByTimeAsync(40);
		ro().fire([a, 30, 30]);		// quiet for 40 ms: at once
		await vi.advanceTimersByTimeAsync(0);
		expect(hintsSent(fake)).toHaveLength(3);
	});

	it('without IntersectionObserver a slot is visible unless the page is hidden', async () => {
		vi.stubGlobal('IntersectionObserver', undefined);
		const a = el('a');
		const { fake } = await connectedWith([[0, a]]);
		ro().fire([a, 400, 225]);
		await vi.advanceTimersByTimeAsync(150);
		doc.setHidden(true);
		expect(hintsSent(fake).map(slotsOf)).toEqual([
			[{ slot: 0, width: 400, height: 225, visible: true }],
			[{ slot: 0, width: 400, height: 225, visible: false }],
		]);
	});
});

describe('automatic hints where the APIs are missing (Node)', () => {
	it('observe() returns false and nothing is ever sent automatically', async () => {
		expect(typeof (globalThis as Record<string, unknown>)['ResizeObserver']).toBe('undefined');
		const { fake, client } = setup();
		expect(client.observe(0, el('a'))).toBe(false);
		expect(client.observedSlots).toEqual([]);
		await client.connect(AUTO);
		client.unobserve(0);
		client.unobserve();
		await new Promise((r) => setTimeout(r, 200));
		expect(hintsSent(fake)).toHaveLength(0);
		// hint() itself still works
		await client.hint([{ slot: 0, width: 1, height: 1, visible: true }]);
		expect(hintsSent(fake)).toHaveLength(1);
	});
});
