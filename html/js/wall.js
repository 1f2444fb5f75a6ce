// wall.js: the demo camera wall (vanilla, no framework, no build step).
//
// Janus URL from ?janus=ws://host:port (default ws://<page host>:8188),
// layout from ?layout=2x2|3x3|1+5 or the layout buttons, quality mode from
// ?quality=auto or the buttons. Tiles are filled from listStreams(): base
// cameras (entries without `parent`).
//
// Grid mode (the default: no ?quality, buttons 2x2 and 3x3): each tile at
// its camera's lowest quality variant if it has one. Click a tile: its
// highest variant, and its audio (below); double-click: back to the grid
// quality.
//
// Auto mode (?quality=auto, buttons "3x3 auto" and "1+5"; the 1+5 layout is
// always auto): every slot asks for quality "auto" and the wall hands each
// tile's <video> to client.observe(slot, video), so the client hints the
// server by itself: the tile's rendered size in device pixels
// (ResizeObserver), whether it is in the viewport (IntersectionObserver) and
// whether the tab is hidden. The server picks each tile's variant: the
// smallest at least as tall as the tile. Layout 1+5: one big tile spanning
// 2x2 cells of a 3x3 grid and five small ones, so the big one gets a high
// quality from its size alone. Hidden tab: switch to another tab (or
// minimise the window) and every tile is hinted visible:false at once, the
// server sends nothing (badges "inactive"); come back and the pictures are
// there at once. Scrolling a tile out of view does the same for that tile
// (the window must be small enough to scroll). A click only makes the tile
// the one heard (no switch). Each tile shows the variant its slot sends now
// (status `actualQuality`: "native" or e.g. "720p") next to the codec tag.
//
// Each tile shows the codec its slot sends (status `codec`: H264/H265) next
// to the status badge, hidden while the server reports none.
//
// Audio that follows focus: the wall connects with `audio: true` (one
// recvonly audio m-line after the video ones); a click also makes the
// clicked tile the one heard (setAudioFocus(slot)), and the heard tile wears
// a speaker badge. The remote audio track plays in the page's <audio
// id="wall-audio">, muted at first (browsers block autoplay with sound): the
// #unmute button unmutes it and calls play() (a user gesture).
//
// For browser tests: every tile is [data-slot="k"][data-codec] with a <video>,
// a .badge[data-status], a .codec[data-codec] ("h264", "h265" or "" when
// unknown), a .actual[data-actual] (the slot's actualQuality: "native",
// "720p"..., "" while unknown and on tiles that are not auto; hidden then),
// a .stats[data-fps][data-kbps][data-switch-ms]. The tile's [data-stream] is
// the stream it sends: the status `stream`, or for an auto tile whose
// actualQuality is known, that variant's name (camera1-720p; camera1 for
// "native"); [data-requested-stream] is the status `stream` as is,
// [data-actual] the actualQuality ("" unknown), [data-quality] what the wall
// asked for ("auto", or the grid / high quality of a click; "" for the bare
// stream), [data-hinted] the last hint sent for it ("640x360", "640x360
// hidden"). #grid[data-layout][data-quality="auto"|"grid"].
// Layout buttons: #layout-2x2, #layout-3x3 (grid mode), #layout-3x3-auto,
// #layout-1p5 (auto), [aria-pressed="true"] on the current one. The heard tile
// also has [data-audio-focus="true"][data-audio-status] and the one
// .speaker[data-audio-status] of the page ("pending" while the request is
// out, then "active", "unavailable" or "error"); no .speaker without focus.
// #unmute[data-muted="true"|"false"] toggles the <audio id="wall-audio">.
// window.msWall = {client, ready, cameras, layout, quality, auto, setLayout(l, quality?),
//   tileQuality(k), hintsSent, lastHint, switchTile(k, hq),
//   focusAudio(k|null), unmute(), mute(), audioFrequency(), audioLevel(),
//   waitForFrequency(hz, {toleranceHz, timeoutMs}),
//   audio: {focus, status, stream, error, muted, element, track, requestedAt, repliedAt}}:
// audio.focus is the heard slot (null: none), audio.status "off", "pending",
// "active", "unavailable" or "error"; audioFrequency() is the dominant
// frequency of the remote audio now, in Hz (0 for silence, and on the first
// call, which starts the analyser: poll it), audioLevel() its RMS level
// (0..1), both from a WebAudio AnalyserNode (fftSize 2048, no smoothing) fed
// by a MediaStreamAudioSourceNode of the remote track (never connected to
// the speakers: muting the <audio> does not silence them); waitForFrequency()
// polls it in the page and says how long after the last focus request
// (audio.requestedAt, page clock) the tone came. cameras[k].audio
// is the stream list's `audio` of that camera (true, false, null: unknown).
// quality is "auto" or "grid" (the mode asked for; layout 1+5 is auto
// whatever it says; `auto` is true when the slots are auto, the mode or
// layout 1+5); setLayout(layout, quality?) reconnects with that layout
// ("2x2", "3x3", "1+5") and mode ("auto" or "grid"; omitted: unchanged);
// tileQuality(k) is tile k's last actualQuality (null while unknown or not
// auto); hintsSent counts the multistream/hint messages the client sent for
// this page (automatic ones: auto mode only), lastHint is the entries of the
// last one ([{slot, width, height, visible}], null before any).
import { MultiStreamClient } from '../client/multistream-client.js';

