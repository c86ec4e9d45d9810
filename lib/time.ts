/**
 * Waiting: one `sleep` for every part of redfill.
 *
 * @module
 */

/**
 * Resolves after `ms` milliseconds, or at once when `signal` aborts (it never rejects).
 *
 * @param ms Milliseconds to wait.
 * @param signal Ends the wait early.
 * @returns A promise that resolves when the time is up or the signal aborted.
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { sleep } from "./time.ts";
 * const started = performance.now();
 * await sleep(5);
 * ok(performance.now() - started >= 4);
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}
