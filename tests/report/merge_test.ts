import assert from "node:assert/strict";
import { UsageError } from "../../lib/errors.ts";
import { shardRange } from "../../lib/fill/keyspace.ts";
import {
  mergeReports,
  readShardReports,
  REPORT_BEGIN,
  REPORT_END,
  type ShardReport,
} from "../../lib/report/merge.ts";
import { buildRunReport, RunReportSchema } from "../../lib/report/model.ts";
import { renderMarkdown } from "../../lib/report/markdown.ts";
import { renderTable } from "../../lib/report/table.ts";
import type { FillResult, KeyspaceParams } from "../../lib/types.ts";
import { assertSnapshot, CLUSTER_TARGET } from "./_reports.ts";

const KEYSPACE: KeyspaceParams = {
  count: 30000,
  keySize: 512,
  valueSize: 512,
  seed: 7,
  prefix: "redfill:",
};
const T0 = Date.parse("2025-01-02T03:00:00.000Z");

/** The report of shard `index` of 3, which ran from T0+startMs for durationMs. */
function shard(
  index: number,
  startMs: number,
  durationMs: number,
  keyspace: KeyspaceParams = KEYSPACE,
  count = 3,
): ShardReport {
  const range = shardRange(keyspace.count, { index, count });
  const keys = range.end - range.start;
  const half = Math.floor(keys / 2);
  const fill: FillResult = {
    keyspace,
    shard: { index, count },
    written: true,
    flushed: false,
    acked: false,
    keys,
    bytes: keys * 1024,
    durationMs,
    cpuSeconds: 0.5 + index / 10,
    peakRssBytes: (90 + index) * 1024 * 1024,
    nodes: [
      {
        nodeId: "a1",
        address: "10.0.0.5:7000",
        keys: half,
        bytes: half * 1024,
        acked: 0,
        errors: 0,
        firstErrors: [],
        dbsize: 999,
      },
      {
        nodeId: "b2",
        address: "10.0.0.6:7001",
        keys: keys - half,
        bytes: (keys - half) * 1024,
        acked: 0,
        errors: 0,
        firstErrors: [],
      },
    ],
    errors: 0,
    interrupted: false,
    startedAt: T0 + startMs,
    endedAt: T0 + startMs + durationMs,
  };
  const report = buildRunReport({
    pipeline: "fill",
    target: CLUSTER_TARGET,
    fill,
    steps: [{ id: "fill", name: "fill", ok: true, durationMs }],
    createdAt: new Date(T0 + startMs + durationMs + 5),
  });
  return { source: `r${index}.json`, report };
}

const AT = new Date("2025-01-02T04:00:00.000Z");

Deno.test("mergeReports() sums keys and bytes per node and measures throughput over first start → last end", () => {
  const merged = mergeReports([shard(2, 500, 2000), shard(0, 0, 2000), shard(1, 250, 2000)], {
    createdAt: AT,
  });
  assert.ok(RunReportSchema.safeParse(merged).success);
  assert.equal(merged.status, "passed");
  assert.equal(merged.ok, true);
  const fill = merged.fill!;
  assert.equal(fill.keys, 30000);
  assert.equal(fill.bytes, 30000 * 1024);
  assert.deepEqual(fill.shard, { index: 0, count: 1, start: 0, end: 30000 });
  assert.equal(fill.startedAt, new Date(T0).toISOString());
  assert.equal(fill.endedAt, new Date(T0 + 2500).toISOString());
  assert.equal(fill.durationMs, 2500);
  assert.equal(fill.mibPerSecond, Math.round((30000 * 1024) / 2.5 / 1048576 * 1000) / 1000);
  assert.equal(fill.client.cpuSeconds, 1.8);
  assert.equal(fill.client.peakRssBytes, 92 * 1024 * 1024);
  assert.deepEqual(fill.nodes.map((node) => [node.nodeId, node.dbsize]), [["a1", null], [
    "b2",
    null,
  ]]);
  assert.equal(fill.nodes.reduce((sum, node) => sum + node.keys, 0), 30000);
  assert.deepEqual(merged.shards!.merged, [0, 1, 2]);
  assert.deepEqual(merged.shards!.reports.map((entry) => entry.client.peakRssBytes), [
    90 * 1048576,
    91 * 1048576,
    92 * 1048576,
  ]);
  assert.ok(!JSON.stringify(merged).includes("hunter2"));
});

