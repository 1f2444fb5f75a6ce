// bench/lib/report.mjs: figures -> the side-by-side table (stdout,
// bench/README.md) and its headline rows (README.md).
import fs from 'node:fs';

const fin = (a) => a.filter((x) => x !== null && x !== undefined && !Number.isNaN(x));
const sorted = (a) => [...a].sort((x, y) => x - y);
function pct(a, q) {
  if (!a.length) return null;
  const s = sorted(a);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
const sum = (a) => a.reduce((x, y) => x + (y || 0), 0);
const mean = (a) => { const f = fin(a); return f.length ? sum(f) / f.length : null; };
const ms = (x) => (x === null || x === undefined ? 'n/a' : x === Infinity ? '>3000' : `${Math.round(x)}`);
const f1 = (x) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(1));
const f2 = (x) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(2));
const ratio = (stock, ours) => (ours > 0 && Number.isFinite(stock) && Number.isFinite(ours) ? `${(stock / ours).toFixed(1)}x` : (stock === Infinity ? '>' : 'n/a'));
const dist = (a) => `${ms(pct(a, 0))} / ${ms(pct(a, 0.5))} / ${ms(pct(a, 0.95))} / ${ms(pct(a, 1))}`;

function latencies(sw) {
  // a switch's latency: slowest of its slots; a timeout counts as Infinity
  return sw.map((s) => {
    const l = s.res.map((r) => (r.latency === null ? Infinity : r.latency));
    return Math.max(...l);
  });
}

function switchFigures(R) {
  const all = [...(R.single || []), ...(R.page || [])];
  const per = (sw) => {
    const d = sw.flatMap((s) => s.delta.filter(Boolean));
    const r = sw.flatMap((s) => s.res);
    return {
      n: sw.length,
      lat: latencies(sw),
      timeouts: r.filter((x) => x.latency === null).length,
      neither: sum(r.map((x) => x.neither)),
      neitherSwitches: sw.filter((s) => s.res.some((x) => x.neither > 0)).length,
      oldAfter: sum(r.map((x) => x.oldAfter)),
      freezes: sum(d.map((x) => x.freezeCount)),
      freezeSwitches: sw.filter((s) => s.delta.some((x) => x && x.freezeCount > 0)).length,
      freezeS: sum(d.map((x) => x.totalFreezesDuration)),
      drops: sum(d.map((x) => x.framesDropped)),
      pli: sum(d.map((x) => x.pliCount)),
      nack: sum(d.map((x) => x.nackCount)),
      lost: sum(d.map((x) => x.packetsLost)),
      ack: fin(r.map((x) => x.serverAck)),
    };
  };
  // render delay over the run, switch by switch (the switched slots' frames)
  const rd = all.map((s) => mean(s.res.map((x) => x.renderDelay)));
  const jb = all.map((s) => {
    const d = s.delta.filter(Boolean);
    const e = sum(d.map((x) => x.jitterBufferEmittedCount));
    return e ? (sum(d.map((x) => x.jitterBufferDelay)) / e) * 1000 : null;
  });
  const pd = all.map((s) => {
    const d = s.delta.filter(Boolean);
    const e = sum(d.map((x) => x.framesDecoded));
    return e ? (sum(d.map((x) => x.totalProcessingDelay)) / e) * 1000 : null;
  });
  const quarters = (a) => { const q = Math.max(1, Math.floor(a.length / 4)); return [mean(a.slice(0, q)), mean(a.slice(-q))]; };
  const ns = (R.single || []).length;
  const part = (a) => ({ single: quarters(a.slice(0, ns)), page: quarters(a.slice(ns)) });
  return {
    single: per(R.single || []), page: per(R.page || []), all: per(all), total: all.length,
    rd: part(rd), jb: part(jb), pd: part(pd),
    rdStart: mean(R.renderDelayStart || []), rdEnd: mean(R.renderDelayEnd || []),
  };
}

function bitstreamFigures(R) {
  const bs = R.bitstream || [];
  const ps = bs.flatMap((b) => b.perSwitch);
  const kinds = {};
  for (const p of ps) for (const v of p.violations) kinds[v] = (kinds[v] || 0) + 1;
  const perSwitchCorrupt = sum(ps.map((p) => p.corrupt));
  return {
    frames: sum(bs.map((b) => b.frames)),
    switches: ps.length,
    corrupt: perSwitchCorrupt,
    corruptSwitches: ps.filter((p) => p.corrupt > 0).length,
    atConnect: sum(bs.map((b) => b.corrupt)) - perSwitchCorrupt,
    rtpGaps: sum(bs.map((b) => b.rtpGaps)),
    transitFrames: sum(bs.map((b) => b.corruptTransit)),
    reordered: sum(bs.map((b) => b.reordered)),
    kinds,
    firstNew: fin(ps.map((p) => p.firstNewAfter)),
    lastOld: fin(ps.map((p) => p.lastOldAfter)),
    firstNewIdr: ps.filter((p) => p.firstNewIdr).length,
    replayPk: ps.map((p) => p.replayPackets),
    replayB: ps.map((p) => p.replayBytes),
    replaySpan: ps.map((p) => p.replaySpanMs),
    phase: fin(ps.map((p) => p.gopPhase)),
    ps,
  };
}

