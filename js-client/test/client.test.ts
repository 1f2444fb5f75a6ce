import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MultiStreamClient } from '../src/client.js';
import { ErrorCode, MultiStreamError } from '../src/errors.js';
import type { SlotStatus, StreamInfo } from '../src/types.js';
import { FakeJanus, politePlugin, rid, type FakeTrack } from './fake-janus.js';

const SLOTS = [
	{ slot: 0, stream: 'camera1', quality: '360p' },
	{ slot: 1, stream: 'camera2', quality: '360p' },
	{ slot: 2, stream: 'camera3' },
];

function setup(opts: { connectionTimeout?: number; onDisconnected?: (r: string) => void; token?: string; janusToken?: string } = {}): { fake: FakeJanus; client: MultiStreamClient } {
	const fake = new FakeJanus();
	fake.auto = politePlugin();
	const client = new MultiStreamClient('ws://127.0.0.1:8188', { transport: () => fake, ...opts });
	return { fake, client };
}

async function connected(opts: Parameters<typeof setup>[0] = {}): Promise<{ fake: FakeJanus; client: MultiStreamClient; statuses: SlotStatus[] }> {
	const { fake, client } = setup(opts);
	const statuses: SlotStatus[] = [];
	await client.connect(SLOTS, (_slot, st) => statuses.push(st));
	return { fake, client, statuses };
}

/** Wait until the fake has seen a body of this type, return it. */
async function sentOf(fake: FakeJanus, type: string, after = 0): Promise<ReturnType<FakeJanus['lastOf']> & object> {
	for(let i = 0; i < 50; i++) {
		const s = fake.sent.slice(after).find((x) => x.body.type === type);
		if(s)
			return s;
		await new Promise((r) => setTimeout(r, 0));
	}
	throw new Error(`${type} never sent`);
}

