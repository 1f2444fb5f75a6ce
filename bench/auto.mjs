// bench/auto.mjs: the quality auto rows, run by bench/run.sh (same run,
// inside a private network namespace). The demo wall (9 cameras, each with
// 120p/240p/native/720p) in headless Chromium; the cameras in a namespace of
// their own (tests/lib/camns.mjs), so a 1.5 Mbit/s cap on `lo` (tc tbf)
// throttles only what crosses between Janus and the browser.
//
// 1. A fixed-720p wall (every tile switched to 720p) under the cap: frames
//    decoded, freezes longer than 1 s.
// 2. The auto wall (big tiles: 720p when uncapped) under the same cap, twice:
//    on everything crossing lo (the browser's RTCP and the WebSocket too),
//    then on what Janus sends alone (tc htb with a tbf under it, u32 on
//    Janus's UDP ports: a viewer's downlink). Each time: time to settle
//    (every tile playing, the heights it decodes unchanged for 3 s), then
//    freezes and frames over the window; the cap lifted: time until every
//    tile is back at its uncapped quality.
// 3. Resize to the new variant (uncapped, before 2): the browser window
//    halved and doubled; time from the resize to the tile's first frame at
//    the new height, p50.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { freeTcpPort, REPO, sleep } from '../tests/lib/janus.mjs';
import { startDemoEnv } from '../tests/lib/demo-env.mjs';
import { startCameraNetns, capLoopback, capDownlink } from '../tests/lib/camns.mjs';
import { spawnTracked, stopTracked } from '../tests/lib/procs.mjs';
import { launchChromium, openWall, waitAllPlaying, waitFor, tiles } from '../tests/e2e/wallpage.mjs';
import { rowBench, pct, QUICK } from './lib/rows.mjs';

const { out: OUT, say, main } = rowBench('auto');
const CAP_KBIT = 1500;
const CAP_MODES = ['lo', 'down'];
const WINDOW_S = QUICK ? 15 : 60;
const N_RESIZE = QUICK ? 2 : 6;
const f0 = (x) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : `${Math.round(x)}`);

async function withWall(R, fn) {
  const cams = await startCameraNetns();
  // H264 cameras only: an H265 camera's transcode would cross lo (and the cap)
  // fullRateHd: each 720p streams at a camera's bitrate (a looped GOP of
  // a still picture would not load the capped link)
  const env = await startDemoEnv({ name: 'bench-auto', sourceLinger: 5, sessionTimeout: 120, camNetns: cams, h265: [], fullRateHd: true,
    extraQualities: [{ quality: '120p', height: 120, bitrate: 100 }] });
  const port = await freeTcpPort();
  const server = spawnTracked('serve.mjs', 'node', [path.join(REPO, 'html', 'serve.mjs'), '--port', String(port), '--host', '127.0.0.1'],
    { logFile: path.join(OUT, 'serve.log') });
  const browser = await launchChromium();
  try {
    await waitFor(async () => fetch(`http://127.0.0.1:${port}/`).then((r) => r.ok, () => false), { timeoutMs: 5000, what: 'serve.mjs' });
    const url = (q) => `http://127.0.0.1:${port}/?janus=${encodeURIComponent(env.janus.wsUrl)}&layout=3x3${q}`;
    await fn({ env, browser, url, manifest: env.manifest });
  } finally {
    capLoopback(null);
    await browser.close().catch(() => {});
    await stopTracked(server, 3000);
    await env.stop();
    await cams.stop();
  }
}

/** Frames and freezes of every tile over seconds s (from the page's sampler). */
async function watch(page, manifest, s) {
  const a = await tiles(page, manifest);
  await sleep(s * 1000);
  const b = await tiles(page, manifest);
  return {
    frames: b.reduce((n, x, k) => n + x.frames - a[k].frames, 0),
    freezes: b.reduce((n, x, k) => n + x.freezes - a[k].freezes, 0)
      + b.filter((x) => x.sinceFrameMs === null || x.sinceFrameMs > 1000).length,	// still frozen at the end
    stalled: b.filter((x) => x.sinceFrameMs === null || x.sinceFrameMs > 1000).length,
    perTile: b.map((x, k) => x.freezes - a[k].freezes),
  };
}

async function fixedPhase(R) {
  await withWall(R, async ({ browser, url, manifest }) => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const { page } = await openWall(ctx, url(''));
    await waitAllPlaying(page, manifest, { count: 9, timeoutMs: 30000 });
    for (let k = 0; k < 9; k++) await page.evaluate((i) => window.msWall.switchTile(i, true), k).catch(() => {});
    await sleep(3000);
    say(`fixed-720p wall: cap ${CAP_KBIT} kbit/s on lo, ${WINDOW_S} s`);
    capLoopback(CAP_KBIT);
    await sleep(2000);
    R.fixed = await watch(page, manifest, WINDOW_S);
    capLoopback(null);
    say(`  fixed: ${R.fixed.frames} frames, ${R.fixed.freezes} freezes > 1 s, ${R.fixed.stalled} tiles stalled at the end`);
    await ctx.close();
  });
}

