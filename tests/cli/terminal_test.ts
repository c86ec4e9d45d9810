import assert from "node:assert/strict";
import { formatProgress, progressBar } from "../../lib/cli/terminal.ts";
import type { ProgressSnapshot } from "../../lib/types.ts";

const HALF: ProgressSnapshot = {
  bytes: 128 * 1024 * 1024,
  keys: 131072,
  totalBytes: 256 * 1024 * 1024,
  totalKeys: 262144,
  elapsedMs: 1000,
  perNode: { "127.0.0.1:7000": 65536, "127.0.0.1:7001": 65536 },
};

Deno.test("formatProgress() gives bytes, keys, MiB/s and the ETA", () => {
  assert.equal(
    formatProgress(HALF),
    "128.0 MiB of 256.0 MiB (50%), 131,072 keys, 128.0 MiB/s, ETA 1 s",
  );
});

Deno.test("progressBar() fills in proportion to the bytes sent", () => {
  assert.equal(progressBar(HALF, 10), "[#####-----]");
  assert.equal(progressBar({ ...HALF, bytes: 0 }, 4), "[----]");
  assert.equal(progressBar({ ...HALF, bytes: HALF.totalBytes }, 4), "[####]");
});
