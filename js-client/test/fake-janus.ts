/**
 * fake-janus.ts: a scripted JanusTransport for unit tests (no browser, no
 * Janus). It records every message body sent, acks it (optionally late), and
 * lets a test play the plugin: reply to a request, push unsolicited events,
 * drop the WebSocket.
 */
import type { JanusTransport, TransportListener, TransportOfferOptions, TransportOpenOptions } from '../src/transport.js';
import type { Jsep, ProtocolMessage } from '../src/types.js';

export interface FakeTrack { id: string; kind: 'video' | 'audio'; mid: string }

export interface Sent { body: ProtocolMessage; jsep?: Jsep }

type AutoReply = (sent: Sent, fake: FakeJanus) => void;

export class FakeJanus implements JanusTransport {
	wsState = 3;
	pcState: RTCPeerConnectionState | null = null;
	openOptions: TransportOpenOptions | null = null;
	listener: TransportListener | null = null;
	readonly sent: Sent[] = [];
	offers: TransportOfferOptions[] = [];
	answers: Jsep[] = [];
	tracks: FakeTrack[] = [];
	hungUp = false;
	destroyed = false;
	/** Fail open() with this message. */
	openError: string | null = null;
	/** Reject send() with this message (Janus-level error). */
	sendError: string | null = null;
	/** Events emitted before the ack resolves (the plugin's event overtakes Janus's ack). */
	eventsBeforeAck = true;
	/** Called for each sent body; plays the plugin. */
	auto: AutoReply | null = null;
	private waiters: Array<(s: Sent) => void> = [];

	async open(options: TransportOpenOptions, listener: TransportListener): Promise<void> {
		this.openOptions = options;
		this.wsState = 0;
		await Promise.resolve();
		if(this.openError) {
			this.wsState = 3;
			throw new Error(this.openError);
		}
		this.listener = listener;
		this.wsState = 1;
	}

	async send(body: ProtocolMessage, jsep?: Jsep): Promise<void> {
		const s: Sent = jsep ? { body, jsep } : { body };
		this.sent.push(s);
		if(this.sendError)
			throw new Error(this.sendError);
		const waiters = this.waiters;
		this.waiters = [];
		waiters.forEach((w) => w(s));
		if(this.eventsBeforeAck)
			this.auto?.(s, this);
		await Promise.resolve();
		if(!this.eventsBeforeAck)
			setTimeout(() => this.auto?.(s, this), 0);
	}

	async createOffer(options: TransportOfferOptions): Promise<Jsep> {
		this.offers.push(options);
		this.pcState = 'new';
		this.tracks = Array.from({ length: options.videoSlots }, (_, i): FakeTrack => ({ id: `track-${i}`, kind: 'video', mid: String(i) }));
		/* Like janus.js: the audio transceiver is added after the video ones, so its m-line comes last. */
		if(options.audio)
			this.tracks.push({ id: 'track-audio', kind: 'audio', mid: String(options.videoSlots) });
		const mlines = this.tracks.map((t) => (t.kind === 'video'
			? `m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:${t.mid}\r\na=recvonly\r\n`
			: `m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8\r\na=mid:${t.mid}\r\na=recvonly\r\n`)).join('');
		return { type: 'offer', sdp: `v=0\r\n${mlines}` };
	}

	async applyAnswer(jsep: Jsep): Promise<void> {
		this.answers.push(jsep);
		this.pcState = 'connected';
	}

	trackForMid(mid: string): MediaStreamTrack | null {
		return (this.tracks.find((t) => t.mid === mid) ?? null) as unknown as MediaStreamTrack | null;
	}

	videoTracks(): MediaStreamTrack[] {
		return this.tracks.filter((t) => t.kind === 'video') as unknown as MediaStreamTrack[];
	}

	audioTrack(): MediaStreamTrack | null {
		return (this.tracks.find((t) => t.kind === 'audio') ?? null) as unknown as MediaStreamTrack | null;
	}

	async getStats(): Promise<RTCStatsReport | null> {
		return null;
	}

	hangup(): void {
		this.hungUp = true;
		this.pcState = 'closed';
	}

	async destroy(): Promise<void> {
		this.destroyed = true;
		this.wsState = 3;
	}

	/* ---- test helpers ---- */

	/** Push a plugin event to the client. */
	emit(type: string, value: Record<string, unknown>, jsep?: Jsep): void {
		this.listener?.onEvent({ type, value }, jsep);
	}

