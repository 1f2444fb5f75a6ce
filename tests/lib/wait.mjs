// Polling helper shared by the integration tests.
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Poll pred() every stepMs until it returns a truthy value; resolve with
 * { value, ms } (the value and how long it took). Past timeoutMs, reject with
 * `what` (a string, or a function of the last value for a useful message).
 */
export async function waitUntil(pred, { timeoutMs = 6000, what = 'condition', stepMs = 50 } = {}) {
  const t0 = Date.now();
  let last;
  for (;;) {
    last = await pred();
    if (last) return { value: last, ms: Date.now() - t0 };
    if (Date.now() - t0 > timeoutMs) {
      const text = typeof what === 'function' ? what(last) : what;
      throw new Error(`timeout after ${timeoutMs} ms: ${text}`);
    }
    await sleep(stepMs);
  }
}

/** waitUntil for tests that only need the elapsed time: (pred, timeoutMs, what). */
export async function waitFor(pred, timeoutMs, what, stepMs = 50) {
  return (await waitUntil(pred, { timeoutMs, what, stepMs })).ms;
}

/** Poll the plugin's admin status until check(status) holds; resolve with it. */
export async function waitStatus(admin, check, { timeoutMs = 6000, what = 'admin status' } = {}) {
  let last;
  const { value } = await waitUntil(async () => {
    last = await admin.status();
    return check(last) ? last : null;
  }, { timeoutMs, stepMs: 100, what: () => `${what}; last: ${JSON.stringify(last)}` });
  return value;
}