describe('connect', () => {
	it('runs init -> ready -> offer(jsep) -> answer(jsep) and maps slots to tracks by mid', async () => {
		const { fake, client } = setup();
		// the answer puts slot k on mid "v(2-k)": the mapping must follow mid, not order
		fake.auto = politePlugin({ mids: (slot) => String(2 - slot) });
		const statuses: Array<[number, SlotStatus]> = [];
		expect(client.isConnected).toBe(false);
		expect(client.wsState).toBe(3);
		expect(client.pcState).toBeNull();
		const tracks = await client.connect([...SLOTS].reverse(), (slot, st) => statuses.push([slot, st]));

		const types = fake.sent.map((s) => s.body.type);
		expect(types).toEqual(['multistream/init', 'multistream/offer']);
		const init = fake.sent[0]!.body.value!;
		expect(init['slots']).toEqual(SLOTS); // ascending slot order, quality only when given
		expect(typeof init['request_id']).toBe('string');
		const offer = fake.sent[1]!;
		expect(offer.jsep?.type).toBe('offer');
		expect(Object.keys(offer.body.value!)).toEqual(['request_id']);
		expect(rid(offer)).not.toBe(init['request_id']);
		expect(fake.offers).toEqual([{ videoSlots: 3, videoCodecs: ['h265', 'h264'] }]);
		expect(fake.answers).toHaveLength(1);

		expect([...tracks.keys()].sort()).toEqual([0, 1, 2]);
		expect((tracks.get(0) as unknown as FakeTrack).mid).toBe('2');
		expect((tracks.get(2) as unknown as FakeTrack).mid).toBe('0');
		expect(client.isConnected).toBe(true);
		expect(client.wsState).toBe(1);
		expect(client.pcState).toBe('connected');
		// answer statuses reach onStatus
		expect(statuses.map(([s, st]) => [s, st.stream, st.status])).toEqual([
			[0, 'camera1-360p', 'active'], [1, 'camera2-360p', 'active'], [2, 'camera3', 'active'],
		]);
	});

	it('sends the stream token with every request and hands the Janus token to the transport', async () => {
		const { fake, client } = await connected({ token: 's3cret', janusToken: 'jt-1' });
		expect(fake.openOptions?.janusToken).toBe('jt-1');
		const sw = client.switchStream(0, 'camera2');
		const s = await sentOf(fake, 'multistream/switch');
		fake.emit('multistream/status', { request_id: rid(s), slot: 0, status: { slot: 0, stream: 'camera2', status: 'active' } });
		await sw;
		for(const x of [...fake.sent.slice(0, 2), s])
			expect(x.body.value!['token']).toBe('s3cret');
		// without the options: no token anywhere
		const plain = await connected();
		expect(plain.fake.openOptions?.janusToken).toBeUndefined();
		expect(plain.fake.sent.some((x) => 'token' in x.body.value!)).toBe(false);
	});

	it('falls back to m-line order when the answer has no mid', async () => {
		const { fake, client } = setup();
		fake.auto = politePlugin({ mids: () => undefined });
		const tracks = await client.connect(SLOTS);
		expect((tracks.get(1) as unknown as FakeTrack).mid).toBe('1');
	});

	it('rejects with the server code when init fails, and tears down', async () => {
		const { fake, client } = setup();
		fake.auto = (s, f) => {
			if(s.body.type === 'multistream/init')
				f.emit('multistream/error', { request_id: rid(s), code: 484, error: 'too many slots requested' });
		};
		const err = await client.connect(SLOTS).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(MultiStreamError);
		expect((err as MultiStreamError).code).toBe(ErrorCode.TooManySlots);
		expect((err as MultiStreamError).error).toBe('too many slots requested');
		expect(fake.destroyed).toBe(true);
		expect(client.isConnected).toBe(false);
	});

	it('reports a WebSocket failure as a transport error', async () => {
		const { fake, client } = setup();
		fake.openError = 'Lost connection to the server (is it down?)';
		const err = await client.connect(SLOTS).catch((e: unknown) => e) as MultiStreamError;
		expect(err.code).toBe(ErrorCode.TransportError);
		expect(err.message).toContain('WebSocket');
	});

	it('times out after connectionTimeout when the plugin stays silent', async () => {
		vi.useFakeTimers();
		try {
			const { fake, client } = setup({ connectionTimeout: 1000 });
			fake.auto = null;
			const p = client.connect(SLOTS).catch((e: unknown) => e);
			await vi.advanceTimersByTimeAsync(1001);
			const err = await p as MultiStreamError;
			expect(err.code).toBe(ErrorCode.Timeout);
			expect(err.message).toContain('timeout');
		} finally {
			vi.useRealTimers();
		}
	});

	it('refuses a second connect while connected', async () => {
		const { client } = await connected();
		await expect(client.connect(SLOTS)).rejects.toMatchObject({ code: ErrorCode.InvalidState });
	});
});

