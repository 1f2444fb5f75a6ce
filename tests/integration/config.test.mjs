// Bad configuration: the plugin reads its jcfg with Janus's own reader
// (janus_config_parse, libconfig). Every bad entry is reported in the Janus
// log with its file and stream (or setting) name, never with a line (Janus's
// tree keeps none), and the plugin loads the rest: the good streams around
// it are listed and play. A syntax error in the main file stops the plugin
// (Janus logs the line, the plugin the file); in a file of the streams
// folder (janus.plugin.multistream.d/*.jcfg) it costs that file only.
// Each case is its own Janus start with a jcfg written here as raw text.
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
const PKG = 'janus.plugin.multistream';
const PKG_JCFG = `${PKG}.jcfg`;
const FOLDER = `${PKG}.d`;
const GOOD1 = 5604, GOOD2 = 5606;
const res = (i) => `${CAMERA_PRESETS[i].width}x${CAMERA_PRESETS[i].height}`;

/**
 * startJanus with the plugin's jcfg as raw text: startJanus writes the
 * pluginConfig object as libconfig; while it runs, that one write is
 * replaced by `text`, and the streams folder gets `folder`'s files
 * ({ 'a.jcfg': text }) beside it (everything else of startJanus is
 * unchanged).
 */
async function startJanusRaw(name, text, folder = {}) {
  const orig = fs.writeFileSync;
  fs.writeFileSync = function (file, data, ...rest) {
    if (typeof file === 'string' && path.basename(file) === PKG_JCFG) {
      const dir = path.join(path.dirname(file), FOLDER);
      if (Object.keys(folder).length) fs.mkdirSync(dir);
      for (const [f, t] of Object.entries(folder)) orig.call(this, path.join(dir, f), t);
      data = text;
    }
    return orig.call(this, file, data, ...rest);
  };
  try {
    return await startJanus({ name, pluginConfig: { general: {} } });
  } finally {
    fs.writeFileSync = orig;
  }
}

/**
 * Build a jcfg from lines; `@name` at the start of a line marks a line whose
 * number a test expects (syntax errors; the marker is cut).
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

function logLines(logFile) {
  return fs.readFileSync(logFile, 'utf8').split('\n');
}

/** The plugin's warning/error lines of the Janus log that name `name`. */
function reportsOf(logFile, name) {
  const re = new RegExp(`(^|[^A-Za-z0-9_-])${escapeRe(name)}([^A-Za-z0-9_-]|$)`);
  return logLines(logFile).filter((l) => /\[(ERR|WARN)\]/.test(l) && /multistream/i.test(l) && re.test(l));
}

/** `name` is reported by the plugin, in a line naming `file`. */
function assertReported(logFile, name, file = PKG_JCFG) {
  const found = reportsOf(logFile, name);
  assert.ok(found.length > 0, `no [ERR]/[WARN] line of the plugin names "${name}"; plugin lines:\n` +
    logLines(logFile).filter((l) => /multistream/i.test(l)).slice(0, 30).join('\n'));
  assert.ok(found.some((l) => l.includes(file)), `"${name}" is reported without its file ${file}:\n${found.join('\n')}`);
}

/**
 * One Janus per case: `cfg` is the jcfg source (see jcfg()), `folder` the
 * streams folder's files; `bad` lists the names (settings or streams) that
 * must be reported with their file (`{ name: file }` entries for folder
 * files); `absent` the stream names that must not be loaded; `unknownCode`
 * the answer to a switch to one of them (487 once any stream is protected).
 */
function badConfigCase(title, { cfg, folder = {}, bad, absent = [], unknownCode = 485, extra }) {
  describe(`bad config: ${title}`, { skip, timeout: 60000 }, () => {
    let janus, admin;
    const conns = [];
    const { text } = jcfg(cfg);
    before(async () => {
      janus = await startJanusRaw(`config-${title}`, text, folder);
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
        assert.equal(r.data.value?.code, unknownCode, `switch to the skipped "${absent[0]}": ${JSON.stringify(r.data)}`);
      }
      if (extra) await extra({ janus, admin, client: c.client });
      assert.ok(!janus.child.exitInfo, 'Janus still running');
    });

    for (const b of bad) {
      const [name, file] = typeof b === 'string' ? [b, PKG_JCFG] : Object.entries(b)[0];
      test(`"${name}" is reported with its name and file ${file}`, () => {
        assertReported(janus.logFile, name, file);
      });
    }
  });
}

