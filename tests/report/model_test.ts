import assert from "node:assert/strict";
import { buildRunReport, redact, RunReportSchema } from "../../lib/report/model.ts";
import type { FillResult, Target, VerifyResult } from "../../lib/types.ts";
import { clusterFailReport, clusterPassReport } from "./_reports.ts";

const TARGET: Target = {
  host: "127.0.0.1",
  port: 6379,
  mode: "standalone",
  connectTimeoutMs: 5000,
  commandTimeoutMs: 10000,
};

/** A fill of `keys` keys of 64 + 64 bytes in one second. */
function fillOf(keys: number, overrides: Partial<FillResult> = {}): FillResult {
  return {
    keyspace: { count: 1000, keySize: 64, valueSize: 64, seed: 1, prefix: "redfill:" },
    shard: { index: 1, count: 4 },
    written: true,
    flushed: false,
    acked: false,
    keys,
    bytes: keys * 128,
    durationMs: 1000,
    cpuSeconds: 0.5,
    peakRssBytes: 64 * 1024 * 1024 + 0.4,
    nodes: [],
    errors: 0,
    interrupted: false,
    ...overrides,
  };
}

Deno.test("buildRunReport() scrubs the password even from step errors that quote it", () => {
  const report = buildRunReport({
    pipeline: "p",
    target: {
      host: "h",
      port: 1,
      mode: "standalone",
      password: "s3cret-pw",
      connectTimeoutMs: 1,
      commandTimeoutMs: 1,
    },
    steps: [{ id: "x", name: "x", ok: false, durationMs: 1, error: 'got "s3cret-pw" back' }],
  });
  assert.equal(report.steps[0]?.error, 'got "***" back');
  assert.equal(report.ok, false);
  assert.equal(report.fill, null);
  assert.equal(report.verify, null);
  assert.ok(RunReportSchema.safeParse(report).success);
});

Deno.test("buildRunReport() derives throughput, CPU per GB and the shard's index range", () => {
  const report = buildRunReport({ pipeline: "p", target: TARGET, fill: fillOf(250) });
  const fill = report.fill!;
  assert.equal(fill.megabytesPerSecond, 0.032);
  assert.equal(fill.cpuSecondsPerGigabyte, 15625);
  assert.equal(fill.peakRssBytes, 64 * 1024 * 1024);
  assert.equal(fill.keyspace.ttl, null);
  assert.deepEqual(
    [fill.shard.index, fill.shard.count],
    [1, 4],
  );
  const empty = buildRunReport({
    pipeline: "p",
    target: TARGET,
    fill: fillOf(0, { durationMs: 0, written: false }),
  }).fill!;
  assert.deepEqual([empty.megabytesPerSecond, empty.cpuSecondsPerGigabyte], [0, null]);
  assert.ok(RunReportSchema.safeParse(report).success);
});

Deno.test("buildRunReport() is ok only when every step finished and verify passed", () => {
  const verify = (ok: boolean): VerifyResult => ({
    ok,
    checks: [{ name: "count", ok, detail: "10 of 10" }],
    totalKeys: 10,
    expectedKeys: 10,
    maxDeviation: 0.1234567,
    tolerance: 0.2,
    sampled: 10,
    mismatched: ok ? 0 : 1,
    nodes: [{
      nodeId: "standalone",
      address: "127.0.0.1:6379",
      slots: 16384,
      keys: 0,
      expectedKeys: 10,
      deviation: -1,
      usedMemory: 1000,
      maxMemory: 0,
    }],
  });
  const passed = buildRunReport({ pipeline: "p", target: TARGET, verify: verify(true) });
  assert.deepEqual([passed.ok, passed.verify?.verdict], [true, "pass"]);
  assert.equal(passed.verify?.maxDeviation, 0.123457);
  assert.equal(passed.verify?.nodes[0]?.bytesPerKey, null, "no keys, no bytes per key");
  const failed = buildRunReport({ pipeline: "p", target: TARGET, verify: verify(false) });
  assert.deepEqual([failed.ok, failed.verify?.verdict], [false, "fail"]);
  assert.deepEqual([clusterPassReport().ok, clusterFailReport().ok], [true, false]);
});

Deno.test("buildRunReport() counts masters and replicas and each node's slots", () => {
  const report = clusterPassReport();
  assert.deepEqual(report.topology, { mode: "cluster", masters: 3, replicas: 3 });
  assert.deepEqual(report.nodes.map((node) => [node.address, node.slots, node.masterId]), [
    ["10.0.0.5:7000", 8000, null],
    ["10.0.0.6:7001", 4000, null],
    ["10.0.0.7:7002", 4384, null],
    ["10.0.0.8:7003", 0, "a1"],
    ["10.0.0.9:7004", 0, "b2"],
    ["10.0.0.10:7005", 0, "c3"],
  ]);
  assert.deepEqual(report.target, {
    address: "10.0.0.5:7000",
    mode: "cluster",
    tls: true,
    username: "filler",
  });
});

Deno.test("redact() replaces every secret in every string of a value, and ignores empty ones", () => {
  const value = { a: ["x s3cret y s3cret"], b: { c: "top s3cret", n: 1 }, d: null };
  assert.deepEqual(redact(value, ["s3cret", undefined, ""]), {
    a: ["x *** y ***"],
    b: { c: "top ***", n: 1 },
    d: null,
  });
  assert.equal(redact(value, []), value, "nothing to remove: the same value");
  assert.equal(redact(value, [undefined, ""]), value);
  assert.equal(redact("s3cret", ["s3cret"]), "***");
});