describe('switchStream', () => {
	it('sends switch and resolves only when the slot is active on the new stream', async () => {
		const { fake, client, statuses } = await connected();
		const n = fake.sent.length;
		let settled = false;
		const p = client.switchStream(0, 'camera4', '720p').then((st) => { settled = true; return st; });
		const sw = await sentOf(fake, 'multistream/switch', n);
		expect(sw.body.value).toEqual({ request_id: rid(sw), slot: 0, stream: 'camera4', quality: '720p' });
		fake.emit('multistream/status', { request_id: rid(sw), slot: 0, status: { slot: 0, stream: 'camera4-720p', quality: '720p', status: 'buffering' } });
		// an unrelated active on another slot, and an old-stream active on this slot, do not settle it
		fake.emit('multistream/status', { slot: 1, status: { slot: 1, stream: 'camera2-360p', status: 'active' } });
		fake.emit('multistream/status', { slot: 0, status: { slot: 0, stream: 'camera1-360p', status: 'active' } });
		await new Promise((r) => setTimeout(r, 5));
		expect(settled).toBe(false);
		fake.emit('multistream/status', { slot: 0, status: { slot: 0, stream: 'camera4-720p', quality: '720p', status: 'active' } });
		const st = await p;
		expect(st).toEqual({ slot: 0, stream: 'camera4-720p', quality: '720p', status: 'active' });
		expect(client.getStatus(0)?.stream).toBe('camera4-720p');
		expect(statuses.slice(-4).map((s) => `${s.slot}:${s.stream}:${s.status}`)).toEqual([
			'0:camera4-720p:buffering', '1:camera2-360p:active', '0:camera1-360p:active', '0:camera4-720p:active',
		]);
	});

	it('resolves at once when the first reply is already active (cached GOP)', async () => {
		const { fake, client } = await connected();
		fake.auto = (s, f) => {
			if(s.body.type === 'multistream/switch')
				f.emit('multistream/status', { request_id: rid(s), slot: 1, status: { slot: 1, stream: 'camera3', status: 'active' } });
		};
		await expect(client.switchStream(1, 'camera3', 'native')).resolves.toMatchObject({ status: 'active', stream: 'camera3' });
	});

	it('rejects with the server code and error string', async () => {
		const { fake, client } = await connected();
		fake.auto = (s, f) => {
			if(s.body.type === 'multistream/switch')
				f.emit('multistream/error', { request_id: rid(s), code: 485, error: 'stream not found', slot: 0 });
		};
		const err = await client.switchStream(0, 'nope').catch((e: unknown) => e) as MultiStreamError;
		expect(err).toBeInstanceOf(MultiStreamError);
		expect(err.code).toBe(485);
		expect(err.error).toBe('stream not found');
		expect(err.slot).toBe(0);
		// the session is untouched by an error
		expect(client.isConnected).toBe(true);
	});

	it('passes detail through (480 invalid request)', async () => {
		const { fake, client } = await connected();
		fake.auto = (s, f) => f.emit('multistream/error', { request_id: rid(s), code: 483, error: 'invalid slot index', slot: 99, detail: 'slot 99 not in init' });
		await expect(client.switchStream(99, 'camera1')).rejects.toMatchObject({ code: 483, error: 'invalid slot index', detail: 'slot 99 not in init', slot: 99 });
	});

	it('rejects when the slot turns to error on the new stream', async () => {
		const { fake, client } = await connected();
		fake.auto = (s, f) => {
			if(s.body.type !== 'multistream/switch')
				return;
			f.emit('multistream/status', { request_id: rid(s), slot: 2, status: { slot: 2, stream: 'camera9', status: 'buffering' } });
			f.emit('multistream/status', { slot: 2, status: { slot: 2, stream: 'camera9', status: 'error', error: 'internal error' } });
		};
		await expect(client.switchStream(2, 'camera9')).rejects.toMatchObject({ code: 499, slot: 2 });
	});

	it('a newer switch on the same slot supersedes the older one', async () => {
		const { fake, client } = await connected();
		fake.auto = null;
		const first = client.switchStream(0, 'camera2').catch((e: unknown) => e);
		const second = client.switchStream(0, 'camera3');
		expect(((await first) as MultiStreamError).code).toBe(ErrorCode.Superseded);
		const sw = fake.lastOf('multistream/switch')!;
		fake.emit('multistream/status', { request_id: rid(sw), slot: 0, status: { slot: 0, stream: 'camera3', status: 'active' } });
		await expect(second).resolves.toMatchObject({ stream: 'camera3' });
	});

	it('rejects with 482 before connect', async () => {
		const { client } = setup();
		await expect(client.switchStream(0, 'camera1')).rejects.toMatchObject({ code: ErrorCode.NoActiveSession });
	});

	it('a Janus-level refusal of the message rejects with a transport error', async () => {
		const { fake, client } = await connected();
		fake.sendError = '458 No such session';
		await expect(client.switchStream(0, 'camera2')).rejects.toMatchObject({ code: ErrorCode.TransportError });
	});
});

