/**
 * client.ts: MultiStreamClient, the client's API (js-client/README.md) over
 * a JanusTransport.
 *
 * One Janus session + one janus.plugin.multistream handle + one
 * PeerConnection with N recvonly video slots. Every request carries a fresh
 * request_id and is settled by the plugin event echoing it (events may
 * overtake Janus's ack, so the pending entry exists before the send).
 * switch/resume settle later, when the slot reports `active` on the new
 * stream (that event has no request_id).
 *
 * Audio that follows focus (option `audio`): the init carries `audio: true`,
 * the offer one recvonly audio m-line after the N video ones, and
 * setAudioFocus(slot) sends `multistream/audio`; its reply and the server's
 * later notices (no request_id) reach `onAudio`.
 *
 * Quality auto: `quality: "auto"` in init/switch/resume lets the server pick
 * the variant; hint(slots) sends `multistream/hint` (rendered size in device
 * pixels, visibility), and observe(slot, element) makes the client send them
 * by itself (hints.ts: ResizeObserver, IntersectionObserver, page
 * visibility, debounced), once connected, for the slots of the init.
 */
import { OFFER_VIDEO_CODECS } from './codecs.js';
import { ErrorCode, MultiStreamError, codeForErrorString, isServerErrorCode } from './errors.js';
import { AutoHints, toWireSize } from './hints.js';
import { JanusJsTransport } from './janus-transport.js';
import type { JanusTransport } from './transport.js';
import type {
	AnswerSlot, AudioState, AudioStatus, DisconnectReason, Jsep, KeyframeResult, MultiStreamClientOptions, ProtocolMessage,
	Quality, SlotConfig, SlotHint, SlotState, SlotStatus, SlotTracks, StatusCallback, StreamInfo,
} from './types.js';
import { toJanusWsUrl } from './url.js';

export const PLUGIN_NAME = 'janus.plugin.multistream';
const DEFAULT_TIMEOUT = 10000;
const CLOSE_TIMEOUT = 2000;
const DEFAULT_HINT_DEBOUNCE = 150;
const HINT_MAX_WAIT = 1000;
/** The quality that lets the server pick the variant. */
export const QUALITY_AUTO = 'auto';
const SLOT_STATES: ReadonlySet<string> = new Set(['pending', 'active', 'buffering', 'paused', 'offline', 'error', 'inactive']);

type RequestKind = 'init' | 'offer' | 'switch' | 'pause' | 'resume' | 'keyframe' | 'close' | 'streams' | 'audio' | 'hint';

interface Pending {
	id: string;
	kind: RequestKind;
	slot?: number;
	/** switch/resume: the resolved name we wait to see `active` (server's name once it replied). */
	expectStream?: string;
	resolve: (value: unknown) => void;
	reject: (err: MultiStreamError) => void;
	timer: ReturnType<typeof setTimeout>;
}

type ClientState = 'idle' | 'opening' | 'open' | 'connecting' | 'connected' | 'closing' | 'disconnected';

/**
 * `stream` + `quality` -> the name the server resolves (docs/protocol.md §6):
 * `stream-quality`, or `stream` for no quality, `native` and `auto` (an auto
 * slot reports the requested stream; what it sends is `actualQuality`).
 */
export function resolveStreamName(stream: string, quality?: string): string {
	return quality && quality !== 'native' && quality !== QUALITY_AUTO ? `${stream}-${quality}` : stream;
}