Deno.test("mergeReports() of 2 of 3 shards names the missing one and is not ok", () => {
  const merged = mergeReports([shard(0, 0, 1000), shard(1, 0, 1000)], { createdAt: AT });
  assert.equal(merged.status, "failed");
  assert.equal(merged.ok, false);
  assert.deepEqual(merged.shards!.missing, [2]);
  assert.equal(
    merged.steps.find((step) => !step.ok)!.error,
    "Shard 2 of 3 is missing: merge a report of every index 0 … 2 (2 of 3 given)",
  );
  assert.match(renderTable(merged), /2 of 3 merged; missing: 2/);
});

Deno.test("mergeReports() counts the later of two reports for one index and lists the earlier", () => {
  const early = { ...shard(1, -500, 1000), source: "r1-first.json" };
  const merged = mergeReports([shard(0, 0, 1000), shard(1, 5000, 1000), early, shard(2, 0, 900)], {
    createdAt: AT,
  });
  assert.equal(merged.ok, true);
  assert.equal(merged.fill!.keys, 30000, "a retry is not counted twice");
  assert.deepEqual(
    merged.shards!.reports.map((entry) => [entry.index, entry.source, entry.counted]),
    [[0, "r0.json", true], [1, "r1-first.json", false], [1, "r1.json", true], [
      2,
      "r2.json",
      true,
    ]],
  );
  assert.equal(merged.fill!.endedAt, new Date(T0 + 6000).toISOString());
  // The window opens with the superseded run: the time it took is part of the fill's cost.
  assert.equal(merged.fill!.startedAt, new Date(T0 - 500).toISOString());
  assert.equal(merged.fill!.durationMs, 6500);
  assert.match(renderTable(merged), /retried: 1 \(the later report counts\)/);
});

Deno.test("mergeReports() refuses shards of another keyspace or another split with one sentence", () => {
  const other = shard(1, 0, 1000, { ...KEYSPACE, seed: 8 });
  assert.throws(
    () => mergeReports([shard(0, 0, 1000), other]),
    (error: unknown) =>
      error instanceof UsageError &&
      error.message ===
        '"r1.json" fills another keyspace than "r0.json" (seed 8 ≠ 7): merge only shards run with the same size, sizes, seed, prefix and shapes',
  );
  const split = shard(1, 0, 1000, KEYSPACE, 4);
  assert.throws(
    () => mergeReports([shard(0, 0, 1000), split]),
    /^UsageError: "r1\.json" is shard 1\/4 but "r0\.json" is shard 0\/3: merge only the shards of one split \(the same n\)$/,
  );
  const declared = shard(0, 0, 1000);
  declared.report.fill!.written = false;
  assert.throws(() => mergeReports([declared]), /has no fill that wrote keys/);
  assert.throws(() => mergeReports([]), /No shard report to merge/);
});

Deno.test("readShardReports() reads a JSON file, or every marked report in a pod log (kubectl --prefix too)", () => {
  const one = shard(0, 0, 1000).report;
  assert.equal(readShardReports(JSON.stringify(one), "r0.json")[0]!.report.fill!.keys, 10000);
  const json = JSON.stringify(shard(1, 0, 1000).report, null, 2);
  const log = [
    "Task fill deno run …",
    "Filling 9.8 MiB …",
    REPORT_BEGIN,
    JSON.stringify(one, null, 2),
    REPORT_END,
    ...[REPORT_BEGIN, ...json.split("\n"), REPORT_END].map((line) =>
      `[pod/fill-1/redfill] ${line}`
    ),
  ].join("\n");
  const read = readShardReports(log, "fill.log");
  assert.deepEqual(read.map((entry) => [entry.source, entry.report.fill!.shard.index]), [
    ["fill.log#1", 0],
    ["fill.log#2", 1],
  ]);
  assert.throws(() => readShardReports("just logs\n", "x.log"), /"x\.log" holds no redfill report/);
  assert.throws(
    () => readShardReports('{"schemaVersion": 1}', "old.json"),
    /^UsageError: "old\.json" is not a redfill report of schema version 2 \(found 1\)/,
  );
  assert.throws(() => readShardReports("{nope", "bad.json"), /"bad\.json" is not JSON/);
});

Deno.test("a merged report renders its shards as a table and as Markdown (fixtures/reports/merged.*)", async () => {
  const early = { ...shard(1, 0, 800), source: "r1-first.json" };
  const merged = mergeReports(
    [shard(0, 0, 1000), early, shard(1, 1500, 1000), shard(2, 100, 900)],
    {
      createdAt: AT,
    },
  );
  await assertSnapshot(renderTable(merged, { width: 100 }), "merged.txt");
  await assertSnapshot(renderMarkdown(merged), "merged.md");
});
