// wall.js: the demo camera wall (vanilla, no framework, no build step).
//
// Janus URL from ?janus=ws://host:port (default ws://<page host>:8188),
// layout from ?layout=2x2|3x3 or the layout buttons. Tiles are filled from
// listStreams(): base cameras (entries without `parent`), each at its lowest
// quality variant if it has one. Click a tile: its highest variant;
// double-click: back to the grid quality.
//
// Each tile shows the codec its slot sends (status `codec`: H264/H265) next
// to the status badge, hidden while the server reports none.
//
// For browser tests: every tile is [data-slot="k"][data-codec] with a <video>,
// a .badge[data-status], a .codec[data-codec] ("h264", "h265" or "" when
// unknown), a .stats[data-fps][data-kbps][data-switch-ms];
// window.msWall = {client, ready, cameras, layout, setLayout(l), switchTile(k, hq)}.
import { MultiStreamClient } from '../client/multistream-client.js';

const LAYOUTS = { '2x2': 4, '3x3': 9 };
const params = new URLSearchParams(location.search);
const janusUrl = params.get('janus') || `ws://${location.hostname || 'localhost'}:8188`;
const debug = params.has('debug');

const grid = document.getElementById('grid');
const conn = document.getElementById('conn');
const errorBox = document.getElementById('error');
document.getElementById('janus-url').textContent = janusUrl;

/** @type {{client: MultiStreamClient|null, ready: Promise<void>, cameras: Array<{name:string, grid?:string, hq?:string}>, layout: string, setLayout: (l: string) => Promise<void>, switchTile: (slot: number, hq: boolean) => Promise<unknown>}} */
const wall = {
	client: null,
	ready: Promise.resolve(),
	cameras: [],
	layout: LAYOUTS[params.get('layout')] ? params.get('layout') : '2x2',
	setLayout,
	switchTile,
};
window.msWall = wall;

let statsTimer = 0;
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
	grid.dataset.layout = wall.layout;
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
		tile.innerHTML = `
			<video autoplay playsinline muted></video>
			<span class="label"></span>
			<span class="tags"><span class="codec" data-codec="" hidden></span><span class="badge" data-status="pending">pending</span></span>
			<span class="stats" data-fps="0" data-kbps="0" data-switch-ms="">-- fps · -- kbit/s</span>`;
		tile.querySelector('.label').textContent = cam.grid ? `${cam.name} · ${cam.grid}` : cam.name;
		tile.addEventListener('click', () => { void switchTile(slot, true); });
		tile.addEventListener('dblclick', () => { void switchTile(slot, false); });
		grid.appendChild(tile);
		tiles.push({ cam, tile, hq: false, lastBytes: 0, lastFrames: 0, lastT: 0, switchMs: null });
	}
	for(const id of Object.keys(LAYOUTS)) {
		document.getElementById(`layout-${id}`).setAttribute('aria-pressed', String(id === wall.layout));
	}
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
	t.tile.dataset.stream = st.stream;
	showCodec(t, st.codec);
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
		onDisconnected: (reason) => setConn('disconnected', `disconnected: ${reason}`),
	});
	wall.client = client;
	setConn('connecting', 'connecting');
	showError('');
	try {
		const streams = await client.listStreams();
		wall.cameras = camerasFrom(streams);
		if(!wall.cameras.length)
			throw new Error('no streams configured in janus.plugin.multistream');
		const n = LAYOUTS[wall.layout];
		buildGrid(n);
		const slots = tiles.map((t, slot) => (t.cam.grid ? { slot, stream: t.cam.name, quality: t.cam.grid } : { slot, stream: t.cam.name }));
		const tracks = await client.connect(slots, onStatus);
		tracks.forEach((track, slot) => {
			const video = tiles[slot]?.tile.querySelector('video');
			if(!video)
				return;
			video.srcObject = new MediaStream([track]);
			video.play().catch(() => { video.muted = true; video.play().catch(() => undefined); });
		});
		setConn('connected', 'connected');
		clearInterval(statsTimer);
		statsTimer = setInterval(() => { void pollStats(); }, 1000);
	} catch(err) {
		setConn('error', 'error');
		showError(`Could not start the wall (${janusUrl}): ${err && err.message ? err.message : String(err)}`);
		throw err;
	}
}

async function setLayout(layout) {
	if(!LAYOUTS[layout])
		throw new Error(`unknown layout ${layout}`);
	wall.layout = layout;
	const url = new URL(location.href);
	url.searchParams.set('layout', layout);
	history.replaceState(null, '', url);
	clearInterval(statsTimer);
	const old = wall.client;
	wall.client = null;
	if(old)
		await old.disconnect();
	wall.ready = start();
	wall.ready.catch(() => undefined);
	return wall.ready;
}

for(const id of Object.keys(LAYOUTS)) {
	document.getElementById(`layout-${id}`).addEventListener('click', () => { void setLayout(id).catch(() => undefined); });
}
for(const id of Object.keys(LAYOUTS))
	document.getElementById(`layout-${id}`).setAttribute('aria-pressed', String(id === wall.layout));
grid.dataset.layout = wall.layout;
wall.ready = start();
wall.ready.catch(() => undefined);
window.addEventListener('pagehide', () => { void wall.client?.disconnect(); });
