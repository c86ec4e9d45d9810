import assert from "node:assert/strict";
import { UsageError } from "../lib/errors.ts";
import { formatBytes, formatCount, formatDuration, parseSize } from "../lib/units.ts";

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

Deno.test("parseSize() takes a number of bytes as is, times a bare unit", () => {
  assert.equal(parseSize(4096), 4096);
  assert.equal(parseSize(1.5, { bareUnit: 1024 ** 3 }), 1.5 * 1024 ** 3);
  assert.equal(parseSize("1.5", { bareUnit: 1024 }), 1536);
  assert.equal(parseSize(" 2 GiB "), 2 * 1024 ** 3);
  assert.equal(parseSize("1t"), 1024 ** 4);
  assert.equal(parseSize("1.0001KB"), 1024, "rounded down to a whole byte");
  assert.throws(
    () => parseSize(Number.NaN, { what: "--data" }),
    (error: unknown) =>
      error instanceof UsageError &&
      error.message === "Invalid --data NaN: expected a size like 512MB or 1.5GiB",
  );
});

Deno.test("formatBytes() switches unit at each power of 1024, up to TiB", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1024), "1.0 KiB");
  assert.equal(formatBytes(1536 * 1024), "1.5 MiB");
  assert.equal(formatBytes(3 * 1024 ** 3), "3.0 GiB");
  assert.equal(formatBytes(2048 * 1024 ** 4), "2048.0 TiB");
});

Deno.test("formatCount() rounds and separates thousands", () => {
  assert.equal(formatCount(65536), "65,536");
  assert.equal(formatCount(999.6), "1,000");
  assert.equal(formatCount(0), "0");
});

Deno.test("formatDuration() gives ms below a second, seconds below two minutes, then minutes", () => {
  assert.equal(formatDuration(12.4), "12 ms");
  assert.equal(formatDuration(999), "999 ms");
  assert.equal(formatDuration(1000), "1.00 s");
  assert.equal(formatDuration(119_994), "119.99 s");
  assert.equal(formatDuration(125_000), "2 min 5 s");
});
