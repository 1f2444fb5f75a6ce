import { afterEach, describe, expect, it } from 'vitest';
import {
	OFFER_VIDEO_CODECS, applyVideoCodecPreferences, codecNames, hookOfferCodecPreferences, receiverVideoCapabilities,
	videoCodecPreferences, type CodecLike, type PeerConnectionHolder, type PreferencesResult,
} from '../src/codecs.js';
import { JanusJsTransport } from '../src/janus-transport.js';

/* A Chrome-like RTCRtpReceiver.getCapabilities('video').codecs (abridged). */
const c = (mimeType: string, sdpFmtpLine?: string): RTCRtpCodec => ({ mimeType, clockRate: 90000, ...(sdpFmtpLine ? { sdpFmtpLine } : {}) });
const VP8 = c('video/VP8');
const RTX = c('video/rtx');
const VP9 = c('video/VP9', 'profile-id=0');
const H264_A = c('video/H264', 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f');
const H264_B = c('video/H264', 'level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f');
const H264_C = c('video/H264', 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640034');
const AV1 = c('video/AV1', 'level-idx=5;profile=0;tier=0');
const H265_A = c('video/H265', 'level-id=156;profile-id=1;tier-flag=0;tx-mode=SRST');
const H265_B = c('video/H265', 'level-id=156;profile-id=2;tier-flag=0;tx-mode=SRST');
const RED = c('video/red');
const ULPFEC = c('video/ulpfec');
const FLEXFEC = c('video/flexfec-03', 'repair-window=10000000');

const CAPS_H265_H264 = [VP8, RTX, VP9, H264_A, H264_B, H264_C, AV1, H265_A, H265_B, RED, ULPFEC, FLEXFEC];
const CAPS_H264 = [VP8, RTX, VP9, H264_A, H264_B, H264_C, AV1, RED, ULPFEC];
const CAPS_NONE = [VP8, RTX, VP9, AV1, RED, ULPFEC];

describe('videoCodecPreferences', () => {
	it('offers H265 first, then H264, by default', () => {
		expect(OFFER_VIDEO_CODECS).toEqual(['h265', 'h264']);
	});

	it('H265 + H264 listed: every H265 entry, then every H264 entry, in the browser\'s order, nothing else', () => {
		const prefs = videoCodecPreferences(CAPS_H265_H264);
		expect(prefs).toEqual([H265_A, H265_B, H264_A, H264_B, H264_C]);
		/* the capability objects themselves: setCodecPreferences accepts nothing else */
		prefs.forEach((p) => expect(CAPS_H265_H264).toContain(p));
		expect(prefs.some((p) => /rtx|red|ulpfec|flexfec/i.test(p.mimeType))).toBe(false);
		expect(codecNames(prefs)).toEqual(['h265', 'h264']);
	});

	it('H264 only: the H264 entries (today\'s offer)', () => {
		const prefs = videoCodecPreferences(CAPS_H264);
		expect(prefs).toEqual([H264_A, H264_B, H264_C]);
		expect(codecNames(prefs)).toEqual(['h264']);
	});

	it('neither: empty (the browser\'s default offer)', () => {
		expect(videoCodecPreferences(CAPS_NONE)).toEqual([]);
		expect(videoCodecPreferences([])).toEqual([]);
		expect(videoCodecPreferences(null)).toEqual([]);
		expect(videoCodecPreferences(undefined)).toEqual([]);
	});

	it('follows the order asked for, any case in names and mimeTypes', () => {
		const lower: CodecLike[] = [{ mimeType: 'video/h264' }, { mimeType: 'VIDEO/H265' }];
		expect(videoCodecPreferences(lower, ['H264', 'h265'])).toEqual([lower[0], lower[1]]);
		expect(videoCodecPreferences(CAPS_H265_H264, ['h264'])).toEqual([H264_A, H264_B, H264_C]);
		expect(videoCodecPreferences(CAPS_H265_H264, [])).toEqual([]);
	});
});

describe('receiverVideoCapabilities', () => {
	const g = globalThis as { RTCRtpReceiver?: unknown };
	const saved = g.RTCRtpReceiver;
	afterEach(() => {
		if(saved === undefined)
			delete g.RTCRtpReceiver;
		else
			g.RTCRtpReceiver = saved;
	});

	it('null without RTCRtpReceiver or getCapabilities, or when it throws', () => {
		delete g.RTCRtpReceiver;
		expect(receiverVideoCapabilities()).toBeNull();
		g.RTCRtpReceiver = {};
		expect(receiverVideoCapabilities()).toBeNull();
		g.RTCRtpReceiver = { getCapabilities: () => { throw new Error('no'); } };
		expect(receiverVideoCapabilities()).toBeNull();
		g.RTCRtpReceiver = { getCapabilities: () => null };
		expect(receiverVideoCapabilities()).toBeNull();
	});

	it('the video codecs otherwise', () => {
		const kinds: string[] = [];
		g.RTCRtpReceiver = { getCapabilities: (kind: string) => { kinds.push(kind); return { codecs: CAPS_H264, headerExtensions: [] }; } };
		expect(receiverVideoCapabilities()).toBe(CAPS_H264);
		expect(kinds).toEqual(['video']);
	});
});

/* ---- a PeerConnection and a janus.js handle, as far as the hook sees them ---- */

class FakeTransceiver {
	prefs: RTCRtpCodec[] | null = null;
	readonly receiver: { track: { kind: string } };
	constructor(kind: string, readonly refuse: (codecs: RTCRtpCodec[]) => boolean = () => false) {
		this.receiver = { track: { kind } };
	}
	setCodecPreferences(codecs: RTCRtpCodec[]): void {
		if(this.refuse(codecs))
			throw new DOMException('bad codec', 'InvalidModificationError');
		this.prefs = codecs;
	}
}

class FakePc {
	readonly transceivers: FakeTransceiver[] = [];
	/** What each video m-line would offer: the transceiver's preferences when createOffer ran (null: browser default). */
	offered: Array<RTCRtpCodec[] | null> | null = null;
	addTransceiver(kind: string): FakeTransceiver {
		const t = new FakeTransceiver(kind);
		this.transceivers.push(t);
		return t;
	}
	getTransceivers(): FakeTransceiver[] {
		return this.transceivers;
	}
	async createOffer(): Promise<RTCSessionDescriptionInit> {
		this.offered = this.transceivers.filter((t) => t.receiver.track.kind === 'video').map((t) => t.prefs);
		return { type: 'offer', sdp: 'v=0\r\n' };
	}
}

interface TrackSpec { type: string; recv?: boolean; add?: boolean; codec?: string }

/** janus.js's handle.createOffer for recvonly tracks (npm janus-gateway 1.4: prepareWebrtc, captureDevices, createOffer). */
class FakeJanusHandle {
	webrtcStuff: PeerConnectionHolder = { pc: null };
	tracks: TrackSpec[] = [];
	createOffer(params: { tracks: TrackSpec[]; success: (jsep: RTCSessionDescriptionInit) => void; error: (e: unknown) => void }): void {
		this.tracks = params.tracks;
		void (async () => {
			if(!this.webrtcStuff.pc)
				this.webrtcStuff.pc = new FakePc() as unknown as RTCPeerConnection;
			await Promise.resolve();	/* captureDevices is awaited */
			const pc = this.webrtcStuff.pc as unknown as FakePc;
			for(const t of params.tracks) {
				const tr = pc.addTransceiver(t.type);
				if(t.codec) {
					const codecs = (receiverVideoCapabilities() ?? []).filter((x) => x.mimeType.toLowerCase() === `video/${t.codec!.toLowerCase()}`);
					if(codecs.length)
						tr.setCodecPreferences(codecs);
				}
			}
			await Promise.resolve();
			const offer = await (this.webrtcStuff.pc as unknown as FakePc).createOffer();
			params.success(offer);
		})().catch(params.error);
	}
}

describe('applyVideoCodecPreferences', () => {
	it('sets the list on every video transceiver; audio untouched; refusals and missing setCodecPreferences counted', () => {
		const prefs = videoCodecPreferences(CAPS_H265_H264);
		const v1 = new FakeTransceiver('video');
		const a = new FakeTransceiver('audio');
		const bad = new FakeTransceiver('video', () => true);
		const old = { receiver: { track: { kind: 'video' } } };
		const v2 = new FakeTransceiver('video');
		const r = applyVideoCodecPreferences({ getTransceivers: () => [v1, a, bad, old, v2] }, prefs);
		expect(r).toEqual({ set: 2, fallback: 0, failed: 2 });
		expect(v1.prefs).toEqual(prefs);
		expect(v2.prefs).toEqual(prefs);
		expect(a.prefs).toBeNull();
		expect(bad.prefs).toBeNull();
	});

	it('a transceiver refusing the list gets the fallback (H264 alone)', () => {
		const prefs = videoCodecPreferences(CAPS_H265_H264);
		const h264 = videoCodecPreferences(CAPS_H265_H264, ['h264']);
		const picky = new FakeTransceiver('video', (codecs) => codecs.some((x) => x.mimeType === 'video/H265'));
		const never = new FakeTransceiver('video', () => true);
		expect(applyVideoCodecPreferences({ getTransceivers: () => [picky, never] }, prefs, h264)).toEqual({ set: 0, fallback: 1, failed: 1 });
		expect(picky.prefs).toEqual(h264);
		expect(never.prefs).toBeNull();
	});
});

describe('hookOfferCodecPreferences', () => {
	const prefs = videoCodecPreferences(CAPS_H265_H264);

	it('sets the list on the transceivers janus.js made, before the browser\'s createOffer; undo leaves plain objects', async () => {
		const holder: PeerConnectionHolder = { pc: null };
		const applied: PreferencesResult[] = [];
		const undo = hookOfferCodecPreferences(holder, prefs, { onApplied: (r) => applied.push(r) });
		expect(undo).toBeTypeOf('function');
		/* janus.js: create the pc, its transceivers, then the offer */
		const pc = new FakePc();
		holder.pc = pc as unknown as RTCPeerConnection;
		expect(holder.pc).toBe(pc);
		pc.addTransceiver('video');
		pc.addTransceiver('video');
		pc.addTransceiver('video');
		expect(pc.transceivers.every((t) => t.prefs === null)).toBe(true);
		await holder.pc.createOffer();
		expect(pc.offered).toEqual([prefs, prefs, prefs]);
		expect(applied).toEqual([{ set: 3, fallback: 0, failed: 0 }]);

		undo!();
		const desc = Object.getOwnPropertyDescriptor(holder, 'pc');
		expect(desc).toMatchObject({ value: pc, writable: true, configurable: true, enumerable: true });
		expect(Object.prototype.hasOwnProperty.call(pc, 'createOffer')).toBe(false);
		/* janus.js's cleanup still works on the plain property */
		holder.pc = null;
		expect(holder.pc).toBeNull();
		undo!();	/* twice is harmless */
		expect(holder.pc).toBeNull();
	});

	it('a PeerConnection already there gets the hook too', async () => {
		const pc = new FakePc();
		const holder: PeerConnectionHolder = { pc: pc as unknown as RTCPeerConnection };
		const undo = hookOfferCodecPreferences(holder, prefs);
		pc.addTransceiver('video');
		await holder.pc!.createOffer();
		expect(pc.offered).toEqual([prefs]);
		undo!();
		expect(holder.pc).toBe(pc);
	});

	it('installs nothing for an empty list, or when `pc` is not a plain writable property', () => {
		const holder: PeerConnectionHolder = { pc: null };
		expect(hookOfferCodecPreferences(holder, [])).toBeNull();
		expect(Object.getOwnPropertyDescriptor(holder, 'pc')).toHaveProperty('value', null);
		const frozen = Object.freeze({ pc: null }) as PeerConnectionHolder;
		expect(hookOfferCodecPreferences(frozen, prefs)).toBeNull();
		const accessor = { get pc(): RTCPeerConnection | null { return null; } } as PeerConnectionHolder;
		expect(hookOfferCodecPreferences(accessor, prefs)).toBeNull();
	});
});

describe('JanusJsTransport.createOffer (janus.js handle faked)', () => {
	const g = globalThis as { RTCRtpReceiver?: unknown };
	const saved = g.RTCRtpReceiver;
	afterEach(() => {
		if(saved === undefined)
			delete g.RTCRtpReceiver;
		else
			g.RTCRtpReceiver = saved;
	});

	async function offer(caps: RTCRtpCodec[] | null, handle = new FakeJanusHandle(), audio = false): Promise<{ handle: FakeJanusHandle; pc: FakePc; transport: JanusJsTransport }> {
		if(caps)
			g.RTCRtpReceiver = { getCapabilities: (kind: string) => (kind === 'video' ? { codecs: caps, headerExtensions: [] } : null) };
		else
			delete g.RTCRtpReceiver;
		const transport = new JanusJsTransport();
		(transport as unknown as { handle: FakeJanusHandle }).handle = handle;
		const jsep = await transport.createOffer({ videoSlots: 3, videoCodecs: OFFER_VIDEO_CODECS, ...(audio ? { audio: true } : {}) });
		expect(jsep.type).toBe('offer');
		/* the hook is gone once the offer is made */
		expect(Object.getOwnPropertyDescriptor(handle.webrtcStuff, 'pc')).toHaveProperty('writable', true);
		return { handle, pc: handle.webrtcStuff.pc as unknown as FakePc, transport };
	}

	it('audio: one recv-only audio track after the N video ones (m-line order), codecs only on the video ones', async () => {
		const { handle, pc, transport } = await offer(CAPS_H265_H264, new FakeJanusHandle(), true);
		expect(handle.tracks).toEqual([
			...Array(3).fill({ type: 'video', capture: false, recv: true, add: true }),
			{ type: 'audio', capture: false, recv: true, add: true },
		]);
		expect(pc.transceivers.map((t) => t.receiver.track.kind)).toEqual(['video', 'video', 'video', 'audio']);
		expect(pc.offered).toEqual(Array(3).fill([H265_A, H265_B, H264_A, H264_B, H264_C]));
		expect(pc.transceivers[3]!.prefs).toBeNull();
		expect(transport.audioTrack()).toBe(pc.transceivers[3]!.receiver.track);
		expect(transport.videoTracks()).toEqual(pc.transceivers.slice(0, 3).map((t) => t.receiver.track));
	});

	it('no audio option: no audio track, audioTrack() is null', async () => {
		const { handle, transport } = await offer(CAPS_H264);
		expect(handle.tracks.some((t) => t.type === 'audio')).toBe(false);
		expect(transport.audioTrack()).toBeNull();
		expect(new JanusJsTransport().audioTrack()).toBeNull();
	});

	it('H265 + H264: every m-line offers H265 then H264 (no janus.js codec option)', async () => {
		const { handle, pc } = await offer(CAPS_H265_H264);
		expect(handle.tracks).toEqual(Array(3).fill({ type: 'video', capture: false, recv: true, add: true }));
		expect(pc.offered).toEqual(Array(3).fill([H265_A, H265_B, H264_A, H264_B, H264_C]));
		expect(Object.prototype.hasOwnProperty.call(pc, 'createOffer')).toBe(false);
	});

	it('H264 only: every m-line offers H264', async () => {
		const { pc } = await offer(CAPS_H264);
		expect(pc.offered).toEqual(Array(3).fill([H264_A, H264_B, H264_C]));
	});

	it('neither, or no getCapabilities: the browser\'s default offer', async () => {
		for(const caps of [CAPS_NONE, null]) {
			const { handle, pc } = await offer(caps);
			expect(handle.tracks.every((t) => t.codec === undefined)).toBe(true);
			expect(pc.offered).toEqual([null, null, null]);
		}
	});

	it('when the hook cannot install, janus.js\'s own codec option keeps H264 (today\'s offer)', async () => {
		const handle = new FakeJanusHandle();
		let pc: RTCPeerConnection | null = null;
		const stuff = {} as PeerConnectionHolder;
		Object.defineProperty(stuff, 'pc', { configurable: true, get: () => pc, set: (v: RTCPeerConnection | null) => { pc = v; } });
		handle.webrtcStuff = stuff;
		g.RTCRtpReceiver = { getCapabilities: () => ({ codecs: CAPS_H265_H264, headerExtensions: [] }) };
		const transport = new JanusJsTransport();
		(transport as unknown as { handle: FakeJanusHandle }).handle = handle;
		await transport.createOffer({ videoSlots: 2, videoCodecs: OFFER_VIDEO_CODECS });
		expect(handle.tracks.map((t) => t.codec)).toEqual(['h264', 'h264']);
		expect((pc as unknown as FakePc).offered).toEqual([[H264_A, H264_B, H264_C], [H264_A, H264_B, H264_C]]);
	});
});