async function autoPhase(R) {
  await withWall(R, async ({ env, browser, url, manifest }) => {
    // A big window: 3x3 tiles of ~370 device px: 720p each, uncapped
    const ctx = await browser.newContext({ viewport: { width: 1920, height: 1200 } });
    const { page } = await openWall(ctx, url('&quality=auto'), { log: (l) => fs.appendFileSync(path.join(OUT, 'console.log'), `${new Date().toISOString()} ${l}\n`) });
    const qualities = () => page.evaluate(() => [...Array(9).keys()].map((k) => window.msWall.tileQuality(k)));
    await waitFor(async () => (await tiles(page, manifest)).every((x) => x.status === 'active' && x.frames > 5), { timeoutMs: 30000, what: 'auto wall playing' });
    // Every tile at its size choice (720p), the estimate not limiting
    const allAt = async (q, ms) => waitFor(async () => (await qualities()).every((x) => x === q), { timeoutMs: ms, intervalMs: 200 }).then(() => true, () => false);
    const w0 = Date.now();
    R.fullAtStart = await allAt('720p', 30000);
    say(`auto wall at 720p everywhere: ${R.fullAtStart} after ${Date.now() - w0} ms`);
    // Resize (uncapped): the window halved and back; tile 0 changes variant
    // Split in the page's clock: the resize -> tile 0's ResizeObserver (the
    // browser laying out; the hint goes out then) -> its first frame at the
    // new height (requestVideoFrameCallback: server, network and decoding)
    R.resize = [];
    R.resizeLayout = [];
    R.resizeServed = [];
    for (let i = 0; i < N_RESIZE; i++) {
      const small = i % 2 === 0;
      const h0 = (await tiles(page, manifest))[0].frameH;
      await page.evaluate((hPrev) => {
        const v = document.querySelector('#grid .tile video');
        const m = (window.__resize = { t0: performance.now(), ro: null, frame: null, armed: false });
        // the first callback is observe()'s own initial observation
        const ro = new ResizeObserver(() => {
          if (!m.armed) m.armed = true;
          else if (m.ro === null) { m.ro = performance.now(); ro.disconnect(); }
        });
        ro.observe(v);
        // a frame of another height before the hint went out is no answer to it
        const f = (n, meta) => { if (meta.height !== hPrev && m.ro !== null) m.frame = performance.now(); else v.requestVideoFrameCallback(f); };
        v.requestVideoFrameCallback(f);
      }, h0);
      await waitFor(() => page.evaluate(() => window.__resize.armed), { timeoutMs: 3000, intervalMs: 20 }).catch(() => undefined);
      const t0 = Date.now();
      await page.evaluate(() => { window.__resize.t0 = performance.now(); });
      await page.setViewportSize(small ? { width: 960, height: 600 } : { width: 1920, height: 1200 });
      const r = await waitFor(async () => {
        const x = (await tiles(page, manifest))[0];
        return x.frameH !== h0 ? x : null;
      }, { timeoutMs: 8000, intervalMs: 10 }).catch(() => null);
      R.resize.push(r ? Date.now() - t0 : null);
      const m = await page.evaluate(() => window.__resize);
      R.resizeLayout.push(m.ro !== null ? m.ro - m.t0 : null);
      R.resizeServed.push(m.ro !== null && m.frame !== null ? m.frame - m.ro : null);
      await sleep(2000);
      if (!small) await allAt('720p', 15000);
    }
    say(`  resize -> new variant on screen (ms): ${R.resize.join(', ')}`);
    say(`    of which resize -> ResizeObserver (browser layout): ${R.resizeLayout.map(f0).join(', ')}; ResizeObserver -> first frame of the new variant: ${R.resizeServed.map(f0).join(', ')}`);
    await allAt('720p', 20000);
    const full = await qualities();
    say(`auto wall uncapped: ${full.join(', ')}`);
    R.autoFull = full;
    // Two caps in turn, each for the window then lifted: on everything that
    // crosses lo (both ways: the browser's RTCP and the WebSocket too), and
    // on what Janus sends alone (a viewer's downlink)
    for (const mode of CAP_MODES) {
      const r = (R[mode] = {});
      if (mode === 'down') say(`auto wall, cap on Janus's sending only (its ports ${capDownlink(CAP_KBIT, env.janus.child.pid).join(', ')})`);
      else { say('auto wall, cap on lo'); capLoopback(CAP_KBIT); }
      // Settled: what every tile decodes (its frames' heights) unchanged for
      // 3 s, every tile playing. What the viewer sees, not the statuses (they
      // cross the capped link too, on a TCP connection that backs off).
      const c0 = Date.now();
      let last = (await tiles(page, manifest)).map((x) => x.frameH), stableSince = Date.now();
      while (Date.now() - c0 < 30000) {
        await sleep(200);
        const now = await tiles(page, manifest);
        const h = now.map((x) => x.frameH);
        if (h.join() !== last.join()) { last = h; stableSince = Date.now(); }
        const playing = now.every((x) => x.sinceFrameMs !== null && x.sinceFrameMs < 500);
        if (playing && Date.now() - stableSince >= 3000) break;
      }
      r.settleMs = stableSince - c0;
      r.capped = last.map((x) => `${x}p`);
      say(`  capped: settled in ${r.settleMs} ms, decoding ${r.capped.join(', ')} (statuses say ${(await qualities()).join(', ')})`);
      r.auto = await watch(page, manifest, WINDOW_S);
      say(`  auto: ${r.auto.frames} frames, ${r.auto.freezes} freezes > 1 s (by tile: ${r.auto.perTile.join(' ')}), ${r.auto.stalled} tiles stalled at the end`);
      capLoopback(null);
      const u0 = Date.now();
      await waitFor(async () => (await qualities()).join() === full.join(), { timeoutMs: 60000, intervalMs: 200, what: 'back to full quality' })
        .then(() => { r.upgradeMs = Date.now() - u0; }, () => { r.upgradeMs = null; });
      say(`  cap lifted: back to full quality in ${r.upgradeMs} ms`);
      await sleep(3000);
    }
    await ctx.close();
  });
}