describe('request_id correlation', () => {
	it('events overtaking the ack, replies out of order: each request gets its own reply', async () => {
		const { fake, client } = await connected();
		fake.auto = null;
		const n = fake.sent.length;
		const k = client.requestKeyframe(-1);
		const s1 = client.switchStream(1, 'camera5');
		const l = client.listStreams();
		const ps = client.pause(2);
		await new Promise((r) => setTimeout(r, 0));
		const of = (t: string) => fake.sent.slice(n).find((x) => x.body.type === `multistream/${t}`);
		const [kf, sw, streams, pause] = [of('keyframe'), of('switch'), of('streams'), of('pause')];
		expect(fake.sent.length - n).toBe(4);
		const ids = [kf, sw, streams, pause].map((s) => rid(s!));
		expect(new Set(ids).size).toBe(4);
		// replies in reverse order, plus noise: a reply for an unknown id and an unsolicited status
		fake.emit('multistream/status', { request_id: 'stale-id', slot: 1, status: { slot: 1, stream: 'camera2-360p', status: 'active' } });
		fake.emit('multistream/status', { request_id: rid(pause!), slot: 2, status: { slot: 2, stream: 'camera3', status: 'paused' } });
		fake.emit('multistream/streams', { request_id: rid(streams!), streams: [{ name: 'camera1', kind: 'rtsp', state: 'active', consumers: 1 }] });
		fake.emit('multistream/status', { request_id: rid(sw!), slot: 1, status: { slot: 1, stream: 'camera5', status: 'active' } });
		fake.emit('multistream/keyframe', { request_id: rid(kf!), slot: -1, status: 'requested' });
		await expect(k).resolves.toEqual({ slot: -1, status: 'requested' });
		await expect(s1).resolves.toMatchObject({ slot: 1, stream: 'camera5', status: 'active' });
		await expect(l).resolves.toEqual([{ name: 'camera1', kind: 'rtsp', state: 'active', consumers: 1 }]);
		await expect(ps).resolves.toMatchObject({ slot: 2, status: 'paused' });
	});

	it('replies arriving after the ack work too', async () => {
		const { fake, client } = setup();
		fake.eventsBeforeAck = false;
		const tracks = await client.connect(SLOTS);
		expect(tracks.size).toBe(3);
	});

	it('an error for one request leaves the others pending', async () => {
		const { fake, client } = await connected();
		fake.auto = null;
		const a = client.switchStream(0, 'x').catch((e: unknown) => e);
		const b = client.switchStream(1, 'camera1');
		await new Promise((r) => setTimeout(r, 0));
		const [sa, sb] = fake.sent.filter((s) => s.body.type === 'multistream/switch');
		fake.emit('multistream/error', { request_id: rid(sa!), code: 485, error: 'stream not found', slot: 0 });
		expect(((await a) as MultiStreamError).code).toBe(485);
		fake.emit('multistream/status', { request_id: rid(sb!), slot: 1, status: { slot: 1, stream: 'camera1', status: 'active' } });
		await expect(b).resolves.toMatchObject({ stream: 'camera1' });
	});
});

describe('pause / resume / keyframe / listStreams', () => {
	it('pause resolves on paused; resume without a stream reuses the last one', async () => {
		const { fake, client } = await connected();
		fake.auto = (s, f) => {
			const v = s.body.value!;
			if(s.body.type === 'multistream/pause')
				f.emit('multistream/status', { request_id: rid(s), slot: v['slot'], status: { slot: v['slot'], stream: 'camera1-360p', status: 'paused' } });
			if(s.body.type === 'multistream/resume') {
				const name = v['quality'] ? `${String(v['stream'])}-${String(v['quality'])}` : String(v['stream']);
				f.emit('multistream/status', { request_id: rid(s), slot: v['slot'], status: { slot: v['slot'], stream: name, status: 'buffering' } });
				setTimeout(() => f.emit('multistream/status', { slot: v['slot'], status: { slot: v['slot'], stream: name, status: 'active' } }), 1);
			}
		};
		await expect(client.pause(0)).resolves.toMatchObject({ status: 'paused' });
		expect(fake.lastOf('multistream/pause')!.body.value).toMatchObject({ slot: 0 });
		await expect(client.resume(0)).resolves.toMatchObject({ status: 'active', stream: 'camera1-360p' });
		expect(fake.lastOf('multistream/resume')!.body.value).toMatchObject({ slot: 0, stream: 'camera1', quality: '360p' });
		await expect(client.resume(0, 'camera7')).resolves.toMatchObject({ stream: 'camera7' });
	});

	it('listStreams works before connect (opens the session, no init)', async () => {
		const streams: StreamInfo[] = [
			{ name: 'camera1', kind: 'rtsp', state: 'idle', consumers: 0 },
			{ name: 'camera1-360p', kind: 'ffmpeg', parent: 'camera1', quality: '360p', state: 'idle', consumers: 0 },
		];
		const fake = new FakeJanus();
		fake.auto = politePlugin({ streams });
		const client = new MultiStreamClient('http://127.0.0.1', { transport: () => fake });
		await expect(client.listStreams()).resolves.toEqual(streams);
		expect(fake.sent.map((s) => s.body.type)).toEqual(['multistream/streams']);
		// connect then reuses the same session
		await client.connect(SLOTS);
		expect(fake.sent.map((s) => s.body.type)).toEqual(['multistream/streams', 'multistream/init', 'multistream/offer']);
	});
});

