/**
 * codecs.ts: which video codecs the offer carries, and how they get onto
 * the PeerConnection's transceivers. The protocol's rule: every video
 * m-line offers each codec the browser can decode among H264 and H265,
 * H265 first when RTCRtpReceiver.getCapabilities('video') lists it; the
 * answer keeps H264 and, where offered, H265.
 *
 * Pure helpers (no janus.js, no browser needed): janus-transport.ts applies
 * them, the unit tests drive them with fake capabilities and transceivers.
 */

/** The video codecs the client offers, most preferred first. The last one is the baseline every slot can fall back to. */
export const OFFER_VIDEO_CODECS: readonly string[] = ['h265', 'h264'];

/** The part of an RTCRtpCodec (getCapabilities entry) read here. */
export interface CodecLike {
	mimeType: string;
}

/**
 * The setCodecPreferences() list for a recvonly video transceiver: the
 * capability entries of each codec of `wanted` (`'h265'`, `'h264'`:
 * mimeType `video/<name>`, any case), grouped in the order of `wanted`, in
 * the browser's own order within a group (its H264 profiles and
 * packetization modes). Entries are the capability objects themselves:
 * setCodecPreferences() throws on anything not in the capabilities.
 *
 * RTX, RED, ULPFEC and FlexFEC are left out, as janus.js's own per-track
 * `codec` option (which this replaces) leaves them out: the m-line carries
 * exactly the wanted codecs. No browser requires them in the list (it
 * throws only when the list has nothing but them).
 *
 * Empty when `capabilities` is missing or has none of `wanted`: then the
 * caller sets nothing and the browser offers its default list.
 */
export function videoCodecPreferences<T extends CodecLike>(capabilities: readonly T[] | null | undefined, wanted: readonly string[] = OFFER_VIDEO_CODECS): T[] {
	if(!capabilities)
		return [];
	const out: T[] = [];
	for(const name of wanted) {
		const mime = `video/${name.toLowerCase()}`;
		for(const c of capabilities) {
			if(typeof c?.mimeType === 'string' && c.mimeType.toLowerCase() === mime)
				out.push(c);
		}
	}
	return out;
}