function render(R, seconds) {
  const rs = (R.resize || []).filter((x) => x !== null);
  const rl = (R.resizeLayout || []).filter((x) => x !== null);
  const rv = (R.resizeServed || []).filter((x) => x !== null);
  const rows = [
    [`fixed-720p wall under a ${CAP_KBIT / 1000} Mbit/s cap, ${WINDOW_S} s: frames decoded (9 tiles); freezes longer than 1 s; tiles stalled at the end`,
      R.fixed ? `${R.fixed.frames}; **${R.fixed.freezes}**; ${R.fixed.stalled}` : 'n/a'],
    ...CAP_MODES.flatMap((mode) => {
      const r = R[mode] || {};
      const what = mode === 'down' ? `a ${CAP_KBIT / 1000} Mbit/s cap on what Janus sends (the downlink; RTCP and WebSocket free)` : 'the same cap (on lo, both ways)';
      return [
        [`auto wall (9 tiles, 720p each uncapped) under ${what}: time to settle (ms: every tile playing, the heights it decodes unchanged for 3 s); then ${WINDOW_S} s: frames decoded; freezes longer than 1 s; tiles stalled`,
          r.auto ? `**${f0(r.settleMs)}**; ${r.auto.frames}; **${r.auto.freezes}**; ${r.auto.stalled} (decoding ${(r.capped || []).join(', ')})` : 'n/a'],
        [`auto wall: that cap lifted -> every tile back at its uncapped quality (ms)`, `**${f0(r.upgradeMs)}**`],
      ];
    }),
    ['resize (window halved / doubled) -> the tile\'s first frame of the new variant: p50 / max (ms)',
      `**${f0(pct(rs, 0.5))}** / ${f0(pct(rs, 1))} (n=${rs.length} of ${(R.resize || []).length})`],
    ['... of which the browser\'s layout (resize -> the tile\'s ResizeObserver, when the hint goes out): p50 / max (ms)',
      `${f0(pct(rl, 0.5))} / ${f0(pct(rl, 1))}`],
    ['... and the hint served (ResizeObserver -> first frame of the new variant: server, network, decoding the GOP replay): p50 / max (ms)',
      `**${f0(pct(rv, 0.5))}** / ${f0(pct(rv, 1))}`],
  ];
  const head = `Measured ${R.started.slice(0, 16).replace('T', ' ')} UTC on ${os.cpus().length} x ${(os.cpus()[0] || {}).model}, plugin at git ${R.plugin}; `
    + `the demo wall (9 H264 cameras; 120p/240p/native/720p each, all encoded camera-side, the 720p a looped GOP of moving noise at 1.5 Mbit/s) in headless Chromium, the cameras in a namespace of their own, a ${CAP_KBIT} kbit/s tbf cap on lo; run took ${seconds} s.`;
  return `${head}\n\n${['| quality auto measure | janus-multistream |', '|---|---|', ...rows.map(([a, b]) => `| ${a} | ${b} |`)].join('\n')}\n`;
}

main([fixedPhase, autoPhase], render);
