import { describe, expect, it, vi } from 'vitest';
import { MultiStreamClient } from '../src/client.js';
import { ErrorCode, MultiStreamError } from '../src/errors.js';
import type { AudioStatus, MultiStreamClientOptions, StreamInfo } from '../src/types.js';
import { FakeJanus, politePlugin, rid, type FakeTrack } from './fake-janus.js';

const SLOTS = [
	{ slot: 0, stream: 'camera1', quality: '360p' },
	{ slot: 1, stream: 'camera2', quality: '360p' },
	{ slot: 2, stream: 'camera3' },
];

type Opts = Omit<MultiStreamClientOptions, 'transport'> & { hasAudio?: (stream: string) => boolean };

function setup(opts: Opts = {}): { fake: FakeJanus; client: MultiStreamClient; notices: AudioStatus[] } {
	const { hasAudio, ...options } = opts;
	const fake = new FakeJanus();
	fake.auto = politePlugin(hasAudio ? { hasAudio } : {});
	const notices: AudioStatus[] = [];
	const client = new MultiStreamClient('ws://127.0.0.1:8188', {
		transport: () => fake,
		onAudio: (st) => notices.push(st),
		...options,
	});
	return { fake, client, notices };
}

async function connected(opts: Opts = {}): Promise<ReturnType<typeof setup>> {
	const s = setup(opts);
	await s.client.connect(SLOTS);
	return s;
}