	/** Resolves with the next body sent (or the last one of this type already sent and unanswered). */
	nextSent(): Promise<Sent> {
		return new Promise((resolve) => this.waiters.push(resolve));
	}

	lastOf(type: string): Sent | undefined {
		return [...this.sent].reverse().find((s) => s.body.type === type);
	}

	/** Simulate the WebSocket dropping. */
	dropWebSocket(reason = 'websocket closed'): void {
		this.wsState = 3;
		const l = this.listener;
		this.listener = null;
		l?.onClosed(reason);
	}
}

export function rid(s: Sent): string {
	return String(s.body.value?.['request_id']);
}

/**
 * A plugin that answers init/offer/streams/close like docs/protocol.md §3-4
 * (switch etc. left to the test), and `multistream/audio` like the audio
 * focus does: 486 without the init's `audio: true`, 483 for a slot not in
 * the init, `off` for -1, else `active` (or `unavailable` where `hasAudio`
 * says the stream has none) on the stream the init put on that slot.
 */
export function politePlugin(opts: {
	mids?: (slot: number) => string | undefined;
	streams?: unknown[];
	codec?: (slot: number) => string | null | undefined;
	hasAudio?: (stream: string) => boolean;
} = {}): AutoReply {
	return (s, fake) => {
		const v = s.body.value ?? {};
		const id = v['request_id'];
		switch(s.body.type) {
			case 'multistream/audio': {
				const init = fake.lastOf('multistream/init')?.body.value;
				const slots = (init?.['slots'] ?? []) as Array<{ slot: number; stream: string; quality?: string }>;
				const slot = v['slot'];
				if(init?.['audio'] !== true) {
					fake.emit('multistream/error', { request_id: id, code: 486, error: 'invalid state', detail: 'the init did not ask for audio' });
					break;
				}
				if(slot === -1) {
					fake.emit('multistream/audio', { request_id: id, slot: -1, stream: '', status: 'off' });
					break;
				}
				const sl = slots.find((x) => x.slot === slot);
				if(!sl) {
					fake.emit('multistream/error', { request_id: id, code: 483, error: 'invalid slot index', ...(typeof slot === 'number' ? { slot } : {}), detail: `slot ${String(slot)} not in init` });
					break;
				}
				const name = sl.quality && sl.quality !== 'native' ? `${sl.stream}-${sl.quality}` : sl.stream;
				const has = opts.hasAudio ? opts.hasAudio(name) : true;
				fake.emit('multistream/audio', { request_id: id, slot, stream: name, status: has ? 'active' : 'unavailable' });
				break;
			}
			case 'multistream/init': {
				const slots = v['slots'] as Array<{ slot: number }>;
				fake.emit('multistream/ready', { request_id: id, slots: slots.length });
				break;
			}
			case 'multistream/offer': {
				const init = fake.lastOf('multistream/init');
				const slots = (init?.body.value?.['slots'] ?? []) as Array<{ slot: number; stream: string; quality?: string }>;
				fake.emit('multistream/answer', {
					request_id: id,
					slots: slots.map((sl) => {
						const mid = opts.mids ? opts.mids(sl.slot) : String(sl.slot);
						const name = sl.quality && sl.quality !== 'native' && sl.quality !== 'auto' ? `${sl.stream}-${sl.quality}` : sl.stream;
						const codec = opts.codec ? opts.codec(sl.slot) : undefined;
						return { slot: sl.slot, stream: name, status: 'active', ...(mid !== undefined ? { mid } : {}), ...(codec !== undefined ? { codec } : {}) };
					}),
				}, { type: 'answer', sdp: 'v=0\r\n' });
				break;
			}
			case 'multistream/hint': {
				/* Like the plugin: every entry's slot must be a slot of the init (483), else {request_id} */
				const init = fake.lastOf('multistream/init')?.body.value;
				const slots = (init?.['slots'] ?? []) as Array<{ slot: number }>;
				const bad = ((v['slots'] ?? []) as Array<{ slot: number }>).find((h) => !slots.some((x) => x.slot === h.slot));
				if(bad)
					fake.emit('multistream/error', { request_id: id, code: 483, error: 'invalid slot index', slot: bad.slot, detail: 'not a slot of the init' });
				else
					fake.emit('multistream/hint', { request_id: id });
				break;
			}
			case 'multistream/streams':
				fake.emit('multistream/streams', { request_id: id, streams: opts.streams ?? [] });
				break;
			case 'multistream/close':
				fake.emit('multistream/close', { request_id: id, status: 'closed' });
				break;
			default:
				break;
		}
	};
}