/** Layouts: tiles each. 1+5: a 3x3 grid whose first tile spans 2x2 cells (always quality auto). */
const LAYOUTS = { '2x2': 4, '3x3': 9, '1+5': 6 };
/** The layout buttons: [id, layout, quality mode (null: the layout's own)]. */
const BUTTONS = [['layout-2x2', '2x2', 'grid'], ['layout-3x3', '3x3', 'grid'], ['layout-3x3-auto', '3x3', 'auto'], ['layout-1p5', '1+5', null]];
const params = new URLSearchParams(location.search);

/** "1+5" typed in a URL reads as "1 5" ('+' is a space in a query): accept it, and "1p5". */
function layoutName(l) {
	const n = typeof l === 'string' ? l.trim().replace(/^1[ p]5$/, '1+5') : '';
	return LAYOUTS[n] ? n : null;
}
const janusUrl = params.get('janus') || `ws://${location.hostname || 'localhost'}:8188`;
const debug = params.has('debug');

const grid = document.getElementById('grid');
const conn = document.getElementById('conn');
const errorBox = document.getElementById('error');
const audioEl = /** @type {HTMLAudioElement} */ (document.getElementById('wall-audio'));
const unmuteBtn = document.getElementById('unmute');
const help = document.getElementById('hint');
document.getElementById('janus-url').textContent = janusUrl;

/**
 * What the page hears. `focus`: the slot asked for (null: none); `status`:
 * "off", "pending" (request out), "active", "unavailable" (that camera has
 * no audio) or "error" (the request failed: `error` says why).
 * `requestedAt` / `repliedAt`: performance.now() when the last focus request
 * went out / its reply came (page clock, for latency measurements).
 * @type {{focus: number|null, status: string, stream: string, error: string|null, muted: boolean, element: HTMLAudioElement, track: MediaStreamTrack|null, requestedAt: number|null, repliedAt: number|null}}
 */
const audio = { focus: null, status: 'off', stream: '', error: null, muted: true, element: audioEl, track: null, requestedAt: null, repliedAt: null };

/** @type {{client: MultiStreamClient|null, ready: Promise<void>, cameras: Array<{name:string, grid?:string, hq?:string, audio?:boolean|null}>, layout: string, quality: 'auto'|'grid', readonly auto: boolean, setLayout: (l: string, quality?: 'auto'|'grid') => Promise<void>, tileQuality: (slot: number) => string|null, hintsSent: number, lastHint: Array<{slot: number, width: number, height: number, visible: boolean}>|null, switchTile: (slot: number, hq: boolean) => Promise<unknown>, focusAudio: (slot: number|null) => Promise<unknown>, unmute: () => Promise<boolean>, mute: () => void, audioFrequency: () => number, audioLevel: () => number, waitForFrequency: (hz: number, opts?: {toleranceHz?: number, timeoutMs?: number}) => Promise<{hz: number, sinceRequestMs: number|null}|null>, audio: typeof audio}} */
const wall = {
	client: null,
	ready: Promise.resolve(),
	cameras: [],
	layout: layoutName(params.get('layout')) || '2x2',
	quality: params.get('quality') === 'auto' ? 'auto' : 'grid',
	/** Whether the slots are quality "auto" now (the mode, or layout 1+5). */
	get auto() { return autoMode(); },
	setLayout,
	tileQuality,
	hintsSent: 0,
	lastHint: null,
	switchTile,
	focusAudio,
	unmute,
	mute,
	audioFrequency,
	audioLevel,
	waitForFrequency,
	audio,
};
window.msWall = wall;

