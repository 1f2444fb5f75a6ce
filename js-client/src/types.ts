/**
 * types.ts: the public types of the client (its API, js-client/README.md)
 * and the wire shapes of the multistream protocol as it travels over Janus
 * (docs/protocol.md §1-4).
 */

/** One slot of the grid, as sent in `multistream/init`. */
export interface SlotConfig {
	/** Slot index (0-based, unique, 0..N-1). */
	slot: number;
	/** Stream name (a configured stream, e.g. `camera1`). */
	stream: string;
	/**
	 * Quality suffix (e.g. `360p`); omitted, `""` and `"native"` mean the bare
	 * stream; `"auto"`: the server picks among the stream and its variants,
	 * and re-picks as the slot's hints (size, visibility) and the connection
	 * change (see `Quality`).
	 */
	quality?: Quality;
}

/**
 * A slot's quality: a variant's suffix (`360p`, `720p`...), `native` (the
 * stream itself), or `auto` (the server picks the variant, from the slot's
 * hints and the connection). Any string is accepted.
 */
export type Quality = 'auto' | 'native' | (string & {});

/** A video codec on the wire (`codec` of slot statuses and stream list entries). */
export type VideoCodec = 'h264' | 'h265' | (string & {});

/**
 * The statuses a slot can report (spec "Status Values"). `inactive`: an
 * `auto` slot hinted `visible: false` sends nothing (it is `active` again,
 * showing its camera at once, when hinted visible).
 */
export type SlotState = 'pending' | 'active' | 'buffering' | 'paused' | 'offline' | 'error' | 'inactive';

/** A slot's status, as carried by `multistream/status` and the answer's `slots`. */
export interface SlotStatus {
	slot: number;
	/**
	 * Resolved stream name (`camera4-720p`). For an `auto` slot, the
	 * requested stream (`camera4`); what it sends is `actualQuality`.
	 */
	stream: string;
	/** The requested quality, when one was given (`auto` for an auto slot). */
	quality?: Quality;
	/**
	 * An `auto` slot only: the variant it sends now, `native` (the stream
	 * itself) or the variant's quality (`360p`). Every change comes as a
	 * status notice. Absent on slots that are not auto.
	 */
	actualQuality?: string;
	status: SlotState;
	/** Error string (`stream not found`, ...) when `status` is `error`. */
	error?: string;
	/**
	 * What the slot sends now: `h265` (its m-line negotiated H265) or `h264`
	 * (an H264 stream, or an H265 stream through the server's H264
	 * transcode). Absent or null before the slot has sent anything (and from
	 * servers without codec support).
	 */
	codec?: VideoCodec | null;
}

export type StatusCallback = (slot: number, status: SlotStatus) => void;

/**
 * One slot's entry of `multistream/hint`: its rendered size in device
 * pixels (integers 0..65535) and whether it is visible (in the viewport,
 * page not hidden).
 */
export interface SlotHint {
	slot: number;
	width: number;
	height: number;
	visible: boolean;
}

/** Called with the entries of every `multistream/hint` the client sends (hint() and the automatic ones). */
export type HintCallback = (hints: SlotHint[]) => void;

/** Why the server ended the PeerConnection (`multistream/disconnected`), or the client saw it go. */
export type DisconnectReason = 'connection_lost' | 'closed' | (string & {});

export type DisconnectedCallback = (reason: DisconnectReason) => void;

/**
 * What the audio m-line carries (`multistream/audio`): `active` (the focused
 * slot's camera has audio and it flows), `unavailable` (that camera has no
 * audio), `off` (no focus: slot -1).
 */
export type AudioState = 'active' | 'unavailable' | 'off' | (string & {});

/** The audio focus, as carried by a `multistream/audio` reply or notice. */
export interface AudioStatus {
	/** The focused video slot, or -1 (no focus). */
	slot: number;
	/** The stream the focused slot shows now (`camera1-360p`); `""` when `off`. Its audio is its base camera's. */
	stream: string;
	status: AudioState;
}