/** The m= lines of an SDP, as `kind direction` (direction from the section's a=sendrecv/recvonly/...). */
function mlines(sdp: string): string[] {
	return sdp.split(/\r\nm=/).slice(1).map((sec) => {
		const kind = sec.split(' ')[0]!;
		const dir = /a=(sendrecv|recvonly|sendonly|inactive)/.exec(sec)?.[1] ?? '?';
		return `${kind} ${dir}`;
	});
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('audio option: init and offer', () => {
	it('without it: no `audio` in the init, no audio m-line, no audio track', async () => {
		const { fake, client } = setup();
		const tracks = await client.connect(SLOTS);
		expect('audio' in fake.lastOf('multistream/init')!.body.value!).toBe(false);
		expect(fake.offers).toEqual([{ videoSlots: 3, videoCodecs: ['h265', 'h264'] }]);
		expect(mlines(fake.lastOf('multistream/offer')!.jsep!.sdp)).toEqual(['video recvonly', 'video recvonly', 'video recvonly']);
		expect(tracks.audio).toBeNull();
		expect(client.audioTrack).toBeNull();
		expect(tracks.size).toBe(3);
	});

	it('audio: false is the same as absent', async () => {
		const { fake, client } = setup({ audio: false });
		const tracks = await client.connect(SLOTS);
		expect('audio' in fake.lastOf('multistream/init')!.body.value!).toBe(false);
		expect(fake.offers[0]).not.toHaveProperty('audio');
		expect(tracks.audio).toBeNull();
	});

	it('with it: init carries audio: true; the offer has N video m-lines then one recvonly audio m-line', async () => {
		const { fake, client } = setup({ audio: true });
		const tracks = await client.connect(SLOTS);
		const init = fake.lastOf('multistream/init')!.body.value!;
		expect(init).toEqual({ request_id: init['request_id'], slots: SLOTS, audio: true });
		expect(fake.offers).toEqual([{ videoSlots: 3, videoCodecs: ['h265', 'h264'], audio: true }]);
		const offer = fake.lastOf('multistream/offer')!;
		expect(Object.keys(offer.body.value!)).toEqual(['request_id']);
		expect(mlines(offer.jsep!.sdp)).toEqual(['video recvonly', 'video recvonly', 'video recvonly', 'audio recvonly']);
		// the audio track is part of what connect() gives, and the getter has it
		expect((tracks.audio as unknown as FakeTrack).kind).toBe('audio');
		expect(client.audioTrack).toBe(tracks.audio);
		// the slots still map to the video tracks only
		expect(tracks.size).toBe(3);
		expect([...tracks.values()].map((t) => (t as unknown as FakeTrack).kind)).toEqual(['video', 'video', 'video']);
		expect([...tracks.keys()]).toEqual([0, 1, 2]);
	});

	it('with audio, the m-line-order fallback (no mid in the answer) still maps slots to video tracks', async () => {
		const fake = new FakeJanus();
		fake.auto = politePlugin({ mids: () => undefined });
		const client = new MultiStreamClient('ws://h:8188', { transport: () => fake, audio: true });
		const tracks = await client.connect(SLOTS);
		expect((tracks.get(2) as unknown as FakeTrack)).toMatchObject({ kind: 'video', mid: '2' });
		expect((tracks.audio as unknown as FakeTrack).mid).toBe('3');
	});

	it('a transport without audioTrack() gives a null audio track', async () => {
		const fake = new FakeJanus();
		fake.auto = politePlugin();
		(fake as unknown as { audioTrack?: unknown }).audioTrack = undefined;
		const client = new MultiStreamClient('ws://h:8188', { transport: () => fake, audio: true });
		const tracks = await client.connect(SLOTS);
		expect(tracks.audio).toBeNull();
	});

	it('disconnect() drops the audio track', async () => {
		const { client } = await connected({ audio: true });
		expect(client.audioTrack).not.toBeNull();
		await client.disconnect();
		expect(client.audioTrack).toBeNull();
	});
});

describe('setAudioFocus', () => {
	it('sends multistream/audio {request_id, slot} and resolves with the reply {slot, stream, status}', async () => {
		const { fake, client, notices } = await connected({ audio: true });
		const st = await client.setAudioFocus(1);
		const sent = fake.lastOf('multistream/audio')!;
		expect(sent.body).toEqual({ type: 'multistream/audio', value: { request_id: rid(sent), slot: 1 } });
		expect(sent.jsep).toBeUndefined();
		expect(st).toEqual({ slot: 1, stream: 'camera2-360p', status: 'active' });
		// the reply reaches onAudio too, and the getter
		expect(notices).toEqual([{ slot: 1, stream: 'camera2-360p', status: 'active' }]);
		expect(client.audioStatus).toEqual(st);
	});

	it('null clears the focus: slot -1, resolves `off` with stream ""', async () => {
		const { fake, client } = await connected({ audio: true });
		await client.setAudioFocus(2);
		await expect(client.setAudioFocus(null)).resolves.toEqual({ slot: -1, stream: '', status: 'off' });
		expect(fake.lastOf('multistream/audio')!.body.value).toEqual({ request_id: rid(fake.lastOf('multistream/audio')!), slot: -1 });
		await expect(client.setAudioFocus(-1)).resolves.toMatchObject({ status: 'off' });
		expect(fake.lastOf('multistream/audio')!.body.value!['slot']).toBe(-1);
		expect(client.audioStatus).toEqual({ slot: -1, stream: '', status: 'off' });
	});

	it('a camera without audio: `unavailable`', async () => {
		const { client } = await connected({ audio: true, hasAudio: (s) => !s.startsWith('camera3') });
		await expect(client.setAudioFocus(2)).resolves.toEqual({ slot: 2, stream: 'camera3', status: 'unavailable' });
		await expect(client.setAudioFocus(0)).resolves.toEqual({ slot: 0, stream: 'camera1-360p', status: 'active' });
	});

	it('carries the stream token like every request', async () => {
		const { fake, client } = await connected({ audio: true, token: 's3cret' });
		await client.setAudioFocus(0);
		expect(fake.lastOf('multistream/audio')!.body.value).toMatchObject({ slot: 0, token: 's3cret' });
	});

	it('passes an unknown status string through (forward compatible)', async () => {
		const { fake, client } = await connected({ audio: true });
		fake.auto = (s, f) => {
			if(s.body.type === 'multistream/audio')
				f.emit('multistream/audio', { request_id: rid(s), slot: 0, stream: 'camera1-360p', status: 'muted' });
		};
		await expect(client.setAudioFocus(0)).resolves.toEqual({ slot: 0, stream: 'camera1-360p', status: 'muted' });
	});

	it('a reply without a status rejects with 499', async () => {
		const { fake, client } = await connected({ audio: true });
		fake.auto = (s, f) => {
			if(s.body.type === 'multistream/audio')
				f.emit('multistream/audio', { request_id: rid(s), slot: 0 });
		};
		await expect(client.setAudioFocus(0)).rejects.toMatchObject({ code: ErrorCode.InternalError });
	});

	it('replies out of order settle their own request', async () => {
		const { fake, client } = await connected({ audio: true });
		fake.auto = null;
		const a = client.setAudioFocus(0);
		const b = client.setAudioFocus(2);
		await tick();
		const [sa, sb] = fake.sent.filter((s) => s.body.type === 'multistream/audio');
		fake.emit('multistream/audio', { request_id: rid(sb!), slot: 2, stream: 'camera3', status: 'active' });
		fake.emit('multistream/audio', { request_id: rid(sa!), slot: 0, stream: 'camera1-360p', status: 'active' });
		await expect(a).resolves.toMatchObject({ slot: 0 });
		await expect(b).resolves.toMatchObject({ slot: 2 });
	});

	it('a newer focus does not supersede a pending switch on that slot (and vice versa)', async () => {
		const { fake, client } = await connected({ audio: true });
		const prev = fake.auto!;
		fake.auto = (s, f) => {
			if(s.body.type === 'multistream/switch')
				f.emit('multistream/status', { request_id: rid(s), slot: 1, status: { slot: 1, stream: 'camera5', status: 'buffering' } });
			else
				prev(s, f);
		};
		const sw = client.switchStream(1, 'camera5');
		await expect(client.setAudioFocus(1)).resolves.toMatchObject({ slot: 1, status: 'active' });
		fake.emit('multistream/status', { slot: 1, status: { slot: 1, stream: 'camera5', status: 'active' } });
		await expect(sw).resolves.toMatchObject({ stream: 'camera5', status: 'active' });
	});

	it('times out with 490 when the server stays silent', async () => {
		vi.useFakeTimers();
		try {
			const { fake, client } = await connected({ audio: true, connectionTimeout: 500 });
			fake.auto = null;
			const p = client.setAudioFocus(1).catch((e: unknown) => e);
			await vi.advanceTimersByTimeAsync(501);
			expect(await p).toMatchObject({ code: ErrorCode.Timeout, slot: 1 });
		} finally {
			vi.useRealTimers();
		}
	});
});

describe('audio notices', () => {
	it('notices without request_id reach onAudio in order and update audioStatus', async () => {
		const { fake, client, notices } = await connected({ audio: true });
		await client.setAudioFocus(0);
		// slot 0 switched to another camera, then to one without audio, then the focus went off
		fake.emit('multistream/audio', { slot: 0, stream: 'camera4-720p', status: 'active' });
		fake.emit('multistream/audio', { slot: 0, stream: 'camera3', status: 'unavailable' });
		fake.emit('multistream/audio', { slot: -1, stream: '', status: 'off' });
		expect(notices).toEqual([
			{ slot: 0, stream: 'camera1-360p', status: 'active' },
			{ slot: 0, stream: 'camera4-720p', status: 'active' },
			{ slot: 0, stream: 'camera3', status: 'unavailable' },
			{ slot: -1, stream: '', status: 'off' },
		]);
		expect(client.audioStatus).toEqual({ slot: -1, stream: '', status: 'off' });
	});

	it('a notice does not settle a pending setAudioFocus (only its request_id does)', async () => {
		const { fake, client, notices } = await connected({ audio: true });
		fake.auto = null;
		let settled = false;
		const p = client.setAudioFocus(2).then((st) => { settled = true; return st; });
		await tick();
		fake.emit('multistream/audio', { slot: 0, stream: 'camera1-360p', status: 'active' });
		await tick();
		expect(settled).toBe(false);
		expect(notices).toHaveLength(1);
		fake.emit('multistream/audio', { request_id: rid(fake.lastOf('multistream/audio')!), slot: 2, stream: 'camera3', status: 'active' });
		await expect(p).resolves.toEqual({ slot: 2, stream: 'camera3', status: 'active' });
	});

	it('a notice without a status is ignored; a throwing onAudio does not break the client', async () => {
		const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
		try {
			const fake = new FakeJanus();
			fake.auto = politePlugin();
			const client = new MultiStreamClient('ws://h:8188', { transport: () => fake, audio: true, onAudio: () => { throw new Error('boom'); } });
			await client.connect(SLOTS);
			fake.emit('multistream/audio', { slot: 0 });
			expect(client.audioStatus).toBeNull();
			await expect(client.setAudioFocus(0)).resolves.toMatchObject({ status: 'active' });
			expect(err).toHaveBeenCalled();
		} finally {
			err.mockRestore();
		}
	});
});

describe('audio errors', () => {
	it('486 invalid state when the init had no audio: true (detail passed through)', async () => {
		const { fake, client } = await connected();
		const err = await client.setAudioFocus(0).catch((e: unknown) => e) as MultiStreamError;
		expect(fake.lastOf('multistream/audio')!.body.value).toMatchObject({ slot: 0 });
		expect(err).toBeInstanceOf(MultiStreamError);
		expect(err.code).toBe(ErrorCode.InvalidState);
		expect(err.code).toBe(486);
		expect(err.error).toBe('invalid state');
		expect(err.detail).toBe('the init did not ask for audio');
		expect(client.isConnected).toBe(true);
	});

	it('483 invalid slot index for a slot not in the init', async () => {
		const { client } = await connected({ audio: true });
		const err = await client.setAudioFocus(7).catch((e: unknown) => e) as MultiStreamError;
		expect(err).toBeInstanceOf(MultiStreamError);
		expect(err).toMatchObject({ code: ErrorCode.InvalidSlotIndex, error: 'invalid slot index', slot: 7, detail: 'slot 7 not in init' });
		expect(client.isConnected).toBe(true);
		// the focus still works afterwards
		await expect(client.setAudioFocus(0)).resolves.toMatchObject({ status: 'active' });
	});

	it('482 before connect, without sending anything', async () => {
		const { fake, client } = setup({ audio: true });
		await expect(client.setAudioFocus(0)).rejects.toMatchObject({ code: ErrorCode.NoActiveSession });
		expect(fake.sent).toEqual([]);
	});

	it('493 when disconnected while pending', async () => {
		const { fake, client } = await connected({ audio: true });
		fake.auto = null;
		const p = client.setAudioFocus(1).catch((e: unknown) => e);
		fake.emit('multistream/disconnected', { reason: 'connection_lost' });
		expect(await p).toMatchObject({ code: ErrorCode.Disconnected });
	});
});

describe('stream list: audio', () => {
	it('passes each entry\'s audio through (true, false, null, absent)', async () => {
		const streams: StreamInfo[] = [
			{ name: 'camera1', kind: 'rtsp', state: 'active', consumers: 1, codec: 'h264', audio: true },
			{ name: 'camera1-360p', kind: 'ffmpeg', parent: 'camera1', quality: '360p', state: 'active', consumers: 0, codec: 'h264', audio: true },
			{ name: 'camera2', kind: 'rtp', state: 'active', consumers: 0, codec: 'h264', audio: false },
			{ name: 'camera3', kind: 'rtsp', state: 'idle', consumers: 0, codec: null, audio: null },
			{ name: 'camera4', kind: 'rtsp', state: 'idle', consumers: 0 },
		];
		const fake = new FakeJanus();
		fake.auto = politePlugin({ streams });
		const client = new MultiStreamClient('http://127.0.0.1', { transport: () => fake });
		const got = await client.listStreams();
		expect(got.map((s) => s.audio)).toEqual([true, true, false, null, undefined]);
		expect(got).toEqual(streams);
	});
});
