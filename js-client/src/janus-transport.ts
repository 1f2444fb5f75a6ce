/**
 * janus-transport.ts: the default JanusTransport, over the official janus.js
 * (npm `janus-gateway`) and its WebSocket transport.
 *
 * janus.js wants webrtc-adapter as `adapter`: we hand it over explicitly
 * through Janus.useDefaultDependencies({adapter}) and also set the global,
 * so either way of loading janus.js finds it. janus.js owns the
 * RTCPeerConnection (trickle both ways, hangup, cleanup); we only ask it for
 * N recvonly video tracks (`add: true`, else it reuses the first transceiver),
 * plus one recvonly audio track after them when the client wants audio
 * (janus.js adds transceivers in the order of its `tracks`, so the m-lines
 * are N video then the audio one), and read the transceivers back by mid.
 * The offered video codecs (H265 then H264) are set on janus.js's video
 * transceivers through a hook on this handle's PeerConnection (codecs.ts,
 * hookOfferCodecPreferences: why there); the audio one keeps the browser's
 * default list (Opus, PCMU, PCMA...).
 *
 * Both libraries are imported lazily (on the first open()): janus.js's
 * UMD prologue throws when merely imported under Node, and the unit tests
 * import this module without ever opening it.
 */
import { codecNames, hookOfferCodecPreferences, receiverVideoCapabilities, videoCodecPreferences } from './codecs.js';
import type { JanusTransport, TransportListener, TransportOfferOptions, TransportOpenOptions } from './transport.js';
import type { Jsep, ProtocolMessage } from './types.js';

/* The small part of janus.js we use, typed here (its own d.ts is mostly `any`). */
interface JanusSendParams {
	message: ProtocolMessage;
	jsep?: Jsep;
	success?: (data?: unknown) => void;
	error?: (error: string) => void;
}
interface JanusTrackSpec {
	type: 'video' | 'audio';
	capture: false;
	recv: true;
	add: true;
	codec?: string;
}
interface JanusHandle {
	webrtcStuff: { pc: RTCPeerConnection | null };
	send(params: JanusSendParams): void;
	createOffer(params: { tracks: JanusTrackSpec[]; success: (jsep: RTCSessionDescriptionInit) => void; error: (err: unknown) => void }): void;
	handleRemoteJsep(params: { jsep: Jsep; success?: () => void; error?: (err: unknown) => void }): void;
	hangup(sendRequest?: boolean): void;
	detach(params?: { success?: () => void; error?: (err: string) => void }): void;
}
interface JanusSession {
	attach(options: {
		plugin: string;
		opaqueId?: string;
		success: (handle: JanusHandle) => void;
		error: (error: string) => void;
		onmessage: (msg: unknown, jsep?: Jsep) => void;
		connectionState?: (state: RTCPeerConnectionState) => void;
		oncleanup?: () => void;
		ondetached?: () => void;
	}): void;
	isConnected(): boolean;
	destroy(options: { success?: () => void; error?: (err: string) => void; notifyDestroyed?: boolean }): void;
}
interface JanusDependencies {
	newWebSocket: (server: string, proto: string) => WebSocket;
}
interface JanusStatic {
	new(options: {
		server: string;
		token?: string;
		iceServers: RTCIceServer[];
		iceTransportPolicy?: RTCIceTransportPolicy;
		bundlePolicy?: RTCBundlePolicy;
		success: () => void;
		error: (error: unknown) => void;
		destroyed?: () => void;
	}): JanusSession;
	init(options: { debug: boolean; dependencies: JanusDependencies; callback: () => void }): void;
	useDefaultDependencies(deps: { adapter: unknown }): JanusDependencies;
	randomString(len: number): string;
}

let Janus: JanusStatic | undefined;

/* janus.js keeps its WebSocket private: catch it when the session creates it. */
let socketSink: ((ws: WebSocket) => void) | null = null;
let initPromise: Promise<void> | null = null;

function initJanus(debug: boolean): Promise<void> {
	if(initPromise)
		return initPromise;
	initPromise = (async (): Promise<void> => {
		const [janusMod, adapterMod] = await Promise.all([import('janus-gateway'), import('webrtc-adapter')]);
		const adapter: unknown = adapterMod.default;
		Janus = janusMod.default as unknown as JanusStatic | undefined;
		if(!Janus)
			throw new Error('janus.js did not load (no window?)');
		(globalThis as { adapter?: unknown }).adapter ??= adapter;
		await initWith(Janus, adapter, debug);
	})();
	initPromise.catch(() => { initPromise = null; });
	return initPromise;
}