export type AudioCallback = (status: AudioStatus) => void;

/**
 * What connect() resolves with: slot -> receiver track of its video m-line,
 * plus `audio`, the receiver track of the audio m-line (null without the
 * `audio` option).
 */
export interface SlotTracks extends Map<number, MediaStreamTrack> {
	readonly audio: MediaStreamTrack | null;
}

export interface MultiStreamClientOptions {
	/** RTCPeerConnection settings; only `iceServers`, `iceTransportPolicy` and `bundlePolicy` reach janus.js. Default: no ICE servers. */
	pcConfig?: RTCConfiguration;
	/** Milliseconds to wait for a connection step or a reply. Default: 10000. */
	connectionTimeout?: number;
	/** Log protocol traffic to the console. */
	debug?: boolean;
	/** Called once when the server reports `multistream/disconnected`, or the Janus session/WebSocket is lost. */
	onDisconnected?: DisconnectedCallback;
	/**
	 * Token for protected streams (a stream's `secret` or `pin` in the plugin
	 * config): sent as `value.token` with every request. Default: none.
	 */
	token?: string;
	/** Janus's own token (`token_auth` in janus.jcfg), handed to janus.js. Default: none. */
	janusToken?: string;
	/**
	 * Audio that follows focus: connect() sends `audio: true` with the init
	 * and offers one recvonly audio m-line after the N video m-lines; then
	 * setAudioFocus(slot) picks whose camera is heard. Default: false (no
	 * audio m-line; setAudioFocus() is refused with 486).
	 */
	audio?: boolean;
	/**
	 * Called with every `multistream/audio` the server sends: the replies to
	 * setAudioFocus() and the notices without request_id (the focused slot's
	 * stream changed: a switch, a camera gaining or losing audio).
	 */
	onAudio?: AudioCallback;
	/**
	 * Automatic hints (observe()): a size or intersection change with no hint
	 * sent in the last hintDebounceMs goes out at once; later ones wait this
	 * quiet time after the last change, then one `multistream/hint` carries
	 * every change.
	 * While changes keep coming, a hint still goes out at least every
	 * max(1000, hintDebounceMs) ms. Default: 150.
	 */
	hintDebounceMs?: number;
	/**
	 * Called just before every `multistream/hint` goes out (hint() and the
	 * automatic ones), with its entries.
	 */
	onHint?: HintCallback;
	/**
	 * Transport factory (one transport per connect()). Default: janus.js over
	 * WebSocket. Tests pass a fake; see `JanusTransport`.
	 */
	transport?: () => import('./transport.js').JanusTransport;
}

/** One entry of `listStreams()` (reply to `multistream/streams`). */
export interface StreamInfo {
	name: string;
	kind: 'rtsp' | 'ffmpeg' | 'rtp' | (string & {});
	/** Base stream of a variant (`camera1-360p` -> `camera1`). */
	parent?: string;
	/** Quality of a variant (`camera1-360p` -> `360p`). */
	quality?: string;
	state: 'idle' | 'starting' | 'active' | 'offline' | (string & {});
	consumers: number;
	/** The stream's codec (`h264`, `h265`); null while unknown (not yet started). Absent from servers without codec support. */
	codec?: VideoCodec | null;
	/**
	 * Whether the stream has audio (a variant: its parent camera's); null
	 * while unknown (not yet started). Absent from servers without audio support.
	 */
	audio?: boolean | null;
}

/** Reply to `requestKeyframe()`. */
export interface KeyframeResult {
	slot: number;
	status: 'requested' | (string & {});
}

/** A JSEP as janus.js carries it. */
export interface Jsep {
	type: RTCSdpType;
	sdp: string;
	trickle?: boolean;
}

/** Any multistream message: `{type, value}` (both directions). */
export interface ProtocolMessage {
	type: string;
	value?: Record<string, unknown>;
}

/** Client-side slot entry in the answer (`value.slots[]`). */
export interface AnswerSlot extends SlotStatus {
	/** The m-line's mid for this slot (a string). */
	mid?: string;
}