/**
 * A syntax error in the main file: Janus logs the line (libconfig's
 * message), the plugin names the file, and the plugin does not start;
 * Janus runs on without it. `cfg` marks the line with @error.
 */
function syntaxErrorCase(title, { cfg }) {
  describe(`syntax error: ${title}`, { skip, timeout: 60000 }, () => {
    const { text, lines } = jcfg(cfg);
    let logFile, err;
    before(async () => {
      try {
        const janus = await startJanusRaw(`config-syntax-${title}`, text);
        await janus.stop();
      } catch (e) {
        err = e;
        // startJanus stops a Janus whose plugin did not load; its message
        // names the log, which stays in tests/output
        logFile = /--- (\S+janus\.log) ---/.exec(e.message)?.[1];
      }
    });

    test('the plugin does not load; Janus logs the line, the plugin the file', () => {
      assert.ok(err, 'the plugin loaded despite the syntax error');
      assert.match(err.message, /did not load/, err.message);
      assert.ok(logFile && fs.existsSync(logFile), `no log named in: ${err.message}`);
      const all = logLines(logFile);
      const at = all.findIndex((l) => /\[ERR\]/.test(l) && new RegExp(`Error parsing config file at line ${lines.error}\\b`).test(l));
      assert.ok(at >= 0, `Janus did not log line ${lines.error}:\n${all.filter((l) => /ERR|WARN/.test(l)).join('\n')}`);
      const ours = all.slice(at + 1).find((l) => /\[ERR\]/.test(l) && /multistream/.test(l) && l.includes(PKG_JCFG));
      assert.ok(ours, `no plugin line naming ${PKG_JCFG} after Janus's:\n${all.slice(at, at + 5).join('\n')}`);
      assert.match(ours, /does not start/);
      assert.ok(all.some((l) => l.includes(`'${PKG}' plugin could not be initialized`)), 'Janus reports the plugin not initialized');
    });
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
	badkind = "http://x"`),
  bad: ['badkind'],
  absent: ['badkind'],
});

badConfigCase('bad URLs', {
  cfg: GENERAL + GOOD_STREAMS(`
	nohost = "rtsp:///nohost"
	badport = "rtp://127.0.0.1:99999"`),
  bad: ['nohost', 'badport'],
  absent: ['nohost', 'badport'],
});

badConfigCase('variant of a missing parent', {
  cfg: GENERAL + GOOD_STREAMS(`
	orphan = "ffmpeg:nope#video=h264#height=360"`),
  bad: ['orphan'],
  absent: ['orphan'],
});

badConfigCase('variant cycles', {
  cfg: GENERAL + GOOD_STREAMS(`
	cyc-a = "ffmpeg:cyc-b#video=h264#height=240"
	cyc-b = "ffmpeg:cyc-a#video=h264#height=240"
	self = "ffmpeg:self#video=h264#height=240"`),
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
	max_slots = 0
	disconnect_grace = -1
	source_linger = "abc"
	events = false
}` + GOOD_STREAMS(''),
  bad: ['max_slots', 'disconnect_grace', 'source_linger'],
  extra: maxSlotsIsDefault,
});

badConfigCase('out-of-range numbers (max_slots = 1000)', {
  cfg: `
general: {
	max_slots = 1000
	events = false
}` + GOOD_STREAMS(''),
  bad: ['max_slots'],
  extra: maxSlotsIsDefault,
});

badConfigCase('a bad entry carrying credentials and a secret: reported without them', {
  cfg: GENERAL + GOOD_STREAMS(`
	credbad = "rtsp://user:pw-Zq81x@127.0.0.1:99999/x"
	credgroup: { source = "rtsp://user:pw-Zq81x@127.0.0.1:99999/y", secret = "sec-Zq82y" }`),
  bad: ['credbad', 'credgroup'],
  absent: ['credbad', 'credgroup'],
  extra: async ({ janus }) => {
    const text = fs.readFileSync(janus.logFile, 'utf8');
    for (const s of ['pw-Zq81x', 'sec-Zq82y']) assert.ok(!text.includes(s), `"${s}" appears in the Janus log`);
  },
});

// Fail closed: a protection mistake never loads a stream unprotected; the
// stream is skipped (reported with its name), and so is what derives from
// it. Janus's reader makes every value a string: an unquoted number pin is
// that pin (the stream loads protected).
badConfigCase('protection mistakes fail closed (secert typo, empty secret, preload = "yes"); pin = 1234 protects', {
  cfg: GENERAL + GOOD_STREAMS(`
	typo: { source = "rtp://127.0.0.1:5620", secert = "s3cretTypo" }
	typo-low = "ffmpeg:typo#video=h264#height=120"
	typo-hd = "rtp://127.0.0.1:5622"
	empty: { source = "rtp://127.0.0.1:5618", secret = "" }
	preloadstr: { source = "rtp://127.0.0.1:5624", preload = "yes", secret = "s3cretPreload" }
	pinnum: { source = "rtp://127.0.0.1:5616", pin = 1234 }
	pinnum-low = "ffmpeg:pinnum#video=h264#height=120"`),
  bad: ['typo', 'typo-low', 'typo-hd', 'empty', 'preloadstr'],
  absent: ['typo', 'typo-low', 'typo-hd', 'empty', 'preloadstr'],
  unknownCode: 487,
  extra: async ({ janus, admin, client }) => {
    const text = fs.readFileSync(janus.logFile, 'utf8');
    for (const s of ['s3cretTypo', 's3cretPreload']) assert.ok(!text.includes(s), `"${s}" appears in the Janus log`);
    const loaded = (await admin.status()).sources.map((s) => s.name);
    for (const n of ['pinnum', 'pinnum-low']) assert.ok(loaded.includes(n), `${n} loaded (loaded: ${loaded.join(', ')})`);
    const names = (r) => r.data.value.streams.map((s) => s.name);
    const open = await client.request('multistream/streams', {});
    for (const n of ['pinnum', 'pinnum-low']) assert.ok(!names(open).includes(n), `${n} listed without the pin: ${names(open)}`);
    const pinned = await client.request('multistream/streams', { token: '1234' });
    for (const n of ['pinnum', 'pinnum-low']) assert.ok(names(pinned).includes(n), `${n} not listed with pin "1234": ${names(pinned)}`);
  },
});

// The streams folder: each file is read on its own, after the main file.
// A syntax error costs that file's streams only (Janus logs the line, the
// plugin the file); a name already read (main file or an earlier file)
// is a duplicate: the first wins.
badConfigCase('streams folder: a broken camera file costs only its own streams', {
  cfg: GENERAL + `
streams: {
	good1 = "rtp://127.0.0.1:${GOOD1}"
}`,
  folder: {
    '10-good.jcfg': `streams: {\n\tgood2 = "rtp://127.0.0.1:${GOOD2}"\n}\n`,
    '20-broken.jcfg': `streams: {\n\tbroken1 = "rtp://127.0.0.1:5630"\n\tbroken2 = rtp://127.0.0.1:5632\n}\n`,
    '30-more.jcfg': `streams: {\n\tafter = "rtp://127.0.0.1:5634"\n\tgood1 = "rtp://127.0.0.1:5636"\n}\n`,
    'notes.txt': 'not a jcfg: ignored\n',
  },
  bad: [{ good1: `${FOLDER}/30-more.jcfg` }],
  absent: ['broken1', 'broken2'],
  extra: async ({ janus, admin }) => {
    const st = await admin.status();
    assert.ok(st.sources.some((s) => s.name === 'after'), 'the file after the broken one loads');
    assert.equal(st.sources.filter((s) => s.name === 'good1').length, 1, 'the first "good1" is kept, once');
    const all = logLines(janus.logFile);
    const at = all.findIndex((l) => /\[ERR\]/.test(l) && /Error parsing config file at line 3\b/.test(l));
    assert.ok(at >= 0, `Janus did not log line 3 of the broken file:\n${all.filter((l) => /ERR|WARN/.test(l)).join('\n')}`);
    assert.ok(all.slice(at + 1).some((l) => /multistream/.test(l) && l.includes(`${FOLDER}/20-broken.jcfg`)),
      'the plugin names the broken file after Janus\'s line');
  },
});

syntaxErrorCase('a broken entry', {
  cfg: GENERAL + GOOD_STREAMS(`
@error 	broken = rtp://127.0.0.1:5612`),
});

syntaxErrorCase('a duplicate name (libconfig rejects it)', {
  cfg: GENERAL + GOOD_STREAMS(`
	dup = "rtp://127.0.0.1:5608"
@error 	dup = "rtp://127.0.0.1:5610"`),
});
