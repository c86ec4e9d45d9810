import assert from "node:assert/strict";
import { buildRunReport, RunReportSchema } from "../../lib/report/model.ts";
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

Deno.test("buildRunReport() keeps the target's address and user and never its password", () => {
  const report = buildRunReport({
    pipeline: "p",
    target: {
      host: "h",
      port: 1,
      mode: "standalone",
      username: "filler",
      password: "s3cret-pw",
      connectTimeoutMs: 1,
      commandTimeoutMs: 1,
    },
    steps: [{ id: "x", name: "x", ok: false, durationMs: 1, error: "x failed: fill the keys" }],
  });
  assert.deepEqual(report.target, {
    address: "h:1",
    mode: "standalone",
    tls: false,
    username: "filler",
  });
  assert.ok(!JSON.stringify(report).includes("s3cret-pw"));
  // Texts are kept as the code that made them wrote them: nothing is searched for a secret.
  assert.equal(report.steps[0]?.error, "x failed: fill the keys");
  assert.deepEqual([report.status, report.ok], ["failed", false]);
  assert.equal(report.fill, null);
  assert.equal(report.verify, null);
  assert.ok(RunReportSchema.safeParse(report).success);
});

Deno.test("buildRunReport() derives MiB/s, CPU-s per GiB and the shard's index range", () => {
  const report = buildRunReport({
    pipeline: "p",
    target: TARGET,
    fill: fillOf(8192, { bytes: 4 * 1024 * 1024, durationMs: 2000 }),
  });
  const fill = report.fill!;
  assert.equal(fill.mibPerSecond, 2);
  assert.equal(fill.client.cpuSecondsPerGib, 128);
  assert.equal(fill.client.peakRssBytes, 64 * 1024 * 1024);
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
  assert.deepEqual([empty.mibPerSecond, empty.client.cpuSecondsPerGib], [0, null]);
  assert.ok(RunReportSchema.safeParse(report).success);
});

Deno.test("buildRunReport() is passed and ok only when every step finished and verify passed", () => {
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
  assert.deepEqual([passed.status, passed.ok, passed.verify?.verdict], ["passed", true, "pass"]);
  assert.equal(passed.verify?.maxDeviation, 0.123457);
  assert.equal(passed.verify?.nodes[0]?.bytesPerKey, null, "no keys, no bytes per key");
  const failed = buildRunReport({ pipeline: "p", target: TARGET, verify: verify(false) });
  assert.deepEqual([failed.status, failed.ok, failed.verify?.verdict], ["failed", false, "fail"]);
  assert.deepEqual([clusterPassReport().ok, clusterFailReport().ok], [true, false]);
});

Deno.test("buildRunReport() counts masters and replicas and each node's slots", () => {
  const report = clusterPassReport();
  const { nodes, ...counts } = report.topology!;
  assert.deepEqual(counts, { mode: "cluster", masters: 3, replicas: 3 });
  assert.deepEqual(nodes.map((node) => [node.address, node.slots, node.masterId]), [
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

Deno.test("buildRunReport() says interrupted, never ok, for a run stopped mid-fill", () => {
  const steps = [{ id: "fill", name: "fill", ok: true, durationMs: 900 }];
  const cut = fillOf(22_862, { interrupted: true });
  const stopped = buildRunReport({ pipeline: "p", target: TARGET, fill: cut, steps });
  assert.deepEqual([stopped.status, stopped.ok, stopped.fill?.interrupted], [
    "interrupted",
    false,
    true,
  ]);
  // Stopped between steps (the fill had finished): interrupted all the same.
  const between = buildRunReport({
    pipeline: "p",
    target: TARGET,
    fill: fillOf(1000),
    steps,
    interrupted: true,
  });
  assert.deepEqual([between.status, between.ok], ["interrupted", false]);
  assert.ok(RunReportSchema.safeParse(stopped).success);
});