let statsTimer = 0;
/** Whether the wall's slots are quality "auto" (now: the mode, or layout 1+5). */
const autoMode = () => wall.quality === 'auto' || wall.layout === '1+5';
/** per-slot state: camera, what the tile targets, byte/frame counters for rates */
let tiles = [];

function qualityRank(q) {
	const n = parseInt(q, 10);
	return Number.isFinite(n) ? n : Number.MAX_SAFE_INTEGER;
}

/** Base cameras and their lowest/highest variants from listStreams(). */
export function camerasFrom(streams) {
	const bases = streams.filter((s) => !s.parent).map((s) => s.name).sort();
	return bases.map((name) => {
		const variants = streams
			.filter((s) => s.parent === name && s.quality)
			.map((s) => s.quality)
			.sort((a, b) => qualityRank(a) - qualityRank(b));
		const cam = { name };
		const base = streams.find((s) => s.name === name);
		if(base && base.audio !== undefined)
			cam.audio = base.audio;		/* true, false, or null while unknown */
		if(variants.length) {
			cam.grid = variants[0];
			cam.hq = variants[variants.length - 1];
		}
		return cam;
	});
}

function setConn(state, text) {
	conn.dataset.state = state;
	conn.textContent = text || state;
}

function showError(msg) {
	errorBox.hidden = !msg;
	errorBox.textContent = msg || '';
}

function buildGrid(n) {
	const auto = autoMode();
	grid.dataset.layout = wall.layout;
	grid.dataset.quality = auto ? 'auto' : 'grid';
	grid.replaceChildren();
	tiles = [];
	for(let slot = 0; slot < n; slot++) {
		const cam = wall.cameras[slot % wall.cameras.length];
		const tile = document.createElement('div');
		tile.className = 'tile';
		tile.id = `tile-${slot}`;
		tile.dataset.slot = String(slot);
		tile.dataset.camera = cam.name;
		tile.dataset.hq = 'false';
		tile.dataset.codec = '';
		tile.dataset.actual = '';
		tile.dataset.quality = auto ? 'auto' : (cam.grid || '');
		tile.innerHTML = `
			<video autoplay playsinline muted></video>
			<span class="label"></span>
			<span class="tags"><span class="codec" data-codec="" hidden></span><span class="actual" data-actual="" hidden></span><span class="badge" data-status="pending">pending</span></span>
			<span class="stats" data-fps="0" data-kbps="0" data-switch-ms="">-- fps · -- kbit/s</span>`;
		tile.querySelector('.label').textContent = auto ? `${cam.name} · auto` : cam.grid ? `${cam.name} · ${cam.grid}` : cam.name;
		if(auto) {
			/* Quality auto: the server picks by the tile's size; a click only makes it the one heard. */
			tile.addEventListener('click', () => { void focusAudio(slot); });
		} else {
			/* A click: high quality, and this tile is the one heard. */
			tile.addEventListener('click', () => { void focusAudio(slot); void switchTile(slot, true); });
			tile.addEventListener('dblclick', () => { void switchTile(slot, false); });
		}
		grid.appendChild(tile);
		tiles.push({ cam, tile, hq: false, actual: null, lastBytes: 0, lastFrames: 0, lastT: 0, switchMs: null });
	}
	showLayoutButtons();
	showHelp();
}

/** aria-pressed on the button of the current layout and mode. */
function showLayoutButtons() {
	const auto = autoMode();
	for(const [id, layout, quality] of BUTTONS)
		document.getElementById(id).setAttribute('aria-pressed', String(layout === wall.layout && (quality === null || (quality === 'auto') === auto)));
}

