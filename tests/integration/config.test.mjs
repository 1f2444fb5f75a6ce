// Bad configuration (issue 6, point 6): every malformed jcfg entry is
// reported in the Janus log with its name and its line, and the plugin still
// loads the rest: the good streams around it are listed and play.
// Each case is its own Janus start with a jcfg written here as raw text (a
// duplicate name cannot be expressed as a JS object).
// Run alone: MS_SKIP_SETUP=1 MS_SKIP_UNIT=1 MS_BUILD_DIR=build-faults bash tests/run.sh integration/config.test.mjs
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startJanus, pluginSkipReason, sleep } from '../lib/janus.mjs';
import { startCameras, stopCameras, CAMERA_PRESETS } from '../lib/cameras.mjs';
import { connectMultistream, openHandle, AdminClient } from '../lib/client.mjs';
import { resolutionsIn } from '../lib/fixture.mjs';
import { stopAll } from '../lib/procs.mjs';

const skip = pluginSkipReason() || false;
const PKG_JCFG = 'janus.plugin.multistream.jcfg';
const GOOD1 = 5604, GOOD2 = 5606;
const res = (i) => `${CAMERA_PRESETS[i].width}x${CAMERA_PRESETS[i].height}`;

/**
 * startJanus with the plugin's jcfg as raw text: startJanus writes the
 * pluginConfig object as libconfig; while it runs, that one write is
 * replaced by `text` (everything else of startJanus is unchanged).
 */
async function startJanusRaw(name, text) {
  const orig = fs.writeFileSync;
  fs.writeFileSync = function (file, data, ...rest) {
    if (typeof file === 'string' && path.basename(file) === PKG_JCFG) data = text;
    return orig.call(this, file, data, ...rest);
  };
  try {
    return await startJanus({ name, pluginConfig: { general: {} } });
  } finally {
    fs.writeFileSync = orig;
  }
}

/**
 * Build a jcfg from lines; `@name` at the start of a line marks the line
 * whose number a test expects in the report for `name` (the marker is cut).
 * Returns { text, lines: { name: lineNumber } }.
 */
function jcfg(src) {
  const lines = {};
  const out = src.replace(/^\n/, '').split('\n').map((l, i) => {
    const m = /^@(\S+) (.*)$/.exec(l);
    if (!m) return l;
    lines[m[1]] = i + 1;
    return m[2];
  });
  return { text: out.join('\n') + '\n', lines };
}

const GOOD_STREAMS = (body) => `
streams: {
	good1 = "rtp://127.0.0.1:${GOOD1}"
${body}
	good2 = "rtp://127.0.0.1:${GOOD2}"
}`;

const GENERAL = `
general: {
	source_linger = 1
	events = false
}`;

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The plugin's warning/error lines of the Janus log that name `name`. */
function reportsOf(janus, name) {
  const text = fs.readFileSync(janus.logFile, 'utf8');
  const re = new RegExp(`(^|[^A-Za-z0-9_-])${escapeRe(name)}([^A-Za-z0-9_-]|$)`);
  return text.split('\n').filter((l) => /\[(ERR|WARN)\]/.test(l) && /multistream/i.test(l) && re.test(l));
}

function hasLineNumber(l, n) {
  return new RegExp(`\\bline ${n}\\b|\\.jcfg:${n}\\b`).test(l);
}

function assertReported(janus, name, line) {
  const found = reportsOf(janus, name);
  assert.ok(found.length > 0, `no [ERR]/[WARN] line of the plugin names "${name}"; plugin lines:\n` +
    fs.readFileSync(janus.logFile, 'utf8').split('\n').filter((l) => /multistream/i.test(l)).slice(0, 30).join('\n'));
  assert.ok(found.some((l) => hasLineNumber(l, line)), `"${name}" is reported without its line ${line}:\n${found.join('\n')}`);
}

/**
 * One Janus per case: `cfg` is the jcfg source (see jcfg()); `bad` lists the
 * names (settings or streams) that must be reported with their line;
 * `absent` the stream names that must not be loaded.
 */
