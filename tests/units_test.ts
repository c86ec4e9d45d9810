import assert from "node:assert/strict";
import { UsageError } from "../lib/errors.ts";
import { formatBytes, parseSize } from "../lib/units.ts";

Deno.test("parseSize() reads KB/MB/GB and KiB/MiB/GiB as powers of 1024", () => {
  assert.equal(parseSize("64MB"), 64 * 1024 * 1024);
  assert.equal(parseSize("64MiB"), 64 * 1024 * 1024);
  assert.equal(parseSize("1.5GiB"), 1.5 * 1024 ** 3);
  assert.equal(parseSize("512"), 512);
  assert.equal(parseSize("2", { bareUnit: 1024 ** 3 }), 2 * 1024 ** 3);
  assert.equal(parseSize("10kb"), 10240);
});

Deno.test("parseSize() rejects a bad unit with one sentence", () => {
  assert.throws(
    () => parseSize("12 parsecs", { what: "--data" }),
    (error: unknown) =>
      error instanceof UsageError &&
      error.message ===
        'Invalid --data "12 parsecs": expected a size like 512MB, 1.5GiB or 64KB (units B, KB, MB, GB, TB; all powers of 1024)',
  );
  assert.throws(() => parseSize("-1MB"), UsageError);
});

Deno.test("formatBytes() uses binary units", () => {
  assert.equal(formatBytes(512), "512 B");
  assert.equal(formatBytes(64 * 1024 * 1024), "64.0 MiB");
});