/** The line under the header: what a click does in this mode. */
function showHelp() {
	help.textContent = autoMode()
		? 'Quality auto: each tile gets the variant that fits its size (shown next to the codec). Switch to another tab: every tile is hinted not visible and the server sends nothing; come back: pictures at once. Click a tile to hear it (press Unmute once).'
		: 'Click a tile: highest quality, and you hear that camera (press Unmute once). Double-click: back to grid quality.';
}

/** Tile k's last actualQuality ("native", "720p"...), or null (not known yet, or the tile is not auto). */
function tileQuality(slot) {
	return tiles[slot]?.actual ?? null;
}

function onStatus(slot, st) {
	const t = tiles[slot];
	if(!t)
		return;
	const badge = t.tile.querySelector('.badge');
	badge.dataset.status = st.status;
	badge.textContent = st.error ? `${st.status}: ${st.error}` : st.status;
	badge.title = st.stream;
	t.tile.dataset.status = st.status;
	t.tile.dataset.requestedStream = st.stream;
	/* An auto slot reports the stream asked for; what it sends is its actualQuality (only auto slots have one). */
	const hasActual = typeof st.actualQuality === 'string' && st.actualQuality !== '';
	if(hasActual)
		t.actual = st.actualQuality;
	else if(st.quality !== 'auto')
		t.actual = null;
	t.tile.dataset.stream = t.actual ? (t.actual === 'native' ? st.stream : `${st.stream}-${t.actual}`) : st.stream;
	showCodec(t, st.codec);
	showActual(t);
}

/** The actual-quality tag of an auto tile: the variant its slot sends now; hidden while unknown. */
function showActual(t) {
	const el = t.tile.querySelector('.actual');
	const a = t.actual || '';
	el.dataset.actual = a;
	el.textContent = a;
	const h = wall.client?.getHint(Number(t.tile.dataset.slot));
	el.title = a ? `the server sends ${a === 'native' ? 'the camera\'s own stream' : a}${h ? ` (tile hinted ${h.width}x${h.height} device px${h.visible ? '' : ', not visible'})` : ''}` : '';
	el.hidden = !a;
	t.tile.dataset.actual = a;
}

/** onHint: count the hints the client sends (automatic in auto mode). */
function onHint(hints) {
	wall.hintsSent++;
	wall.lastHint = hints;
	for(const h of hints) {
		const t = tiles[h.slot];
		if(t)
			t.tile.dataset.hinted = `${h.width}x${h.height}${h.visible ? '' : ' hidden'}`;
	}
}

/** The codec tag: what the slot sends now ("h264"/"h265"); hidden when null or absent. */
function showCodec(t, codec) {
	const el = t.tile.querySelector('.codec');
	const c = typeof codec === 'string' ? codec.toLowerCase() : '';
	el.dataset.codec = c;
	el.textContent = c.toUpperCase();
	el.title = c ? `the slot sends ${c.toUpperCase()}` : '';
	el.hidden = !c;
	t.tile.dataset.codec = c;
}

/** Switch a tile to its camera's highest variant (hq) or back to its grid quality. */
async function switchTile(slot, hq) {
	const t = tiles[slot];
	const client = wall.client;
	if(!t || !client || t.hq === hq)
		return undefined;
	t.hq = hq;
	t.tile.dataset.hq = String(hq);
	const quality = hq ? t.cam.hq : t.cam.grid;
	t.tile.dataset.quality = quality || '';
	t.tile.querySelector('.label').textContent = quality ? `${t.cam.name} · ${quality}` : t.cam.name;
	const t0 = performance.now();
	try {
		const st = await client.switchStream(slot, t.cam.name, quality);
		t.switchMs = Math.round(performance.now() - t0);
		t.tile.querySelector('.stats').dataset.switchMs = String(t.switchMs);
		return st;
	} catch(err) {
		if(err && err.code === 492)		/* superseded by a newer click: not an error */
			return undefined;
		console.warn(`slot ${slot}: switch failed`, err);
		/* The slot keeps sending what it sent (a refused switch, e.g. 488 codec not supported, changes nothing). */
		onStatus(slot, { slot, stream: t.cam.name, status: 'error', error: err && err.error ? err.error : String(err), codec: t.tile.dataset.codec || null });
		return undefined;
	}
}

/* ---------- audio that follows focus ---------- */

let audioSeq = 0;		/* bumps with every focus request: only the latest one's reply is shown */
let audioInflight = 0;	/* focus requests out: notices wait for their replies */

