/**
 * index.ts: public entry point of janus-multistream-client.
 */
export { MultiStreamClient, PLUGIN_NAME, QUALITY_AUTO, resolveStreamName } from './client.js';
export { ErrorCode, ERROR_STRINGS, MultiStreamError, codeForErrorString, isServerErrorCode } from './errors.js';
export type { MultiStreamErrorInit } from './errors.js';
export { JanusJsTransport } from './janus-transport.js';
export { OFFER_VIDEO_CODECS, videoCodecPreferences } from './codecs.js';
export type { JanusTransport, TransportListener, TransportOfferOptions, TransportOpenOptions } from './transport.js';
export { toJanusWsUrl, JANUS_DEFAULT_WS_PORT } from './url.js';
export type {
	AnswerSlot, AudioCallback, AudioState, AudioStatus, DisconnectReason, DisconnectedCallback, HintCallback, Jsep, KeyframeResult,
	MultiStreamClientOptions, ProtocolMessage, Quality, SlotConfig, SlotHint, SlotState, SlotStatus, SlotTracks, StatusCallback, StreamInfo, VideoCodec,
} from './types.js';
