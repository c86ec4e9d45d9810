import assert from "node:assert/strict";
import {
  bar,
  clientLine,
  fillLine,
  formatDeviation,
  formatTolerance,
  memoryFraction,
  type NodeRow,
  nodeRows,
  nodesLine,
  stepsLine,
  targetLine,
  verdictWord,
  verifyLine,
  wrap,
} from "../../lib/report/_format.ts";
import { buildRunReport } from "../../lib/report/model.ts";
import {
  clusterFailReport,
  clusterPassReport,
  interruptedFillReport,
  standaloneFillReport,
} from "./_reports.ts";

/** A report with a target and nothing else. */
function bareReport() {
  return buildRunReport({
    pipeline: "bare",
    target: {
      host: "127.0.0.1",
      port: 6379,
      mode: "standalone",
      connectTimeoutMs: 1,
      commandTimeoutMs: 1,
    },
  });
}

Deno.test("formatDeviation() and formatTolerance() sign and round percentages", () => {
  assert.equal(formatDeviation(0.0125), "+1.25%");
  assert.equal(formatDeviation(-0.004), "-0.40%");
  assert.equal(formatDeviation(0), "0.00%");
  assert.equal(formatDeviation(-0.00001), "0.00%", "no negative zero");
  assert.equal(formatTolerance(0.2), "±20%");
  assert.equal(formatTolerance(0.125), "±12.5%");
});

Deno.test("bar() fills its share of the cells, clamped to 0 … 1", () => {
  assert.equal(bar(0.5, 10), "█████░░░░░");
  assert.equal(bar(0, 4), "░░░░");
  assert.equal(bar(2, 4), "████");
  assert.equal(bar(-1, 4), "░░░░");
  assert.equal(bar(Number.NaN, 3), "░░░");
});

Deno.test("verdictWord() is pass/fail with verify, done/failed without, interrupted when stopped", () => {
  assert.equal(verdictWord(interruptedFillReport()), "interrupted");
  assert.equal(verdictWord(clusterPassReport()), "pass");
  assert.equal(verdictWord(clusterFailReport()), "fail");
  assert.equal(verdictWord(standaloneFillReport()), "done");
  const failed = buildRunReport({
    pipeline: "p",
    target: { host: "h", port: 1, mode: "auto", connectTimeoutMs: 1, commandTimeoutMs: 1 },
    steps: [{ id: "connect", name: "connect", ok: false, durationMs: 1 }],
  });
  assert.equal(verdictWord(failed), "failed");
});

Deno.test("the one-line summaries say what ran, and nothing for what did not", () => {
  const pass = clusterPassReport();
  assert.equal(targetLine(pass), "10.0.0.5:7000, cluster, TLS, user filler");
  assert.equal(targetLine(bareReport()), "127.0.0.1:6379, standalone, no TLS");
  assert.equal(nodesLine(pass), "3 masters, 3 replicas");
  assert.equal(nodesLine(standaloneFillReport()), "1 standalone server");
  assert.match(
    fillLine(pass)!,
    /^1,048,576 keys, 1\.0 GiB in 7\.23 s: 141\.5 MiB\/s, after a flush$/,
  );
  assert.match(fillLine(standaloneFillReport())!, /, after a flush, acked$/);
  assert.equal(clientLine(pass), "3.21 CPU-s (3.21 CPU-s per GiB), peak RSS 96.0 MiB");
  assert.match(verifyLine(pass)!, /^pass: 1,048,576 of 1,048,576 keys, largest deviation/);
  assert.match(stepsLine(clusterFailReport())!, /verify \d+ ms \(failed\)$/);
  const bare = bareReport();
  assert.deepEqual(
    [nodesLine(bare), fillLine(bare), clientLine(bare), verifyLine(bare), stepsLine(bare)],
    [undefined, undefined, undefined, undefined, undefined],
  );
});

Deno.test("verifyLine() says at least for count: fast and names content: full", () => {
  const base = clusterPassReport();
  const fast = { ...base, verify: { ...base.verify!, count: "fast" as const, totalKeys: 1048600 } };
  assert.match(
    verifyLine(fast)!,
    /^pass: at least 1,048,576 keys expected, DBSIZE 1,048,600 \(count: fast\), largest deviation/,
  );
  const full = {
    ...base,
    verify: { ...base.verify!, content: "full" as const, sampled: 1048576, mismatched: 0 },
  };
  assert.match(verifyLine(full)!, /, 1,048,576 of 1,048,576 keys match \(content: full\)$/);
});

Deno.test("fillLine() describes a declared keyspace and a shard", () => {
  const base = clusterPassReport();
  const declared = { ...base, fill: { ...base.fill!, written: false } };
  assert.equal(
    fillLine(declared),
    "declared: 1,048,576 keys of 512+512 bytes, seed 7 (written earlier)",
  );
  assert.equal(clientLine(declared), undefined);
  const sharded = { ...base, fill: { ...base.fill!, shard: { ...base.fill!.shard, count: 3 } } };
  assert.match(fillLine(sharded)!, / \(shard 0\/3\), after a flush$/);
});

Deno.test("nodeRows() shows verify's masters, else the fill's nodes, else the topology's", () => {
  const verified = nodeRows(clusterPassReport());
  assert.equal(verified.keysFound, true);
  assert.deepEqual(verified.rows.map((row) => [row.address, row.slots]), [
    ["10.0.0.5:7000", 8000],
    ["10.0.0.6:7001", 4000],
    ["10.0.0.7:7002", 4384],
  ]);
  assert.ok(verified.rows.every((row) => row.bytesSent !== undefined));
  const filled = nodeRows(standaloneFillReport());
  assert.equal(filled.keysFound, false);
  assert.deepEqual(filled.rows.map((row) => [row.keys, row.slots, row.expectedKeys]), [
    [262144, 16384, undefined],
  ]);
  const topologyOnly = nodeRows({ ...clusterPassReport(), fill: null, verify: null });
  assert.deepEqual(topologyOnly.rows.map((row) => [row.address, row.keys]), [
    ["10.0.0.5:7000", 0],
    ["10.0.0.6:7001", 0],
    ["10.0.0.7:7002", 0],
  ]);
});

Deno.test("memoryFraction() is of maxmemory when set, else of the largest node", () => {
  const row = (usedMemory: number | undefined, maxMemory: number | undefined) =>
    ({ usedMemory, maxMemory }) as NodeRow;
  assert.equal(memoryFraction(row(50, 200), 1000), 0.25);
  assert.equal(memoryFraction(row(50, 0), 100), 0.5);
  assert.equal(memoryFraction(row(50, 0), 0), 0);
  assert.equal(memoryFraction(row(undefined, undefined), 100), 0);
});

Deno.test("wrap() breaks at spaces within the width and keeps long words whole", () => {
  assert.deepEqual(wrap("one two three four", 9), ["one two", "three", "four"]);
  assert.deepEqual(wrap("a verylongword b", 4), ["a", "verylongword", "b"]);
  assert.deepEqual(wrap("", 10), [""]);
});