/** Show the audio focus: the speaker badge on the heard tile (one .speaker in the page), nothing without focus. */
function renderAudio() {
	const slot = audio.focus;
	for(const [k, t] of tiles.entries()) {
		const heard = k === slot && audio.status !== 'off';
		let sp = t.tile.querySelector('.speaker');
		if(!heard) {
			sp?.remove();
			delete t.tile.dataset.audioFocus;
			delete t.tile.dataset.audioStatus;
			continue;
		}
		if(!sp) {
			sp = document.createElement('span');
			sp.className = 'speaker';
			t.tile.querySelector('.tags').prepend(sp);
		}
		sp.dataset.audioStatus = audio.status;
		const label = { active: '\u266A audio', pending: '\u266A \u2026', unavailable: 'no audio', error: 'audio error' }[audio.status] ?? audio.status;
		sp.textContent = label;
		sp.title = audio.status === 'error' ? `audio: ${audio.error}` : audio.status === 'unavailable'
			? `${audio.stream || t.cam.name} has no audio` : `you hear ${audio.stream || t.cam.name}${audio.muted ? ' (muted: press Unmute)' : ''}`;
		t.tile.dataset.audioFocus = 'true';
		t.tile.dataset.audioStatus = audio.status;
	}
}

/** A multistream/audio from the server (reply or notice). */
function applyAudio(st) {
	audio.focus = st.slot >= 0 ? st.slot : null;
	audio.status = st.slot >= 0 ? st.status : 'off';
	audio.stream = st.stream || '';
	audio.error = null;
	renderAudio();
}

/** onAudio: notices (the heard slot switched, ...); replies are shown by focusAudio(). */
function onAudio(st) {
	if(audioInflight === 0)
		applyAudio(st);
}

/** Make a tile the heard one (null: hear nothing). */
async function focusAudio(slot) {
	const client = wall.client;
	const want = slot === null || slot === undefined || slot < 0 ? null : slot;
	if(!client || (want === audio.focus && (audio.status === 'active' || audio.status === 'unavailable' || audio.status === 'pending')))
		return undefined;
	const seq = ++audioSeq;
	audioInflight++;
	/* Sent first (before the DOM work, and before a click's switch): the audio request is the one the ear waits for. */
	audio.requestedAt = performance.now();
	audio.repliedAt = null;
	const reply = client.setAudioFocus(want);
	audio.focus = want;
	audio.status = want === null ? 'off' : 'pending';
	audio.error = null;
	renderAudio();
	try {
		const st = await reply;
		if(seq === audioSeq) {
			audio.repliedAt = performance.now();
			applyAudio(st);
		}
		return st;
	} catch(err) {
		if(seq === audioSeq) {
			console.warn(`audio focus on ${want}: failed`, err);
			audio.status = want === null ? 'off' : 'error';
			audio.error = err && err.error ? `${err.error} (${err.code})${err.detail ? `: ${err.detail}` : ''}` : String(err);
			renderAudio();
		}
		return undefined;
	} finally {
		audioInflight--;
	}
}

function showMuted() {
	audio.muted = audioEl.muted;
	unmuteBtn.dataset.muted = String(audioEl.muted);
	unmuteBtn.setAttribute('aria-pressed', String(!audioEl.muted));
	unmuteBtn.textContent = audioEl.muted ? 'Unmute' : 'Mute';
	renderAudio();
}

/** Unmute the <audio> and play() it (call from a user gesture). Resolves with whether it plays. */
async function unmute() {
	audioEl.muted = false;
	showMuted();
	void analyserCtx?.resume().catch(() => undefined);
	try {
		await audioEl.play();
		return true;
	} catch(err) {
		console.warn('audio: play() refused', err);
		audioEl.muted = true;
		showMuted();
		return false;
	}
}

function mute() {
	audioEl.muted = true;
	showMuted();
}

/** Put the remote audio track in the <audio> (Chrome feeds WebAudio silence from a remote track not played by an element). */
function attachAudio(track) {
	audio.track = track || null;
	audioEl.srcObject = track ? new MediaStream([track]) : null;
	if(track)
		audioEl.play().catch(() => undefined);	/* muted: allowed; unmuted without a gesture: stays paused until #unmute */
}