describe('status and disconnect callbacks', () => {
	it('unsolicited statuses (offline, back to active) reach onStatus', async () => {
		const { fake, statuses } = await connected();
		const before = statuses.length;
		fake.emit('multistream/status', { slot: 1, status: { slot: 1, stream: 'camera2-360p', status: 'offline' } });
		fake.emit('multistream/status', { slot: 1, status: { slot: 1, stream: 'camera2-360p', status: 'active' } });
		expect(statuses.slice(before).map((s) => s.status)).toEqual(['offline', 'active']);
	});

	it('multistream/disconnected calls onDisconnected(reason) once and fails pending requests', async () => {
		const reasons: string[] = [];
		const { fake, client } = await connected({ onDisconnected: (r) => reasons.push(r) });
		fake.auto = null;
		const p = client.switchStream(0, 'camera2').catch((e: unknown) => e);
		fake.emit('multistream/disconnected', { reason: 'connection_lost' });
		fake.emit('multistream/disconnected', { reason: 'connection_lost' });
		expect(reasons).toEqual(['connection_lost']);
		expect(((await p) as MultiStreamError).code).toBe(ErrorCode.Disconnected);
		expect(client.isConnected).toBe(false);
	});

	it('a dropped WebSocket calls onDisconnected and fails pending requests', async () => {
		const reasons: string[] = [];
		const { fake, client } = await connected({ onDisconnected: (r) => reasons.push(r) });
		fake.auto = null;
		const p = client.requestKeyframe(0).catch((e: unknown) => e);
		fake.dropWebSocket();
		expect(reasons).toEqual(['websocket_closed']);
		expect(((await p) as MultiStreamError).code).toBe(ErrorCode.TransportError);
		expect(client.wsState).toBe(3);
	});

	it('disconnect() sends close, hangs up, destroys the session, and does not call onDisconnected', async () => {
		const reasons: string[] = [];
		const { fake, client } = await connected({ onDisconnected: (r) => reasons.push(r) });
		await client.disconnect();
		expect(fake.lastOf('multistream/close')).toBeDefined();
		expect(fake.hungUp).toBe(true);
		expect(fake.destroyed).toBe(true);
		expect(reasons).toEqual([]);
		expect(client.isConnected).toBe(false);
		expect(client.wsState).toBe(3);
		expect(client.pcState).toBeNull();
		await expect(client.switchStream(0, 'camera1')).rejects.toMatchObject({ code: ErrorCode.NoActiveSession });
	});

	it('disconnect() never rejects, even when close gets no reply', async () => {
		vi.useFakeTimers();
		try {
			const { fake, client } = await connected();
			fake.auto = null;
			const d = client.disconnect();
			await vi.advanceTimersByTimeAsync(2500);
			await expect(d).resolves.toBeUndefined();
			expect(fake.destroyed).toBe(true);
		} finally {
			vi.useRealTimers();
		}
	});

	it('can connect again after disconnect (a fresh transport)', async () => {
		const fakes: FakeJanus[] = [];
		const client = new MultiStreamClient('ws://h:8188', {
			transport: () => { const f = new FakeJanus(); f.auto = politePlugin(); fakes.push(f); return f; },
		});
		await client.connect(SLOTS);
		await client.disconnect();
		await client.connect(SLOTS.slice(0, 1));
		expect(fakes).toHaveLength(2);
		expect(client.isConnected).toBe(true);
	});
});

