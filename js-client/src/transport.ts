/**
 * transport.ts: the seam between MultiStreamClient and Janus.
 *
 * The client speaks only to this interface: open a Janus session and attach
 * the plugin, send plugin message bodies (with an optional JSEP), create the
 * recvonly offer, apply the answer, hand out receiver tracks. The default
 * implementation is janus.js (janus-transport.ts); unit tests use a fake.
 */
import type { Jsep, ProtocolMessage } from './types.js';

export interface TransportOpenOptions {
	/** WebSocket URL of Janus (already mapped by `toJanusWsUrl`). */
	url: string;
	/** Plugin package name. */
	plugin: string;
	pcConfig: RTCConfiguration;
	timeoutMs: number;
	debug: boolean;
	/** Janus's token_auth token, if any (janus.js `token`). */
	janusToken?: string;
}

export interface TransportOfferOptions {
	/** Number of recvonly video m-lines to offer. */
	videoSlots: number;
	/**
	 * Video codecs to offer on every m-line, most preferred first
	 * (`['h265', 'h264']`, OFFER_VIDEO_CODECS). The transport offers those the
	 * browser can receive (RTCRtpReceiver.getCapabilities), in this order,
	 * and nothing else. Where the browser cannot say (no getCapabilities, no
	 * setCodecPreferences) or has none of them, it offers its default list.
	 * Empty: the browser's default list.
	 */
	videoCodecs: readonly string[];
	/**
	 * Also offer one recvonly audio m-line, after the `videoSlots` video
	 * m-lines (the m-line order must be N video, then the audio one).
	 * Absent or false: no audio m-line.
	 */
	audio?: boolean;
}

/** What the transport reports back to the client. */
export interface TransportListener {
	/** A plugin event (or a synchronous plugin reply): the multistream message verbatim, plus a JSEP if any. */
	onEvent(data: ProtocolMessage, jsep?: Jsep): void;
	/** The Janus session, the WebSocket or the handle went away. */
	onClosed(reason: string): void;
	/** RTCPeerConnection.connectionState changed. */
	onPcState(state: RTCPeerConnectionState): void;
}

export interface JanusTransport {
	/** Like WebSocket.readyState (0 connecting, 1 open, 2 closing, 3 closed). */
	readonly wsState: number;
	/** null before an offer was made. */
	readonly pcState: RTCPeerConnectionState | null;
	/** Create the Janus session and attach the plugin. */
	open(options: TransportOpenOptions, listener: TransportListener): Promise<void>;
	/**
	 * Send a plugin message body. Resolves on Janus's ack (or synchronous
	 * reply); rejects if Janus refuses the message. The plugin's reply comes
	 * later through `onEvent` and may overtake the ack.
	 */
	send(body: ProtocolMessage, jsep?: Jsep): Promise<void>;
	/** Create the offer with N recvonly video transceivers (+ 1 recvonly audio one when asked); resolves with the JSEP to send. */
	createOffer(options: TransportOfferOptions): Promise<Jsep>;
	/** Apply the answer JSEP. */
	applyAnswer(jsep: Jsep): Promise<void>;
	/** The receiver track of the transceiver with this mid, if any. */
	trackForMid(mid: string): MediaStreamTrack | null;
	/** Receiver tracks of the video transceivers, in m-line order. */
	videoTracks(): MediaStreamTrack[];
	/**
	 * Receiver track of the audio transceiver the offer made (`audio: true`),
	 * or null. Optional: a transport without it gives the client no audio track.
	 */
	audioTrack?(): MediaStreamTrack | null;
	/** getStats() for one receiver track (null when there is no PeerConnection). */
	getStats(track: MediaStreamTrack): Promise<RTCStatsReport | null>;
	/** Close the PeerConnection (Janus `hangup`). */
	hangup(): void;
	/** Detach and destroy the Janus session; closes the WebSocket. */
	destroy(): Promise<void>;
}