/* WebAudio probe for tests: an AnalyserNode fed by a MediaStreamAudioSourceNode of the remote track (not connected to the speakers). */
let analyserCtx = null;
let analyser = null;
let analyserSource = null;
let analyserTrack = null;

function ensureAnalyser() {
	const track = audio.track;
	if(!track)
		return null;
	if(!analyserCtx) {
		const Ctx = window.AudioContext || window.webkitAudioContext;
		if(!Ctx)
			return null;
		analyserCtx = new Ctx();
	}
	if(analyserCtx.state === 'suspended')
		void analyserCtx.resume().catch(() => undefined);
	if(analyserTrack !== track) {
		analyserSource?.disconnect();
		analyser = analyserCtx.createAnalyser();
		analyser.fftSize = 2048;		/* 43 ms at 48 kHz: a new camera shows within a few tens of ms; peak interpolation keeps it to a few Hz */
		analyser.smoothingTimeConstant = 0;
		analyserSource = analyserCtx.createMediaStreamSource(new MediaStream([track]));
		analyserSource.connect(analyser);
		analyserTrack = track;
	}
	return analyser;
}

/** Dominant frequency of the remote audio now, in Hz (0: silence, no audio track, or the analyser just started). */
function audioFrequency() {
	const a = ensureAnalyser();
	if(!a)
		return 0;
	const bins = new Float32Array(a.frequencyBinCount);
	a.getFloatFrequencyData(bins);
	let best = -1;
	for(let i = 1; i < bins.length; i++) {
		if(Number.isFinite(bins[i]) && (best < 0 || bins[i] > bins[best]))
			best = i;
	}
	if(best < 0 || bins[best] < -90)
		return 0;
	/* Parabolic interpolation between the neighbouring bins (dB). */
	let delta = 0;
	if(best > 0 && best < bins.length - 1) {
		const l = bins[best - 1];
		const c = bins[best];
		const r = bins[best + 1];
		const den = l - 2 * c + r;
		if(Number.isFinite(den) && den !== 0)
			delta = Math.max(-0.5, Math.min(0.5, 0.5 * (l - r) / den));
	}
	return Math.round(((best + delta) * analyserCtx.sampleRate) / a.fftSize);
}

/**
 * Poll audioFrequency() in the page (every 5 ms) until it is `hz` (within
 * toleranceHz, default max(15 Hz, 4 %); `hz` 0: until silence). Resolves with
 * {hz, sinceRequestMs} (ms since the last focus request went out, page
 * clock: no test-driver round trips in it), or null after timeoutMs.
 */
async function waitForFrequency(hz, { toleranceHz, timeoutMs = 3000 } = {}) {
	const tol = toleranceHz ?? Math.max(15, hz * 0.04);
	const t0 = performance.now();
	while(performance.now() - t0 < timeoutMs) {
		const f = audioFrequency();
		if(hz === 0 ? f === 0 : Math.abs(f - hz) <= tol) {
			const now = performance.now();
			return { hz: f, sinceRequestMs: audio.requestedAt !== null ? Math.round(now - audio.requestedAt) : null };
		}
		await new Promise((r) => setTimeout(r, 5));
	}
	return null;
}

/** RMS level of the remote audio now, 0..1 (0: silence or no audio track). */
function audioLevel() {
	const a = ensureAnalyser();
	if(!a)
		return 0;
	const buf = new Float32Array(a.fftSize);
	a.getFloatTimeDomainData(buf);
	let sum = 0;
	for(const v of buf)
		sum += v * v;
	return Math.sqrt(sum / buf.length);
}

async function pollStats() {
	const client = wall.client;
	if(!client)
		return;
	await Promise.all(tiles.map(async (t, slot) => {
		const report = await client.getStats(slot).catch(() => null);
		if(!report)
			return;
		let inbound = null;
		report.forEach((s) => { if(s.type === 'inbound-rtp' && (s.kind === 'video' || s.mediaType === 'video')) inbound = s; });
		if(!inbound)
			return;
		const now = inbound.timestamp;
		const bytes = inbound.bytesReceived || 0;
		const frames = inbound.framesDecoded || 0;
		const el = t.tile.querySelector('.stats');
		if(t.lastT && now > t.lastT) {
			const dt = (now - t.lastT) / 1000;
			const kbps = Math.round(((bytes - t.lastBytes) * 8) / 1000 / dt);
			const fps = inbound.framesPerSecond !== undefined ? Math.round(inbound.framesPerSecond) : Math.round((frames - t.lastFrames) / dt);
			el.dataset.fps = String(fps);
			el.dataset.kbps = String(kbps);
			const sw = t.switchMs !== null ? ` · switch ${t.switchMs} ms` : '';
			el.textContent = `${fps} fps · ${kbps} kbit/s${sw}`;
		}
		t.lastT = now;
		t.lastBytes = bytes;
		t.lastFrames = frames;
	}));
}