describe('codec', () => {
	it('the answer\'s and the status events\' codec reach onStatus and getStatus verbatim (string, null, absent)', async () => {
		const fake = new FakeJanus();
		fake.auto = politePlugin({ codec: (slot) => (slot === 0 ? 'h265' : slot === 1 ? null : undefined) });
		const client = new MultiStreamClient('ws://127.0.0.1:8188', { transport: () => fake });
		const statuses: SlotStatus[] = [];
		await client.connect(SLOTS, (_slot, st) => statuses.push(st));
		expect(statuses.map((s) => [s.slot, s.codec])).toEqual([[0, 'h265'], [1, null], [2, undefined]]);
		expect('codec' in statuses[2]!).toBe(false);
		expect(client.getStatus(0)?.codec).toBe('h265');

		fake.emit('multistream/status', { slot: 1, status: { slot: 1, stream: 'camera2-360p', status: 'active', codec: 'h264' } });
		fake.emit('multistream/status', { slot: 2, status: { slot: 2, stream: 'camera3', status: 'paused', codec: null } });
		fake.emit('multistream/status', { slot: 0, status: { slot: 0, stream: 'camera1-360p', status: 'offline' } });
		fake.emit('multistream/status', { slot: 0, status: { slot: 0, stream: 'camera1-360p', status: 'active', codec: 42 } });
		expect(statuses.slice(3).map((s) => [s.slot, s.status, s.codec])).toEqual([
			[1, 'active', 'h264'], [2, 'paused', null], [0, 'offline', undefined], [0, 'active', undefined],
		]);
		expect(client.getStatus(1)).toEqual({ slot: 1, stream: 'camera2-360p', status: 'active', codec: 'h264' });
	});

	it('a flat status (value.status a string) carries codec too', async () => {
		const { fake, statuses } = await connected();
		fake.emit('multistream/status', { slot: 2, stream: 'camera3', status: 'active', codec: 'h265' });
		expect(statuses.at(-1)).toEqual({ slot: 2, stream: 'camera3', status: 'active', codec: 'h265' });
	});

	it('switchStream resolves with the codec the slot sends (an H265 camera through the H264 transcode)', async () => {
		const { fake, client } = await connected();
		fake.auto = (s, f) => {
			if(s.body.type !== 'multistream/switch')
				return;
			f.emit('multistream/status', { request_id: rid(s), slot: 1, status: { slot: 1, stream: 'camera9', status: 'buffering', codec: 'h264' } });
			f.emit('multistream/status', { slot: 1, status: { slot: 1, stream: 'camera9', status: 'active', codec: 'h264' } });
		};
		await expect(client.switchStream(1, 'camera9')).resolves.toEqual({ slot: 1, stream: 'camera9', status: 'active', codec: 'h264' });
	});

	it('488 codec not supported: as an error reply and as a slot status', async () => {
		const { fake, client } = await connected();
		fake.auto = (s, f) => {
			if(s.body.type === 'multistream/switch')
				f.emit('multistream/error', { request_id: rid(s), code: 488, error: 'codec not supported', slot: 0 });
		};
		const err = await client.switchStream(0, 'camera9').catch((e: unknown) => e) as MultiStreamError;
		expect(err).toBeInstanceOf(MultiStreamError);
		expect(err.code).toBe(ErrorCode.CodecNotSupported);
		expect(err.code).toBe(488);
		expect(err.error).toBe('codec not supported');
		expect(err.slot).toBe(0);
		expect(client.isConnected).toBe(true);

		fake.auto = (s, f) => {
			if(s.body.type === 'multistream/switch')
				f.emit('multistream/status', { request_id: rid(s), slot: 2, status: { slot: 2, stream: 'camera9', status: 'error', error: 'codec not supported' } });
		};
		await expect(client.switchStream(2, 'camera9')).rejects.toMatchObject({ code: 488, error: 'codec not supported', slot: 2 });
	});

	it('listStreams passes each entry\'s codec through', async () => {
		const streams: StreamInfo[] = [
			{ name: 'camera1', kind: 'rtsp', state: 'active', consumers: 1, codec: 'h264' },
			{ name: 'camera9', kind: 'rtsp', state: 'active', consumers: 0, codec: 'h265' },
			{ name: 'camera10', kind: 'rtsp', state: 'idle', consumers: 0, codec: null },
		];
		const fake = new FakeJanus();
		fake.auto = politePlugin({ streams });
		const client = new MultiStreamClient('http://127.0.0.1', { transport: () => fake });
		const got = await client.listStreams();
		expect(got.map((s) => s.codec)).toEqual(['h264', 'h265', null]);
	});
});
