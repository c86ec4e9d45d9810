import assert from "node:assert/strict";
import { sleep } from "../lib/time.ts";

// Deno.test's sanitizers fail a test that leaves a timer behind, so each case also proves that
// sleep() clears its timer when it ends early.

Deno.test("sleep() resolves at once, leaving no timer, when the signal is already aborted", async () => {
  const controller = new AbortController();
  controller.abort();
  assert.equal(await sleep(60_000, controller.signal), undefined);
});

Deno.test("sleep() resolves when the signal aborts mid-wait, leaving no timer", async () => {
  const controller = new AbortController();
  const waiting = sleep(60_000, controller.signal);
  let done = false;
  waiting.then(() => done = true);
  await Promise.resolve();
  assert.equal(done, false);
  controller.abort();
  await waiting;
  assert.equal(done, true);
});

Deno.test("sleep() waits for its time without a signal and never rejects", async () => {
  const order: string[] = [];
  await Promise.all([
    sleep(20).then(() => order.push("later")),
    sleep(0).then(() => order.push("sooner")),
  ]);
  assert.deepEqual(order, ["sooner", "later"]);
});