/** The codec names (`'h265'`, `'h264'`) a preference list holds, in its order, each once. */
export function codecNames(prefs: readonly CodecLike[]): string[] {
	const names: string[] = [];
	for(const c of prefs) {
		const n = c.mimeType.toLowerCase().replace(/^video\//, '');
		if(!names.includes(n))
			names.push(n);
	}
	return names;
}

/** RTCRtpReceiver.getCapabilities('video').codecs, or null where the browser lacks it. */
export function receiverVideoCapabilities(): RTCRtpCodec[] | null {
	const R = (globalThis as { RTCRtpReceiver?: { getCapabilities?: (kind: string) => RTCRtpCapabilities | null } }).RTCRtpReceiver;
	if(typeof R?.getCapabilities !== 'function')
		return null;
	try {
		return R.getCapabilities('video')?.codecs ?? null;
	} catch {
		return null;
	}
}

/** The part of an RTCRtpTransceiver touched here. */
interface TransceiverLike {
	receiver: { track: { kind: string } | null };
	setCodecPreferences?: (codecs: RTCRtpCodec[]) => void;
}

/** How applyVideoCodecPreferences went: transceivers given the list, given the fallback list, left at the browser's default. */
export interface PreferencesResult {
	set: number;
	fallback: number;
	failed: number;
}

/**
 * setCodecPreferences(prefs) on every video transceiver of `pc`. A
 * transceiver that refuses the list gets `fallback` (the baseline codec
 * alone) when there is one; one without setCodecPreferences, or refusing
 * both, keeps the browser's default.
 */
export function applyVideoCodecPreferences(pc: { getTransceivers(): readonly TransceiverLike[] }, prefs: readonly CodecLike[], fallback: readonly CodecLike[] = []): PreferencesResult {
	const r: PreferencesResult = { set: 0, fallback: 0, failed: 0 };
	for(const tr of pc.getTransceivers()) {
		if(tr.receiver.track?.kind !== 'video')
			continue;
		if(typeof tr.setCodecPreferences !== 'function') {
			r.failed++;
			continue;
		}
		try {
			tr.setCodecPreferences([...prefs] as RTCRtpCodec[]);
			r.set++;
			continue;
		} catch {
			/* below */
		}
		try {
			if(fallback.length === 0)
				throw new Error('no fallback');
			tr.setCodecPreferences([...fallback] as RTCRtpCodec[]);
			r.fallback++;
		} catch {
			r.failed++;
		}
	}
	return r;
}

/** What janus.js keeps per handle (`handle.webrtcStuff`): the PeerConnection it creates. */
export interface PeerConnectionHolder {
	pc: RTCPeerConnection | null;
}

/**
 * Make the next offer of a janus.js handle carry `prefs` on every video
 * m-line (`fallback` on a transceiver that refuses `prefs`). Returns the function that undoes the hook (call it once the
 * offer is made or failed), or null when the hook cannot be installed (then
 * nothing was changed).
 *
 * Why this way: janus.js's per-track `codec` takes a single codec (it
 * filters the capabilities to that one mimeType), so it cannot say "H265
 * then H264". Its handle.createOffer() creates the PeerConnection
 * (createPeerconnectionIfNeeded: `webrtcStuff.pc = new RTCPeerConnection`),
 * adds one transceiver per recvonly track (captureDevices:
 * `pc.addTransceiver('video')`) and calls `pc.createOffer()`, all in one
 * call, with no callback in between (customizeSdp comes after createOffer:
 * only SDP munging could use it). So the hook sits on this one handle:
 * `webrtcStuff.pc` becomes an accessor for the duration of the offer, and
 * the PeerConnection janus.js stores there gets an own `createOffer` that
 * first sets the preferences on every video transceiver janus.js made, then
 * calls the browser's. Nothing global is patched (no RTCPeerConnection
 * constructor or prototype, no other handle or page code affected), it
 * does not depend on janus.js's timing (how many awaits lie between
 * creating the transceivers and createOffer), and it sees the transceivers
 * however janus.js creates them. A PeerConnection already there (a
 * renegotiation on the same handle) gets the same own `createOffer`.
 * setCodecPreferences() sticks to a transceiver, so later offers (an ICE
 * restart) keep the list after the hook is gone.
 */
export function hookOfferCodecPreferences(holder: PeerConnectionHolder, prefs: readonly CodecLike[], options: { fallback?: readonly CodecLike[]; onApplied?: (r: PreferencesResult) => void } = {}): (() => void) | null {
	const desc = Object.getOwnPropertyDescriptor(holder, 'pc');
	if(prefs.length === 0 || !desc || !desc.configurable || !('value' in desc) || !desc.writable)
		return null;
	type OfferFn = (...args: unknown[]) => unknown;
	/* PeerConnection -> its own createOffer before the hook (undefined: the prototype's). */
	const patched = new Map<RTCPeerConnection, PropertyDescriptor | undefined>();
	const patch = (pc: RTCPeerConnection | null): void => {
		if(!pc || patched.has(pc))
			return;
		const target = pc as unknown as { createOffer: OfferFn };
		const original = target.createOffer;
		if(typeof original !== 'function')
			return;
		patched.set(pc, Object.getOwnPropertyDescriptor(pc, 'createOffer'));
		target.createOffer = function(this: RTCPeerConnection, ...args: unknown[]): unknown {
			const r = applyVideoCodecPreferences(this, prefs, options.fallback);
			options.onApplied?.(r);
			return original.apply(this, args);
		};
	};
	let current = desc.value as RTCPeerConnection | null;
	patch(current);
	Object.defineProperty(holder, 'pc', {
		configurable: true,
		enumerable: desc.enumerable ?? true,
		get: () => current,
		set: (pc: RTCPeerConnection | null) => {
			current = pc;
			patch(pc);
		},
	});
	let undone = false;
	return () => {
		if(undone)
			return;
		undone = true;
		Object.defineProperty(holder, 'pc', { configurable: true, enumerable: desc.enumerable ?? true, writable: true, value: current });
		/* The preferences stay on the transceivers (later offers keep them); the wrapper goes. */
		for(const [pc, own] of patched) {
			if(own)
				Object.defineProperty(pc, 'createOffer', own);
			else
				delete (pc as unknown as { createOffer?: OfferFn }).createOffer;
		}
	};
}