async function start() {
	const client = new MultiStreamClient(janusUrl, {
		debug,
		pcConfig: { iceServers: [] },
		audio: true,
		onAudio,
		onHint,
		onDisconnected: (reason) => setConn('disconnected', `disconnected: ${reason}`),
	});
	wall.client = client;
	audioSeq++;
	Object.assign(audio, { focus: null, status: 'off', stream: '', error: null, requestedAt: null, repliedAt: null });
	setConn('connecting', 'connecting');
	showError('');
	try {
		const streams = await client.listStreams();
		wall.cameras = camerasFrom(streams);
		if(!wall.cameras.length)
			throw new Error('no streams configured in janus.plugin.multistream');
		const n = LAYOUTS[wall.layout];
		buildGrid(n);
		const auto = autoMode();
		const slots = tiles.map((t, slot) => (auto ? { slot, stream: t.cam.name, quality: 'auto' }
			: t.cam.grid ? { slot, stream: t.cam.name, quality: t.cam.grid } : { slot, stream: t.cam.name }));
		if(auto) {
			/* The client hints each tile's size and visibility by itself from now on (the first hint right after connect). */
			tiles.forEach((t, slot) => client.observe(slot, t.tile.querySelector('video')));
		}
		const tracks = await client.connect(slots, onStatus);
		tracks.forEach((track, slot) => {
			const video = tiles[slot]?.tile.querySelector('video');
			if(!video)
				return;
			video.srcObject = new MediaStream([track]);
			video.play().catch(() => { video.muted = true; video.play().catch(() => undefined); });
		});
		attachAudio(tracks.audio);
		setConn('connected', 'connected');
		clearInterval(statsTimer);
		statsTimer = setInterval(() => { void pollStats(); }, 1000);
	} catch(err) {
		setConn('error', 'error');
		showError(`Could not start the wall (${janusUrl}): ${err && err.message ? err.message : String(err)}`);
		throw err;
	}
}

/** Reconnect with another layout ("2x2", "3x3", "1+5") and, when given, quality mode ("auto" or "grid"). */
async function setLayout(layout, quality) {
	const name = layoutName(layout);
	if(!name)
		throw new Error(`unknown layout ${layout}`);
	if(quality !== undefined && quality !== 'auto' && quality !== 'grid')
		throw new Error(`unknown quality mode ${quality} (auto or grid)`);
	wall.layout = name;
	if(quality !== undefined)
		wall.quality = quality;
	const url = new URL(location.href);
	url.searchParams.set('layout', name);
	if(wall.quality === 'auto')
		url.searchParams.set('quality', 'auto');
	else
		url.searchParams.delete('quality');
	history.replaceState(null, '', url);
	clearInterval(statsTimer);
	const old = wall.client;
	wall.client = null;
	attachAudio(null);
	if(old) {
		old.unobserve();
		await old.disconnect();
	}
	wall.ready = start();
	wall.ready.catch(() => undefined);
	return wall.ready;
}

unmuteBtn.addEventListener('click', () => {
	if(audioEl.muted)
		void unmute();
	else
		mute();
});
audioEl.muted = true;
showMuted();
for(const [id, layout, quality] of BUTTONS)
	document.getElementById(id).addEventListener('click', () => { void setLayout(layout, quality ?? undefined).catch(() => undefined); });
showLayoutButtons();
showHelp();
grid.dataset.layout = wall.layout;
grid.dataset.quality = autoMode() ? 'auto' : 'grid';
wall.ready = start();
wall.ready.catch(() => undefined);
window.addEventListener('pagehide', () => { void wall.client?.disconnect(); });