function initWith(J: JanusStatic, adapter: unknown, debug: boolean): Promise<void> {
	return new Promise<void>((resolve) => {
		const deps = J.useDefaultDependencies({ adapter });
		const newWebSocket = deps.newWebSocket;
		deps.newWebSocket = (server: string, proto: string): WebSocket => {
			const ws = newWebSocket(server, proto);
			socketSink?.(ws);
			return ws;
		};
		J.init({ debug, dependencies: deps, callback: () => resolve() });
	});
}

function errText(err: unknown): string {
	if(typeof err === 'string')
		return err;
	if(err instanceof Error)
		return err.message;
	try {
		return JSON.stringify(err);
	} catch {
		return String(err);
	}
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
	return new Promise<T>((resolve, reject) => {
		const t = setTimeout(() => reject(new Error(`${what}: timeout after ${ms} ms`)), ms);
		p.then((v) => { clearTimeout(t); resolve(v); }, (e: unknown) => { clearTimeout(t); reject(e instanceof Error ? e : new Error(errText(e))); });
	});
}

export class JanusJsTransport implements JanusTransport {
	private session: JanusSession | null = null;
	private handle: JanusHandle | null = null;
	private ws: WebSocket | null = null;
	private listener: TransportListener | null = null;
	private closedState = false;
	private debug = false;

	get wsState(): number {
		if(this.ws)
			return this.ws.readyState;
		return this.closedState || !this.session ? 3 : 0;
	}

	get pcState(): RTCPeerConnectionState | null {
		return this.handle?.webrtcStuff?.pc?.connectionState ?? null;
	}

	private get pc(): RTCPeerConnection | null {
		return this.handle?.webrtcStuff?.pc ?? null;
	}

	async open(options: TransportOpenOptions, listener: TransportListener): Promise<void> {
		this.listener = listener;
		this.debug = options.debug;
		await withTimeout(initJanus(options.debug), options.timeoutMs, 'janus.js init');
		const J = Janus as JanusStatic;
		const sessionUp = new Promise<JanusSession>((resolve, reject) => {
			let up = false;
			socketSink = (ws) => {
				this.ws = ws;
				ws.addEventListener('close', () => {
					if(up)
						this.closed('websocket closed');
				});
			};
			try {
				const s = new J({
					server: options.url,
					...(options.janusToken ? { token: options.janusToken } : {}),
					iceServers: options.pcConfig.iceServers ?? [],
					...(options.pcConfig.iceTransportPolicy ? { iceTransportPolicy: options.pcConfig.iceTransportPolicy } : {}),
					...(options.pcConfig.bundlePolicy ? { bundlePolicy: options.pcConfig.bundlePolicy } : {}),
					success: () => { up = true; resolve(s); },
					error: (e: unknown) => {
						if(up)
							this.closed(`janus: ${errText(e)}`);
						else
							reject(new Error(`WebSocket/Janus session failed: ${errText(e)}`));
					},
					destroyed: () => this.closed('session destroyed'),
				});
				this.session = s;
			} finally {
				socketSink = null;
			}
		});
		this.session = await withTimeout(sessionUp, options.timeoutMs, 'Janus session (WebSocket)');
		const session = this.session;
		this.handle = await withTimeout(new Promise<JanusHandle>((resolve, reject) => {
			session.attach({
				plugin: options.plugin,
				opaqueId: `multistream-${J.randomString(12)}`,
				success: resolve,
				error: (e) => reject(new Error(`attach ${options.plugin} failed: ${e}`)),
				onmessage: (msg, jsep) => {
					if(msg && typeof msg === 'object')
						this.listener?.onEvent(msg as ProtocolMessage, jsep);
				},
				connectionState: (state) => this.listener?.onPcState(state),
				ondetached: () => this.closed('handle detached'),
			});
		}), options.timeoutMs, `attach ${options.plugin}`);
	}

	send(body: ProtocolMessage, jsep?: Jsep): Promise<void> {
		const handle = this.handle;
		if(!handle)
			return Promise.reject(new Error('not attached'));
		return new Promise<void>((resolve, reject) => {
			handle.send({
				message: body,
				...(jsep ? { jsep } : {}),
				success: (data?: unknown) => {
					/* A synchronous plugin reply comes back here instead of as an event. */
					if(data && typeof data === 'object' && typeof (data as ProtocolMessage).type === 'string')
						this.listener?.onEvent(data as ProtocolMessage);
					resolve();
				},
				error: (e) => reject(new Error(`Janus refused the message: ${e}`)),
			});
		});
	}

