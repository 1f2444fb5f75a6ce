// End-to-end: audio that follows focus in the demo wall, headless Chromium.
// The demo cameras each send a tone of their own frequency (demoTone(k):
// Opus, PCMA for cameras 2 and 5, none for camera 9). A click on a tile
// makes it the one heard: the page's WebAudio analyser (fed by the remote
// audio track, which also plays in an <audio> element) must hear that
// camera's frequency after the click, another one after the next click; the
// speaker badge sits on the heard tile; a camera without sound is
// "unavailable". How soon (the 300 ms goal) is measured by bench/audio.mjs
// on a quiet machine; here the times are printed, and only a tone never
// heard within HEARD_WITHIN_MS fails.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pluginSkipReason } from '../lib/janus.mjs';
import { demoTone } from '../lib/demo-env.mjs';
import { stopAll } from '../lib/procs.mjs';
import { startWall, waitAllPlaying, waitFor, sleep, tiles } from './wallpage.mjs';

const skip = pluginSkipReason() || false;
const HEARD_WITHIN_MS = 3000;

describe('audio that follows focus in the demo wall', { skip, timeout: 180000 }, () => {
	let wall, page, manifest;
	const near = (hz, want) => Math.abs(hz - want) <= Math.max(15, want * 0.04);
	/** The camera number tile k shows. */
	const cameraOf = async (k) => Number((await tiles(page, manifest))[k].camera.replace(/\D+/g, ''));

	before(async () => {
		wall = await startWall({ envOpts: { name: 'e2e-audio', sourceLinger: 1, sessionTimeout: 60 } });
		({ page, manifest } = wall);
		await waitAllPlaying(page, manifest, { count: 9, timeoutMs: 30000 });
		await page.evaluate(() => window.msWall.audioFrequency()); // starts the analyser
	});
	after(async () => {
		await wall?.stop();
		await stopAll();
	});

	/** Click tile k; ms from the page's audio request to the analyser
	 * hearing want Hz, on the page's clock (null: not within timeoutMs). */
	async function clickAndHear(k, want, timeoutMs = HEARD_WITHIN_MS) {
		await page.click(`#tile-${k}`);
		const r = await page.evaluate(([hz, ms]) => window.msWall.waitForFrequency(hz, { toleranceHz: Math.max(15, hz * 0.04), timeoutMs: ms }), [want, timeoutMs]);
		return r ? Math.round(r.sinceRequestMs) : null;
	}

	it('a click makes a tile heard: its camera\'s tone, another after the next click; the speaker badge follows', { timeout: 60000 }, async (t) => {
		const order = [0, 4, 1, 6, 3];	// camera1 (Opus), camera5 (PCMA), camera2 (PCMA), camera7, camera4
		const times = [];
		for (const k of order) {
			const cam = await cameraOf(k);
			const ms = await clickAndHear(k, demoTone(cam));
			assert.ok(ms !== null, `tile ${k} (camera${cam}): ${demoTone(cam)} Hz never heard (now ${await page.evaluate(() => window.msWall.audioFrequency())} Hz)`);
			times.push(ms);
			const badge = await page.evaluate(() => {
				const s = document.querySelectorAll('.speaker');
				const tile = s[0]?.closest('[data-slot]');
				return { n: s.length, slot: tile ? Number(tile.dataset.slot) : null, status: s[0]?.dataset.audioStatus };
			});
			assert.deepEqual(badge, { n: 1, slot: k, status: 'active' }, `the speaker badge on tile ${k}`);
			await sleep(400);
		}
		t.diagnostic(`click -> the camera's tone in the analyser (ms): ${times.join(', ')}`);
	});

	it('a camera without sound: unavailable, and silence', { timeout: 30000 }, async () => {
		const silent = manifest.cameras.find((c) => c.audio === null);
		assert.ok(silent, 'the demo has a camera without sound');
		const k = (await tiles(page, manifest)).findIndex((x) => x.camera === silent.name);
		await page.click(`#tile-${k}`);
		await waitFor(async () => (await page.evaluate(() => window.msWall.audio.status)) === 'unavailable', { timeoutMs: 3000, what: 'audio status unavailable' });
		await sleep(600);
		const level = await page.evaluate(() => window.msWall.audioLevel());
		assert.ok(level < 0.01, `silence (level ${level})`);
	});
});