function badConfigCase(title, { cfg, bad, absent = [], extra }) {
  describe(`bad config: ${title}`, { skip, timeout: 60000 }, () => {
    let janus, admin;
    const conns = [];
    const { text, lines } = jcfg(cfg);
    before(async () => {
      janus = await startJanusRaw(`config-${title}`, text);
      admin = await new AdminClient(janus.adminUrl, janus.adminSecret).connect();
    });
    after(async () => {
      for (const c of conns) { await c.peer.close().catch(() => {}); c.client.drop(); }
      admin?.close();
      await janus?.stop();
    });

    test('the plugin loads the rest: the good streams are listed and play', { timeout: 30000 }, async () => {
      const st = await admin.status();
      const loaded = (st.sources || []).map((s) => s.name);
      for (const n of ['good1', 'good2']) assert.ok(loaded.includes(n), `${n} loaded (loaded: ${loaded.join(', ') || 'none'})`);
      for (const n of absent) assert.ok(!loaded.includes(n), `${n} must not be loaded (loaded: ${loaded.join(', ')})`);
      const log = (line) => fs.appendFileSync(path.join(janus.outDir, 'client.log'), `${line}\n`);
      const c = await connectMultistream(janus, [{ slot: 0, stream: 'good1' }, { slot: 1, stream: 'good2' }], { log });
      conns.push(c);
      const want = [res(0), res(1)];
      const t0 = Date.now();
      while (Date.now() - t0 < 8000 && ![0, 1].every((k) => resolutionsIn(c.peer.packets(k)).includes(want[k]))) await sleep(50);
      for (const k of [0, 1]) assert.ok(resolutionsIn(c.peer.packets(k)).includes(want[k]), `slot ${k} plays ${want[k]}`);
      if (absent.length) {
        const list = await c.client.request('multistream/streams', {});
        const names = list.data.value.streams.map((s) => s.name);
        for (const n of absent) assert.ok(!names.includes(n), `${n} is not in multistream/streams`);
        const r = await c.client.request('multistream/switch', { slot: 0, stream: absent[0] });
        assert.equal(r.data.value?.code, 485, `switch to the skipped "${absent[0]}": ${JSON.stringify(r.data)}`);
      }
      if (extra) await extra({ janus, admin, client: c.client });
      assert.ok(!janus.child.exitInfo, 'Janus still running');
    });

    for (const name of bad) {
      test(`"${name}" is reported with its name and line ${lines[name]}`, () => {
        assert.ok(lines[name], `test bug: no line marked for ${name}`);
        assertReported(janus, name, lines[name]);
      });
    }
  });
}

let cams = [];
before(async () => {
  if (skip) return;
  // Two cameras for the good streams, shared by every case (each Janus in
  // turn binds their ports; ffmpeg's RTP output does not mind a gap).
  cams = await startCameras([{ name: 'good1', port: GOOD1 }, { name: 'good2', port: GOOD2 }]);
});
after(async () => {
  await stopCameras(cams);
  await stopAll();
  // werift leaves UDP sockets open after pc.close(); everything we started is stopped by PID.
  setTimeout(() => process.exit(), 2000).unref();
});

badConfigCase('unknown source kind', {
  cfg: GENERAL + GOOD_STREAMS(`
@badkind 	badkind = "http://x"`),
  bad: ['badkind'],
  absent: ['badkind'],
});

badConfigCase('bad URLs', {
  cfg: GENERAL + GOOD_STREAMS(`
@nohost 	nohost = "rtsp:///nohost"
@badport 	badport = "rtp://127.0.0.1:99999"`),
  bad: ['nohost', 'badport'],
  absent: ['nohost', 'badport'],
});

badConfigCase('duplicate stream name', {
  cfg: GENERAL + GOOD_STREAMS(`
	dup = "rtp://127.0.0.1:5608"
@dup 	dup = "rtp://127.0.0.1:5610"`),
  bad: ['dup'],
  extra: async ({ admin }) => {
    const st = await admin.status();
    assert.equal(st.sources.filter((s) => s.name === 'dup').length, 1, 'the first "dup" is kept, once');
  },
});

badConfigCase('variant of a missing parent', {
  cfg: GENERAL + GOOD_STREAMS(`
@orphan 	orphan = "ffmpeg:nope#video=h264#height=360"`),
  bad: ['orphan'],
  absent: ['orphan'],
});