function isRecord(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseSlotStatus(raw: unknown, fallbackSlot: number): SlotStatus | null {
	if(!isRecord(raw))
		return null;
	const status = raw['status'];
	if(typeof status !== 'string')
		return null;
	const st: SlotStatus = {
		slot: typeof raw['slot'] === 'number' ? raw['slot'] : fallbackSlot,
		stream: typeof raw['stream'] === 'string' ? raw['stream'] : '',
		status: (SLOT_STATES.has(status) ? status : 'error') as SlotState,
	};
	if(typeof raw['quality'] === 'string')
		st.quality = raw['quality'];
	if(typeof raw['actualQuality'] === 'string')
		st.actualQuality = raw['actualQuality'];
	else if(typeof raw['actual_quality'] === 'string')
		st.actualQuality = raw['actual_quality'];
	if(typeof raw['error'] === 'string')
		st.error = raw['error'];
	const codec = raw['codec'];
	if(typeof codec === 'string' || codec === null)
		st.codec = codec;
	return st;
}

/** A `multistream/audio` value -> AudioStatus (null when it has no status string). */
function parseAudioStatus(raw: Record<string, unknown>): AudioStatus | null {
	const status = raw['status'];
	if(typeof status !== 'string')
		return null;
	return {
		slot: typeof raw['slot'] === 'number' ? raw['slot'] : -1,
		stream: typeof raw['stream'] === 'string' ? raw['stream'] : '',
		status: status as AudioState,
	};
}

/** connect()'s result: a Map slot -> video track, with the audio track alongside. */
class SlotTrackMap extends Map<number, MediaStreamTrack> implements SlotTracks {
	audio: MediaStreamTrack | null = null;
}

let idCounter = 0;
function newRequestId(): string {
	idCounter += 1;
	const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
	const rnd = c?.randomUUID ? c.randomUUID() : Math.random().toString(36).slice(2, 12);
	return `ms-${idCounter}-${rnd}`;
}

export class MultiStreamClient {
	private readonly baseUrl: string;
	private readonly wsUrl: string;
	private readonly opts: Required<Pick<MultiStreamClientOptions, 'connectionTimeout' | 'debug'>> & MultiStreamClientOptions;
	private transport: JanusTransport | null = null;
	private state: ClientState = 'idle';
	private readonly pending = new Map<string, Pending>();
	private onStatus: StatusCallback | null = null;
	private readonly statuses = new Map<number, SlotStatus>();
	private readonly lastRequested = new Map<number, { stream: string; quality?: string }>();
	private tracks = new Map<number, MediaStreamTrack>();
	private audio: MediaStreamTrack | null = null;
	private lastAudio: AudioStatus | null = null;
	private openPromise: Promise<JanusTransport> | null = null;
	private disconnectNotified = false;
	/** The slots of the current init (automatic hints only go to these). */
	private initSlots = new Set<number>();
	private readonly autoHints: AutoHints;

	constructor(baseUrl: string, options: MultiStreamClientOptions = {}) {
		this.baseUrl = baseUrl;
		this.wsUrl = toJanusWsUrl(baseUrl);
		this.opts = { ...options, connectionTimeout: options.connectionTimeout ?? DEFAULT_TIMEOUT, debug: options.debug ?? false };
		const debounce = typeof options.hintDebounceMs === 'number' && options.hintDebounceMs >= 0 ? options.hintDebounceMs : DEFAULT_HINT_DEBOUNCE;
		this.autoHints = new AutoHints({
			accepts: (slot) => this.state === 'connected' && this.initSlots.has(slot),
			send: (hints) => { void this.sendHints(hints, true); },
		}, { debounceMs: debounce, maxWaitMs: HINT_MAX_WAIT });
	}

	/** The Janus WebSocket URL this client uses (mapped from `baseUrl`). */
	get url(): string {
		return this.wsUrl;
	}

	get isConnected(): boolean {
		const t = this.transport;
		if(this.state !== 'connected' || !t)
			return false;
		const pc = t.pcState;
		return t.wsState === 1 && pc !== 'failed' && pc !== 'closed';
	}

	get wsState(): number {
		return this.transport ? this.transport.wsState : 3;
	}

	get pcState(): RTCPeerConnectionState | null {
		return this.transport ? this.transport.pcState : null;
	}

	/** Last status seen per slot. */
	getStatus(slot: number): SlotStatus | undefined {
		return this.statuses.get(slot);
	}

	/** The receiver track of a slot (as resolved by connect()). */
	getTrack(slot: number): MediaStreamTrack | undefined {
		return this.tracks.get(slot);
	}

	/** The receiver track of the audio m-line (option `audio`), as resolved by connect(); null without one. */
	get audioTrack(): MediaStreamTrack | null {
		return this.audio;
	}

	/** The last `multistream/audio` seen (reply or notice); null before any. */
	get audioStatus(): AudioStatus | null {
		return this.lastAudio ? { ...this.lastAudio } : null;
	}

	/** getStats() of one slot's receiver, or null when not connected. */
	async getStats(slot: number): Promise<RTCStatsReport | null> {
		const track = this.tracks.get(slot);
		if(!track || !this.transport)
			return null;
		return this.transport.getStats(track);
	}

	/**
	 * Open the Janus session, init N slots, offer N recvonly video m-lines
	 * (+ one recvonly audio m-line with the `audio` option) and apply the
	 * answer. Resolves with slot -> receiver track, and `.audio`, the audio
	 * m-line's receiver track (null without the option).
	 */
	async connect(slots: SlotConfig[], onStatus?: StatusCallback): Promise<SlotTracks> {
		if(this.state === 'connecting' || this.state === 'connected' || this.state === 'closing')
			throw new MultiStreamError(ErrorCode.InvalidState, undefined, { detail: `connect() while ${this.state}` });
		if(!Array.isArray(slots) || slots.length === 0)
			throw new MultiStreamError(ErrorCode.InvalidRequest, undefined, { detail: 'slots must be a non-empty array' });
		this.onStatus = onStatus ?? null;
		this.disconnectNotified = false;
		const ordered = [...slots].sort((a, b) => a.slot - b.slot);
		this.initSlots = new Set(ordered.map((s) => s.slot));
		this.autoHints.reset();
		try {
			const transport = await this.open();
			this.state = 'connecting';
			const wire = ordered.map((s) => {
				const e: SlotConfig = { slot: s.slot, stream: s.stream };
				if(s.quality !== undefined)
					e.quality = s.quality;
				this.lastRequested.set(s.slot, s.quality !== undefined ? { stream: s.stream, quality: s.quality } : { stream: s.stream });
				return e;
			});
			const audio = this.opts.audio === true;
			this.lastAudio = null;
			await this.request('init', audio ? { slots: wire, audio: true } : { slots: wire });
			const offer = await this.step(transport.createOffer({
				videoSlots: ordered.length, videoCodecs: OFFER_VIDEO_CODECS, ...(audio ? { audio: true } : {}),
			}), 'createOffer');
			const { value, jsep } = await this.request<{ value: Record<string, unknown>; jsep?: Jsep }>('offer', {}, undefined, offer);
			if(!jsep || jsep.type !== 'answer')
				throw new MultiStreamError(ErrorCode.InternalError, undefined, { detail: 'multistream/answer came without an answer jsep' });
			await this.step(transport.applyAnswer(jsep), 'setRemoteDescription');
			const answerSlots = new Map<number, AnswerSlot>();
			if(Array.isArray(value['slots'])) {
				for(const raw of value['slots']) {
					const st = parseSlotStatus(raw, -1);
					if(st && st.slot >= 0) {
						const a: AnswerSlot = st;
						const mid = isRecord(raw) ? raw['mid'] : undefined;
						if(typeof mid === 'string' || typeof mid === 'number')
							a.mid = String(mid);
						answerSlots.set(st.slot, a);
					}
				}
			}
			const inOrder = transport.videoTracks();
			const tracks = new SlotTrackMap();
			ordered.forEach((s, i) => {
				const a = answerSlots.get(s.slot);
				const track = (a?.mid !== undefined ? transport.trackForMid(a.mid) : null) ?? inOrder[i];
				if(track)
					tracks.set(s.slot, track);
			});
			tracks.audio = audio ? transport.audioTrack?.() ?? null : null;
			this.tracks = tracks;
			this.audio = tracks.audio;
			this.state = 'connected';
			for(const a of answerSlots.values()) {
				const { mid: _mid, ...st } = a;
				this.emitStatus(st);
			}
			/* The observed slots' sizes and visibility, at once: auto slots start on their smallest variant. */
			this.autoHints.flush();
			return tracks;
		} catch(err) {
			await this.teardown(false);
			throw err;
		}
	}

	/**
	 * Re-point a slot. Resolves when the slot reports `active` on the new
	 * stream (or, for quality `auto`, `inactive`: the slot is hinted not visible).
	 */
	switchStream(slot: number, stream: string, quality?: Quality): Promise<SlotStatus> {
		return this.slotRequest('switch', slot, stream, quality);
	}

	/** Pause a slot (server stops feeding it). Resolves with the `paused` status. */
	pause(slot: number): Promise<SlotStatus> {
		this.supersede(slot);
		return this.request<SlotStatus>('pause', { slot }, slot);
	}

	/** Resume a paused slot, on `stream`/`quality` or on what it showed before. Resolves on `active` (`auto`: or `inactive`). */
	resume(slot: number, stream?: string, quality?: Quality): Promise<SlotStatus> {
		if(stream === undefined) {
			const last = this.lastRequested.get(slot);
			if(last)
				return this.slotRequest('resume', slot, last.stream, last.quality);
		}
		return this.slotRequest('resume', slot, stream, quality);
	}

	/** Ask for a keyframe on one slot, or on all with -1. */
	requestKeyframe(slot: number): Promise<KeyframeResult> {
		return this.request<KeyframeResult>('keyframe', { slot });
	}

	/**
	 * Audio that follows focus (needs the `audio` option): the audio m-line
	 * carries the audio of `slot`'s camera from now on, following the slot
	 * through its switches (a variant's audio is its parent camera's); null
	 * (sent as -1) silences it. Resolves with the reply: `{slot, stream,
	 * status}`, status `active`, `unavailable` (that camera has no audio) or
	 * `off`. Rejects with 486 (the init had no `audio: true`) or 483 (a slot
	 * not in the init), like every request.
	 */
	setAudioFocus(slot: number | null): Promise<AudioStatus> {
		const s = slot ?? -1;
		return this.request<AudioStatus>('audio', { slot: s }, s >= 0 ? s : undefined);
	}

	/**
	 * Tell the server the rendered size (device pixels) and visibility of
	 * slots: one `multistream/hint`. Sizes are rounded and clamped to integers
	 * 0..65535, `visible` made a boolean. The server keeps hints for slots
	 * that are not `auto` and uses them once they are. Resolves on the reply;
	 * rejects like every request (483 for a slot not in the init, 480 for a
	 * malformed entry, 482 before connect()). An empty list sends nothing.
	 * For a slot you also observe(), the observed values win again with the
	 * next automatic hint.
	 */
	hint(slots: readonly SlotHint[]): Promise<void> {
		if(!Array.isArray(slots))
			return Promise.reject(new MultiStreamError(ErrorCode.InvalidRequest, undefined, { detail: 'hint() takes an array of {slot, width, height, visible}' }));
		if(slots.length === 0)
			return Promise.resolve();
		const wire = slots.map((h): SlotHint => ({ slot: h.slot, width: toWireSize(h.width), height: toWireSize(h.height), visible: h.visible === true }));
		return this.sendHints(wire, false);
	}

	/**
	 * Send hints for `slot` by itself from now on, from `element` (its
	 * <video>): its size (ResizeObserver, CSS pixels * devicePixelRatio,
	 * rounded), whether it intersects the viewport (IntersectionObserver) and
	 * whether the page is hidden (`document.hidden`: every observed slot
	 * `visible: false`). A change after a quiet spell goes at once; the ones
	 * that follow it are debounced (`hintDebounceMs`, 150 ms) into one
	 * message carrying the slots that changed; a page visibility change
	 * goes at once. Hints go out while connected, for slots of the init; after
	 * connect() every observed slot's hint is sent at once. Observations
	 * survive disconnect()/connect() on this client (unobserve() to let go).
	 * One element per slot: a new one replaces the old. Returns false (and
	 * does nothing) where ResizeObserver is missing (Node): no automatic hints.
	 */
	observe(slot: number, element: Element): boolean {
		return this.autoHints.observe(slot, element);
	}

	/** Stop the automatic hints of one slot, or of every slot (no argument). Sends nothing; the server keeps the last hint. */
	unobserve(slot?: number): void {
		this.autoHints.unobserve(slot);
	}

	/** The slots observe() watches now. */
	get observedSlots(): number[] {
		return this.autoHints.slots;
	}

	/** The last hint sent for a slot in this session (by hint() or automatically), or undefined. */
	getHint(slot: number): SlotHint | undefined {
		return this.autoHints.lastSent(slot);
	}

	/** The configured streams (opens the Janus session if needed; no init required). */
	async listStreams(): Promise<StreamInfo[]> {
		await this.open();
		return this.request<StreamInfo[]>('streams', {});
	}

	/** Send `multistream/close`, hang up, destroy the Janus session. Never rejects. */
	async disconnect(): Promise<void> {
		if(this.state === 'idle' && !this.transport)
			return;
		await this.teardown(true);
	}

	/* ---------- internals ---------- */

	private log(...args: unknown[]): void {
		if(this.opts.debug)
			console.debug('[multistream]', ...args);
	}

	private open(): Promise<JanusTransport> {
		if(this.transport && (this.state === 'open' || this.state === 'connected'))
			return Promise.resolve(this.transport);
		if(this.openPromise)
			return this.openPromise;
		const transport = this.opts.transport ? this.opts.transport() : new JanusJsTransport();
		this.transport = transport;
		this.state = 'opening';
		const p = transport.open({
			url: this.wsUrl,
			plugin: PLUGIN_NAME,
			pcConfig: this.opts.pcConfig ?? { iceServers: [] },
			timeoutMs: this.opts.connectionTimeout,
			debug: this.opts.debug,
			...(this.opts.janusToken ? { janusToken: this.opts.janusToken } : {}),
		}, {
			onEvent: (data, jsep) => { if(this.transport === transport) this.handleEvent(data, jsep); },
			onClosed: (reason) => { if(this.transport === transport) this.handleClosed(reason); },
			onPcState: (st) => { this.log('pc', st); },
		}).then(() => {
			if(this.transport !== transport)
				throw new MultiStreamError(ErrorCode.Disconnected, undefined, { detail: 'disconnected while opening' });
			this.state = 'open';
			this.log('attached', this.wsUrl);
			return transport;
		}, (e: unknown) => {
			if(this.transport === transport) {
				this.transport = null;
				this.state = 'idle';
				void transport.destroy().catch(() => undefined);
			}
			const msg = e instanceof Error ? e.message : String(e);
			const code = /timeout/i.test(msg) ? ErrorCode.Timeout : ErrorCode.TransportError;
			throw new MultiStreamError(code, code === ErrorCode.Timeout ? 'timeout' : 'WebSocket error', { detail: `${this.baseUrl}: ${msg}` });
		}).finally(() => { this.openPromise = null; });
		this.openPromise = p;
		return p;
	}

	/** One `multistream/hint` (hint(), or the automatic ones: their failures are logged, not thrown). */
	private sendHints(hints: SlotHint[], automatic: boolean): Promise<void> {
		const value = { slots: hints.map((h) => ({ slot: h.slot, width: h.width, height: h.height, visible: h.visible })) };
		if(this.state === 'connected')
			this.autoHints.noteSent(hints);
		if(this.opts.onHint) {
			try {
				this.opts.onHint(hints.map((h) => ({ ...h })));
			} catch(e) {
				console.error('[multistream] onHint threw', e);
			}
		}
		const p = this.request<unknown>('hint', value).then(() => undefined);
		if(!automatic)
			return p;
		return p.catch((e: unknown) => {
			const code = e instanceof MultiStreamError ? e.code : undefined;
			if(code === ErrorCode.Disconnected || code === ErrorCode.NoActiveSession)
				return;
			this.autoHints.forget(hints);	/* the server may not have them: the next flush sends them again */
			console.warn('[multistream] automatic hint failed', e);
		});
	}

	private step<T>(p: Promise<T>, what: string): Promise<T> {
		return p.catch((e: unknown) => {
			throw e instanceof MultiStreamError ? e : new MultiStreamError(ErrorCode.TransportError, 'WebRTC error',
				{ detail: `${what}: ${e instanceof Error ? e.message : String(e)}` });
		});
	}

	private slotRequest(kind: 'switch' | 'resume', slot: number, stream: string | undefined, quality: string | undefined): Promise<SlotStatus> {
		this.supersede(slot);
		const value: Record<string, unknown> = { slot };
		if(stream !== undefined)
			value['stream'] = stream;
		if(quality !== undefined)
			value['quality'] = quality;
		if(stream !== undefined)
			this.lastRequested.set(slot, quality !== undefined ? { stream, quality } : { stream });
		return this.request<SlotStatus>(kind, value, slot, undefined, stream !== undefined ? resolveStreamName(stream, quality) : undefined);
	}

	/** A newer switch/pause/resume on a slot ends the older one still waiting. */
	private supersede(slot: number): void {
		for(const p of [...this.pending.values()]) {
			if(p.slot === slot && (p.kind === 'switch' || p.kind === 'resume' || p.kind === 'pause'))
				this.settle(p, new MultiStreamError(ErrorCode.Superseded, undefined, { slot, requestId: p.id }));
		}
	}

	private request<T>(kind: RequestKind, value: Record<string, unknown>, slot?: number, jsep?: Jsep, expectStream?: string): Promise<T> {
		const transport = this.transport;
		if(!transport || this.state === 'idle' || this.state === 'disconnected' || this.state === 'closing' && kind !== 'close')
			return Promise.reject(new MultiStreamError(ErrorCode.NoActiveSession, undefined, slot !== undefined ? { slot } : {}));
		const id = newRequestId();
		const body: ProtocolMessage = {
			type: `multistream/${kind}`,
			value: { request_id: id, ...(this.opts.token !== undefined ? { token: this.opts.token } : {}), ...value },
		};
		const timeout = kind === 'close' ? Math.min(CLOSE_TIMEOUT, this.opts.connectionTimeout) : this.opts.connectionTimeout;
		return new Promise<T>((resolve, reject) => {
			const p: Pending = {
				id, kind, resolve: resolve as (v: unknown) => void, reject,
				timer: setTimeout(() => this.settle(p, new MultiStreamError(ErrorCode.Timeout, undefined,
					{ requestId: id, detail: `no reply to ${body.type} within ${timeout} ms`, ...(slot !== undefined ? { slot } : {}) })), timeout),
			};
			if(slot !== undefined)
				p.slot = slot;
			if(expectStream !== undefined)
				p.expectStream = expectStream;
			/* Registered before sending: the reply may overtake the ack. */
			this.pending.set(id, p);
			this.log('->', body, jsep ? '(+jsep)' : '');
			transport.send(body, jsep).catch((e: unknown) => {
				this.settle(p, new MultiStreamError(ErrorCode.TransportError, undefined,
					{ requestId: id, detail: e instanceof Error ? e.message : String(e), ...(slot !== undefined ? { slot } : {}) }));
			});
		});
	}

	private settle(p: Pending, result: MultiStreamError | { ok: unknown }): void {
		if(this.pending.get(p.id) !== p)
			return;
		this.pending.delete(p.id);
		clearTimeout(p.timer);
		if(result instanceof MultiStreamError)
			p.reject(result);
		else
			p.resolve(result.ok);
	}

	private emitStatus(st: SlotStatus): void {
		this.statuses.set(st.slot, st);
		if(this.onStatus) {
			try {
				this.onStatus(st.slot, st);
			} catch(e) {
				console.error('[multistream] onStatus threw', e);
			}
		}
	}

	private emitAudio(st: AudioStatus): void {
		this.lastAudio = st;
		if(this.opts.onAudio) {
			try {
				this.opts.onAudio({ ...st });
			} catch(e) {
				console.error('[multistream] onAudio threw', e);
			}
		}
	}

	private handleEvent(data: ProtocolMessage, jsep?: Jsep): void {
		this.log('<-', data, jsep ? '(+jsep)' : '');
		const value = isRecord(data.value) ? data.value : {};
		const rid = typeof value['request_id'] === 'string' ? value['request_id'] : undefined;
		const p = rid !== undefined ? this.pending.get(rid) : undefined;
		switch(data.type) {
			case 'multistream/error': {
				const code = typeof value['code'] === 'number' && isServerErrorCode(value['code']) ? value['code'] as ErrorCode : ErrorCode.InternalError;
				const err = new MultiStreamError(code, typeof value['error'] === 'string' ? value['error'] : undefined, {
					...(typeof value['slot'] === 'number' ? { slot: value['slot'] } : {}),
					...(typeof value['detail'] === 'string' ? { detail: value['detail'] } : {}),
					...(rid !== undefined ? { requestId: rid } : {}),
				});
				if(p)
					this.settle(p, err);
				else
					this.log('unmatched error', err);
				return;
			}
			case 'multistream/ready':
				if(p?.kind === 'init')
					this.settle(p, { ok: value });
				return;
			case 'multistream/answer':
				if(p?.kind === 'offer')
					this.settle(p, { ok: { value, jsep } });
				return;
			case 'multistream/status': {
				const slotNum = typeof value['slot'] === 'number' ? value['slot'] : -1;
				let st = parseSlotStatus(value['status'], slotNum);
				if(!st && typeof value['status'] === 'string')
					st = parseSlotStatus(value, slotNum);
				if(!st)
					return;
				this.emitStatus(st);
				this.onSlotStatus(st, p);
				return;
			}
			case 'multistream/keyframe':
				if(p?.kind === 'keyframe')
					this.settle(p, { ok: { slot: typeof value['slot'] === 'number' ? value['slot'] : -1, status: String(value['status'] ?? 'requested') } });
				return;
			case 'multistream/hint':
				if(p?.kind === 'hint')
					this.settle(p, { ok: value });
				return;
			case 'multistream/streams':
				if(p?.kind === 'streams')
					this.settle(p, { ok: Array.isArray(value['streams']) ? value['streams'] as StreamInfo[] : [] });
				return;
			case 'multistream/audio': {
				const st = parseAudioStatus(value);
				if(!st) {
					if(p?.kind === 'audio')
						this.settle(p, new MultiStreamError(ErrorCode.InternalError, undefined, { requestId: p.id, detail: 'multistream/audio without a status' }));
					return;
				}
				this.emitAudio(st);
				if(p?.kind === 'audio')
					this.settle(p, { ok: { ...st } });
				return;
			}
			case 'multistream/close':
				if(p?.kind === 'close')
					this.settle(p, { ok: value });
				return;
			case 'multistream/disconnected': {
				const reason = typeof value['reason'] === 'string' ? value['reason'] : 'connection_lost';
				this.state = 'disconnected';
				this.failAll(ErrorCode.Disconnected, `server: ${reason}`);
				this.notifyDisconnected(reason);
				return;
			}
			default:
				this.log('ignored event', data.type);
		}
	}

	/** Settle the request a status answers, and any switch/resume waiting for `active` on that slot. */
	private onSlotStatus(st: SlotStatus, direct: Pending | undefined): void {
		if(direct && direct.kind === 'pause') {
			this.settle(direct, { ok: st });
			return;
		}
		if(direct && (direct.kind === 'switch' || direct.kind === 'resume') && st.stream)
			direct.expectStream = st.stream;
		for(const p of [...this.pending.values()]) {
			if(p.slot !== st.slot || (p.kind !== 'switch' && p.kind !== 'resume'))
				continue;
			const sameStream = p.expectStream === undefined || st.stream === '' || st.stream === p.expectStream;
			/* inactive: an auto slot hinted not visible, which sends nothing until shown */
			if((st.status === 'active' || st.status === 'inactive') && (sameStream || p === direct))
				this.settle(p, { ok: st });
			else if(st.status === 'error' && (sameStream || p === direct))
				this.settle(p, new MultiStreamError(codeForErrorString(st.error ?? ''), st.error ?? 'internal error', { slot: st.slot, requestId: p.id }));
		}
	}

	private failAll(code: ErrorCode, detail: string): void {
		for(const p of [...this.pending.values()])
			this.settle(p, new MultiStreamError(code, undefined, { requestId: p.id, detail, ...(p.slot !== undefined ? { slot: p.slot } : {}) }));
	}

	private notifyDisconnected(reason: DisconnectReason): void {
		if(this.disconnectNotified)
			return;
		this.disconnectNotified = true;
		try {
			this.opts.onDisconnected?.(reason);
		} catch(e) {
			console.error('[multistream] onDisconnected threw', e);
		}
	}

	private handleClosed(reason: string): void {
		this.log('transport closed:', reason);
		const wasUp = this.state === 'connected' || this.state === 'connecting' || this.state === 'open';
		this.state = 'disconnected';
		this.failAll(ErrorCode.TransportError, `WebSocket/Janus: ${reason}`);
		if(wasUp)
			this.notifyDisconnected('websocket_closed');
	}

	private async teardown(sendClose: boolean): Promise<void> {
		const transport = this.transport;
		const initialised = this.state === 'connected' || this.state === 'connecting' || this.state === 'disconnected';
		this.state = 'closing';
		if(transport && sendClose && initialised && transport.wsState === 1) {
			try {
				await this.request('close', {});
			} catch(e) {
				this.log('close failed (ignored)', e);
			}
		}
		this.failAll(ErrorCode.Disconnected, 'disconnect()');
		this.autoHints.reset();
		this.transport = null;
		this.openPromise = null;
		this.tracks = new Map();
		this.audio = null;
		this.state = 'idle';
		if(transport) {
			try {
				transport.hangup();
			} catch(e) {
				this.log('hangup failed (ignored)', e);
			}
			try {
				await transport.destroy();
			} catch(e) {
				this.log('destroy failed (ignored)', e);
			}
		}
	}
}