/** Single-switch browser latency split by the new camera's GOP phase. */
function byPhase(R) {
  const counters = new Map();
  const out = { early: [], late: [] };
  for (const s of [...(R.single || []), ...(R.page || [])]) {
    for (const r of s.res) {
      const k = counters.get(r.slot) || 0;
      counters.set(r.slot, k + 1);
      const p = R.bitstream && R.bitstream[r.slot] && R.bitstream[r.slot].perSwitch[k];
      if (s.kind !== 'single' || !p || p.gopPhase === null) continue;
      (p.gopPhase < 1000 ? out.early : out.late).push(r.latency === null ? Infinity : r.latency);
    }
  }
  return out;
}

export function renderReport(res) {
  const O = res.ours, S = res.stock;
  const lo = fin(O.loads.map((l) => l.all)), ls = fin(S.loads.map((l) => l.all));
  const nlo = O.loads.length, nls = S.loads.length;
  const so = switchFigures(O), ss = switchFigures(S);
  const bo = bitstreamFigures(O), bsS = bitstreamFigures(S);
  const po = byPhase(O), pS = byPhase(S);
  const cpuO = O.steady.janus.pct, cpuS = S.steady.janus.pct;
  const perO = cpuO / O.steady.streams, perS = cpuS / S.steady.streams;
  const netO = (cpuO - O.janusIdle.pct) / O.steady.streams, netS = (cpuS - S.janusIdle.pct) / S.steady.streams;
  const rows = [], headRows = [];
  // head: the row is also one of the README's headline rows
  const row = (m, a, b, r = '', head = false) => {
    rows.push(`| ${m} | ${a} | ${b} | ${r} |`);
    if (head) headRows.push(rows[rows.length - 1]);
  };
  row('all 9 cameras showing, from page start: min / p50 / max (ms)', `${ms(pct(lo, 0))} / **${ms(pct(lo, 0.5))}** / ${ms(pct(lo, 1))} (n=${nlo}${lo.length < nlo ? `, ${nlo - lo.length} never` : ''}, 1 PC)`,
    `${ms(pct(ls, 0))} / **${ms(pct(ls, 0.5))}** / ${ms(pct(ls, 1))} (n=${nls}${ls.length < nls ? `, ${nls - ls.length} never` : ''}, 9 PCs)`, ratio(pct(ls, 0.5), pct(lo, 0.5)), true);
  row('single switch -> new camera presented: min / p50 / p95 / max (ms)', `${dist(so.single.lat)} (n=${so.single.n})`, `${dist(ss.single.lat)} (n=${ss.single.n})`, `p50 ${ratio(pct(ss.single.lat, 0.5), pct(so.single.lat, 0.5))}`, true);
  row('  same, new camera\'s GOP phase < 1 s / >= 1 s: p50 (ms)', `${ms(pct(po.early, 0.5))} / ${ms(pct(po.late, 0.5))} (n=${po.early.length}/${po.late.length})`, `${ms(pct(pS.early, 0.5))} / ${ms(pct(pS.late, 0.5))} (n=${pS.early.length}/${pS.late.length})`);
  row('page change, 9 slots at once -> all 9 new: min / p50 / p95 / max (ms)', `${dist(so.page.lat)} (n=${so.page.n})`, `${dist(ss.page.lat)} (n=${ss.page.n})`, `p50 ${ratio(pct(ss.page.lat, 0.5), pct(so.page.lat, 0.5))}`, true);
  row('switches not showing the new camera within 3 s (slot-switches)', `${so.all.timeouts}`, `${ss.all.timeouts}`);
  row('request -> plugin\'s reply (active / switched) p50 (ms)', ms(pct(so.all.ack, 0.5)), ms(pct(ss.all.ack, 0.5)));
  row('frames presented of neither camera (switches affected)', `${so.all.neither} (${so.all.neitherSwitches}/${so.total})`, `${ss.all.neither} (${ss.all.neitherSwitches}/${ss.total})`);
  row('old camera presented again after the new one', `${so.all.oldAfter}`, `${ss.all.oldAfter}`);
  row('freezes, getStats freezeCount (switches affected; frozen s)', `${so.all.freezes} (${so.all.freezeSwitches}/${so.total}; ${f1(so.all.freezeS)} s)`, `${ss.all.freezes} (${ss.all.freezeSwitches}/${ss.total}; ${f1(ss.all.freezeS)} s)`, '', true);
  row('dropped frames, framesDropped', `${so.all.drops}`, `${ss.all.drops}`);
  row('PLI / NACK sent, packets lost (whole switch runs)', `${so.all.pli} / ${so.all.nack} / ${so.all.lost}`, `${ss.all.pli} / ${ss.all.nack} / ${ss.all.lost}`);
  const q2 = (x, k) => `${f1(x[k][0])} -> ${f1(x[k][1])}`;
  row('render delay (presentation - receive), first -> last quarter: single switches; page changes (ms)', `${q2(so.rd, 'single')}; ${q2(so.rd, 'page')}`, `${q2(ss.rd, 'single')}; ${q2(ss.rd, 'page')}`);
  row('jitter buffer delay per frame, first -> last quarter: single; page (ms)', `${q2(so.jb, 'single')}; ${q2(so.jb, 'page')}`, `${q2(ss.jb, 'single')}; ${q2(ss.jb, 'page')}`);
  row('processing delay per frame, first -> last quarter: single; page (ms)', `${q2(so.pd, 'single')}; ${q2(so.pd, 'page')}`, `${q2(ss.pd, 'single')}; ${q2(ss.pd, 'page')}`);
  const dropAt = (R) => {
    const cnt = new Map();
    const out = [];
    for (const s of [...(R.single || []), ...(R.page || [])]) {
      s.res.forEach((x, j) => {
        const k = cnt.get(x.slot) || 0;
        cnt.set(x.slot, k + 1);
        const d = s.delta[j];
        const p = R.bitstream && R.bitstream[x.slot] && R.bitstream[x.slot].perSwitch[k];
        if (d && d.framesDropped > 0) out.push(`${d.framesDropped}@${p && p.gopPhase !== null ? Math.round(p.gopPhase) : '?'}ms/${p ? p.replayFrames : '?'}f/${d.keyFramesDecoded}kf`);
      });
    }
    if (!out.length) return 'none';
    return out.length > 5 ? `${out.length} slot-switches, e.g. ${out.slice(0, 3).join(', ')}` : out.join(', ');
  };
  row('slot-switches with drops: dropped@new camera\'s GOP phase/replayed frames/keyframes decoded', dropAt(O), dropAt(S));
  row('bitstream: corrupt frames after switches (switches affected)', `**${bo.corrupt}** (${bo.corruptSwitches}/${bo.switches})`, `**${bsS.corrupt}** (${bsS.corruptSwitches}/${bsS.switches})`, '', true);
  const kinds = (k) => Object.entries(k).map(([a, b]) => `${a} ${b}`).join(', ') || 'none';
  row('bitstream: rule breaks after switches', kinds(bo.kinds), kinds(bsS.kinds));
  row('bitstream: new camera starts on its keyframe', `${bo.firstNewIdr}/${bo.switches}`, `${bsS.firstNewIdr}/${bsS.switches}`);
  row('bitstream: frames checked; corrupt before the first switch (at connect)', `${bo.frames}; ${bo.atConnect}`, `${bsS.frames}; ${bsS.atConnect}`);
  row('werift viewer: packets never received / late (NACKed); frames undecodable because of them', `${bo.rtpGaps} / ${bo.reordered}; ${bo.transitFrames}`, `${bsS.rtpGaps} / ${bsS.reordered}; ${bsS.transitFrames}`);
  row('request -> first new-camera packet at a werift viewer p50 / p95 (ms)', `${ms(pct(bo.firstNew, 0.5))} / ${ms(pct(bo.firstNew, 0.95))}`, `${ms(pct(bsS.firstNew, 0.5))} / ${ms(pct(bsS.firstNew, 0.95))}`);
  row('GOP cache replayed per switch (320x240, camera side): packets p50/max, KB p50/max', `${ms(pct(fin(bo.ps.map((p) => p.cachePackets)), 0.5))}/${ms(pct(fin(bo.ps.map((p) => p.cachePackets)), 1))}, ${f1(pct(fin(bo.ps.map((p) => p.cacheBytes)), 0.5) / 1024)}/${f1(pct(fin(bo.ps.map((p) => p.cacheBytes)), 1) / 1024)}`, 'no replay');
  row('replay burst as received by werift (320x240): packets p50/max, KB p50/max, spread ms p50/max', `${ms(pct(bo.replayPk, 0.5))}/${ms(pct(bo.replayPk, 1))}, ${f1(pct(bo.replayB, 0.5) / 1024)}/${f1(pct(bo.replayB, 1) / 1024)}, ${f1(pct(bo.replaySpan, 0.5))}/${f1(pct(bo.replaySpan, 1))}`, 'no replay');
  row('new camera\'s GOP phase at the switches: min / p50 / max (ms)', `${ms(pct(bo.phase, 0))} / ${ms(pct(bo.phase, 0.5))} / ${ms(pct(bo.phase, 1))}`, `${ms(pct(bsS.phase, 0))} / ${ms(pct(bsS.phase, 0.5))} / ${ms(pct(bsS.phase, 1))}`);
  row('Janus CPU, 9 cameras ingested, no viewer (% of a core)', f2(O.janusIdle.pct), f2(S.janusIdle.pct));
  row('Janus CPU, 9-camera wall in 1 browser (% of a core)', f2(cpuO), f2(cpuS), ratio(cpuS, cpuO));
  row('Janus CPU per relayed stream: total / net of ingest (% of a core)', `**${f2(perO)}** / ${f2(netO)}`, `**${f2(perS)}** / ${f2(netS)}`, ratio(perS, perO), true);
  row('Chromium CPU, 9-camera wall (% of a core, all processes)', `${f1(O.steady.chromium.pct)} (1 PC)`, `${f1(S.steady.chromium.pct)} (9 PCs)`, ratio(S.steady.chromium.pct, O.steady.chromium.pct));
  row('Chromium memory, 9-camera wall: PSS / RSS sum (MB)', `${(O.steady.chromiumMem.pssKb / 1024).toFixed(0)} / ${(O.steady.chromiumMem.rssKb / 1024).toFixed(0)}`, `${(S.steady.chromiumMem.pssKb / 1024).toFixed(0)} / ${(S.steady.chromiumMem.rssKb / 1024).toFixed(0)}`, ratio(S.steady.chromiumMem.pssKb, O.steady.chromiumMem.pssKb));

  // 1080p
  const hdRows = [];
  if (O.hd) {
    const H = O.hd;
    const into = H.switches.filter((s) => s.res[0].cam === 9);
    const back = H.switches.filter((s) => s.res[0].cam !== 9);
    const hps = H.bitstream.perSwitch;
    const hin = hps.filter((p) => p.to === 'hd');
    const gB = H.gops.slice(1).map((g) => g.bytes), gP = H.gops.slice(1).map((g) => g.packets);
    const lat = (sw) => sw.map((s) => (s.res[0].latency === null ? Infinity : s.res[0].latency));
    const d = (sw, k) => sum(sw.flatMap((s) => s.delta.filter(Boolean).map((x) => x[k])));
    const hrow = (m, v) => hdRows.push(`| ${m} | ${v} |`);
    hrow('camera GOP (2 s): KB mean / max; packets mean / max', `${f1(mean(gB) / 1024)} / ${f1(Math.max(0, ...gB) / 1024)}; ${ms(mean(gP))} / ${ms(Math.max(0, ...gP))} (${H.gops.length} GOPs)`);
    const cP = fin(hin.map((p) => p.cachePackets)), cB = fin(hin.map((p) => p.cacheBytes));
    hrow('GOP cache at the switch (camera packets since its keyframe = the replay): packets min / p50 / max; KB min / p50 / max', `${ms(pct(cP, 0))} / ${ms(pct(cP, 0.5))} / ${ms(pct(cP, 1))}; ${f1(pct(cB, 0) / 1024)} / ${f1(pct(cB, 0.5) / 1024)} / ${f1(pct(cB, 1) / 1024)}`);
    hrow('replay burst as received by the werift viewer: packets min / p50 / max', `${ms(pct(hin.map((p) => p.replayPackets), 0))} / ${ms(pct(hin.map((p) => p.replayPackets), 0.5))} / ${ms(pct(hin.map((p) => p.replayPackets), 1))} (n=${hin.length})`);
    hrow('replay burst as received: KB min / p50 / max', `${f1(pct(hin.map((p) => p.replayBytes), 0) / 1024)} / ${f1(pct(hin.map((p) => p.replayBytes), 0.5) / 1024)} / ${f1(pct(hin.map((p) => p.replayBytes), 1) / 1024)}`);
    hrow('replay burst: time from its first to its last packet at a werift viewer, p50 / max (ms)', `${f1(pct(hin.map((p) => p.replaySpanMs), 0.5))} / ${f1(pct(hin.map((p) => p.replaySpanMs), 1))}`);
    hrow('GOP phase at the switch: min / p50 / max (ms)', `${ms(pct(fin(hin.map((p) => p.gopPhase)), 0))} / ${ms(pct(fin(hin.map((p) => p.gopPhase)), 0.5))} / ${ms(pct(fin(hin.map((p) => p.gopPhase)), 1))}`);
    hrow('switch -> first 1080p frame presented: min / p50 / p95 / max (ms)', `${dist(lat(into))} (n=${into.length})`);
    hrow('switch back 1080p -> 320x240: min / p50 / max (ms)', `${ms(pct(lat(back), 0))} / ${ms(pct(lat(back), 0.5))} / ${ms(pct(lat(back), 1))} (n=${back.length})`);
    hrow('Chromium over these switches: freezes / dropped frames / packets lost / NACK / PLI', `${d(H.switches, 'freezeCount')} / ${d(H.switches, 'framesDropped')} / ${d(H.switches, 'packetsLost')} / ${d(H.switches, 'nackCount')} / ${d(H.switches, 'pliCount')}`);
    hrow('bitstream: corrupt frames after switches (switches affected)', `${sum(hps.map((p) => p.corrupt))} (${hps.filter((p) => p.corrupt > 0).length}/${hps.length})`);
    hrow('werift viewer: packets never received / late (NACKed); frames undecodable because of them', `${H.bitstream.rtpGaps} / ${H.bitstream.reordered}; ${H.bitstream.corruptTransit}`);
  }
  const m = res.machine;
  const head = `Measured ${res.started.slice(0, 16).replace('T', ' ')} UTC on ${m.nproc} x ${m.model}, ${m.chromium}, headless; `
    + `9 ffmpeg colour cameras 320x240@15 fps, GOP 2 s, started 350 ms apart; both plugins in the same run, same page code (raw Janus WS JSON), `
    + `n = ${nlo}/${nls} page loads, ${so.single.n}/${ss.single.n} single switches, ${so.page.n}/${ss.page.n} page changes (ours/stock); plugin at git ${res.plugin}; run took ${Math.round(res.elapsedS)} s; load average ${res.loadStart} at start, ${res.loadEnd} at end (other work on the machine shares its 2 cores).`;
  const table = ['| measure | janus-multistream (ours) | stock janus.plugin.streaming | stock / ours |', '|---|---|---|---|', ...rows].join('\n');
  const hdTable = hdRows.length ? ['| 1080p camera (1920x1080@15, 4 Mbit/s, GOP 2 s) switched into one slot of ours | figure |', '|---|---|', ...hdRows].join('\n') : '';
  const notes = [
    'Latency = request sent by the page -> presentationTime of the first frame (requestVideoFrameCallback) whose colour is the new camera\'s; a page change waits for the slowest of its 9 slots; timeouts (3 s) count as >3000.',
    'Bitstream: a werift viewer mirrors the wall and every switch; every packet it receives is matched to the camera packet it came from; frame_num (log2_max_frame_num from the SPS), keyframe-first after a camera change, every source frame and packet present. A frame after a broken rule is corrupt until the next IDR.',
    'Janus CPU from /proc/<pid>/stat utime+stime over 10 s with the browser wall only (9 relayed streams); Chromium CPU and memory summed over every Chromium process in the same window.',
  ];
  const markdown = `${head}\n\n${table}\n\n${hdTable}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`;
  const headline = `Measured ${res.started.slice(0, 10)} on ${m.nproc} x ${m.model}, plugin at git ${res.plugin}; 9 cameras 320x240@15 fps, GOP 2 s, both plugins in one run (full table and method: [bench/README.md](bench/README.md)).\n\n`
    + ['| measure | janus-multistream (ours) | stock janus.plugin.streaming | stock / ours |', '|---|---|---|---|', ...headRows].join('\n') + '\n';
  return { text: markdown, markdown, headline };
}

export function writeReadme(file, markdown, tag = 'bench') {
  const txt = fs.readFileSync(file, 'utf8');
  const a = `<!-- ${tag}:begin -->`, b = `<!-- ${tag}:end -->`;
  const i = txt.indexOf(a), j = txt.indexOf(b);
  if (i < 0 || j < i) throw new Error(`${file} has no ${a} / ${b} markers`);
  fs.writeFileSync(file, `${txt.slice(0, i + a.length)}\n${markdown}${txt.slice(j)}`);
}