badConfigCase('variant cycles', {
  cfg: GENERAL + GOOD_STREAMS(`
@cyc-a 	cyc-a = "ffmpeg:cyc-b#video=h264#height=240"
@cyc-b 	cyc-b = "ffmpeg:cyc-a#video=h264#height=240"
@self 	self = "ffmpeg:self#video=h264#height=240"`),
  bad: ['cyc-a', 'cyc-b', 'self'],
  absent: ['cyc-a', 'cyc-b', 'self'],
});

async function maxSlotsIsDefault({ janus }) {
  // max_slots keeps its default (9): 9 slots are fine, 10 are 484.
  const h = await openHandle(janus);
  try {
    const slots = (n) => Array.from({ length: n }, (_, i) => ({ slot: i, stream: 'good1' }));
    const r10 = await h.request('multistream/init', { slots: slots(10) });
    assert.equal(r10.data.value?.code, 484, `10 slots: ${JSON.stringify(r10.data)}`);
    const r9 = await h.request('multistream/init', { slots: slots(9) });
    assert.equal(r9.data.type, 'multistream/ready', `9 slots: ${JSON.stringify(r9.data)}`);
  } finally {
    h.drop();
  }
}

badConfigCase('out-of-range numbers (max_slots = 0, disconnect_grace = -1, source_linger = "abc")', {
  cfg: `
general: {
@max_slots 	max_slots = 0
@disconnect_grace 	disconnect_grace = -1
@source_linger 	source_linger = "abc"
	events = false
}` + GOOD_STREAMS(''),
  bad: ['max_slots', 'disconnect_grace', 'source_linger'],
  extra: maxSlotsIsDefault,
});

badConfigCase('out-of-range numbers (max_slots = 1000)', {
  cfg: `
general: {
@max_slots 	max_slots = 1000
	events = false
}` + GOOD_STREAMS(''),
  bad: ['max_slots'],
  extra: maxSlotsIsDefault,
});

badConfigCase('a syntax error inside one entry', {
  cfg: GENERAL + GOOD_STREAMS(`
@broken 	broken = rtp://127.0.0.1:5612
	after = "rtp://127.0.0.1:5614"`),
  bad: ['broken'],
  absent: ['broken'],
  extra: async ({ admin }) => {
    const st = await admin.status();
    assert.ok(st.sources.some((s) => s.name === 'after'), 'the entry after the broken line loads');
  },
});

badConfigCase('a bad entry carrying credentials and a secret: reported without them', {
  cfg: GENERAL + GOOD_STREAMS(`
@credbad 	credbad = "rtsp://user:pw-Zq81x@127.0.0.1:99999/x"
@credgroup 	credgroup: { source = "rtsp://user:pw-Zq81x@127.0.0.1:99999/y", secret = "sec-Zq82y" }`),
  bad: ['credbad', 'credgroup'],
  absent: ['credbad', 'credgroup'],
  extra: async ({ janus }) => {
    const text = fs.readFileSync(janus.logFile, 'utf8');
    for (const s of ['pw-Zq81x', 'sec-Zq82y']) assert.ok(!text.includes(s), `"${s}" appears in the Janus log`);
  },
});

// Fail closed: a protection mistake never loads a stream unprotected; the
// stream is skipped (reported with its line), and so is what derives from it.
badConfigCase('protection mistakes fail closed (pin = 1234, secret unquoted, secert typo)', {
  cfg: GENERAL + GOOD_STREAMS(`
@pinnum 	pinnum: { source = "rtp://127.0.0.1:5616", pin = 1234 }
@pinnum-low 	pinnum-low = "ffmpeg:pinnum#video=h264#height=120"
@bare 	bare: { source = "rtp://127.0.0.1:5618", secret = s3cretBare }
@typo 	typo: { source = "rtp://127.0.0.1:5620", secert = "s3cretTypo" }
@typo-hd 	typo-hd = "rtp://127.0.0.1:5622"`),
  bad: ['pinnum', 'pinnum-low', 'bare', 'typo', 'typo-hd'],
  absent: ['pinnum', 'pinnum-low', 'bare', 'typo', 'typo-hd'],
  extra: async ({ janus }) => {
    const text = fs.readFileSync(janus.logFile, 'utf8');
    for (const s of ['s3cretBare', 's3cretTypo']) assert.ok(!text.includes(s), `"${s}" appears in the Janus log`);
  },
});