	createOffer(options: TransportOfferOptions): Promise<Jsep> {
		const handle = this.handle;
		if(!handle)
			return Promise.reject(new Error('not attached'));
		/*
		 * Every video m-line offers the wanted codecs the browser can receive,
		 * in order (H265 first where listed, then H264), and nothing else.
		 * janus.js's per-track `codec` names a single codec, so the list goes
		 * onto janus.js's transceivers through a hook on this handle's
		 * PeerConnection, for this one offer (codecs.ts,
		 * hookOfferCodecPreferences, says why there). A transceiver refusing
		 * the list gets the baseline (the last wanted, H264) alone. No
		 * getCapabilities, or none of the codecs: no list, the browser's
		 * default offer (as before). Should the hook not install (a janus.js
		 * keeping `pc` elsewhere), janus.js's own `codec` with the baseline
		 * keeps the H264-only offer of before.
		 */
		const caps = receiverVideoCapabilities();
		const prefs = videoCodecPreferences(caps, options.videoCodecs);
		const baseline = options.videoCodecs[options.videoCodecs.length - 1];
		const fallback = baseline !== undefined ? videoCodecPreferences(caps, [baseline]) : [];
		const names = codecNames(prefs).join('+');
		const unhook = prefs.length > 0 ? hookOfferCodecPreferences(handle.webrtcStuff, prefs, {
			...(fallback.length > 0 && fallback.length < prefs.length ? { fallback } : {}),
			onApplied: (r) => {
				if(r.fallback > 0 || r.failed > 0)
					console.warn(`[multistream] offer: ${names} on ${r.set} m-line(s), ${baseline ?? ''} alone on ${r.fallback} (the browser refused ${names}), the browser's default on ${r.failed}`);
				else if(this.debug)
					console.debug(`[multistream] offer: ${names} on ${r.set} m-line(s)`);
			},
		}) : null;
		const codec = prefs.length > 0 && !unhook && fallback.length > 0 ? baseline : undefined;
		const tracks: JanusTrackSpec[] = [];
		for(let i = 0; i < options.videoSlots; i++)
			tracks.push({ type: 'video', capture: false, recv: true, add: true, ...(codec ? { codec } : {}) });
		/* The audio m-line comes after the video ones (the plugin maps slots to the first N video m-lines). */
		if(options.audio)
			tracks.push({ type: 'audio', capture: false, recv: true, add: true });
		return new Promise<Jsep>((resolve, reject) => {
			try {
				handle.createOffer({
					tracks,
					success: (jsep) => { unhook?.(); resolve({ type: jsep.type ?? 'offer', sdp: jsep.sdp ?? '' }); },
					error: (e) => { unhook?.(); reject(new Error(`createOffer failed: ${errText(e)}`)); },
				});
			} catch(e) {
				unhook?.();
				reject(new Error(`createOffer failed: ${errText(e)}`));
			}
		});
	}

	applyAnswer(jsep: Jsep): Promise<void> {
		const handle = this.handle;
		if(!handle)
			return Promise.reject(new Error('not attached'));
		return new Promise<void>((resolve, reject) => {
			handle.handleRemoteJsep({
				jsep,
				success: () => resolve(),
				error: (e) => reject(new Error(`setRemoteDescription failed: ${errText(e)}`)),
			});
		});
	}

	trackForMid(mid: string): MediaStreamTrack | null {
		const t = this.pc?.getTransceivers().find((tr) => tr.mid === mid);
		return t?.receiver.track ?? null;
	}

	videoTracks(): MediaStreamTrack[] {
		return (this.pc?.getTransceivers() ?? [])
			.filter((tr) => tr.receiver.track.kind === 'video')
			.map((tr) => tr.receiver.track);
	}

	audioTrack(): MediaStreamTrack | null {
		const t = (this.pc?.getTransceivers() ?? []).find((tr) => tr.receiver.track.kind === 'audio');
		return t?.receiver.track ?? null;
	}

	async getStats(track: MediaStreamTrack): Promise<RTCStatsReport | null> {
		const pc = this.pc;
		if(!pc)
			return null;
		const tr = pc.getTransceivers().find((t) => t.receiver.track === track);
		return tr ? tr.receiver.getStats() : pc.getStats(track);
	}

	hangup(): void {
		this.handle?.hangup(true);
	}

	destroy(): Promise<void> {
		const session = this.session;
		this.closedState = true;
		this.listener = null;
		if(!session)
			return Promise.resolve();
		return new Promise<void>((resolve) => {
			const done = (): void => { this.session = null; this.handle = null; resolve(); };
			const t = setTimeout(done, 2000);
			session.destroy({
				notifyDestroyed: false,
				success: () => { clearTimeout(t); done(); },
				error: () => { clearTimeout(t); done(); },
			});
		});
	}

	private closed(reason: string): void {
		if(this.closedState)
			return;
		this.closedState = true;
		const l = this.listener;
		this.listener = null;
		l?.onClosed(reason);
	}
}
