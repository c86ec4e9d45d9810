import assert from "node:assert/strict";
import { buildRunReport } from "../../lib/report/model.ts";
import { renderTable } from "../../lib/report/table.ts";
import type { FillResult } from "../../lib/types.ts";

const TARGET = {
  host: "127.0.0.1",
  port: 7000,
  mode: "cluster" as const,
  connectTimeoutMs: 5000,
  commandTimeoutMs: 10000,
};

function fill(extra: Partial<FillResult>): FillResult {
  return {
    keyspace: { count: 4, keySize: 16, valueSize: 16, seed: 1, prefix: "p:" },
    shard: { index: 0, count: 1 },
    written: true,
    flushed: false,
    acked: true,
    keys: 4,
    bytes: 128,
    durationMs: 10,
    cpuSeconds: 0.01,
    peakRssBytes: 1024,
    nodes: [{
      nodeId: "a",
      address: "127.0.0.1:7000",
      keys: 4,
      bytes: 128,
      acked: 4,
      errors: 0,
      firstErrors: [],
      replication: { wanted: 1, acknowledged: 1 },
    }],
    errors: 0,
    interrupted: false,
    ...extra,
  };
}

Deno.test("renderTable() says the server counters were not read, and why, when INFO was refused", () => {
  const report = buildRunReport({
    pipeline: "p",
    target: TARGET,
    fill: fill({
      server: {
        read: false,
        readings: 2,
        nodes: [{
          nodeId: "a",
          address: "127.0.0.1:7000",
          read: false,
          reason: "NOPERM this user has no permissions to run the 'info' command",
          evictedKeys: 0,
          expiredKeys: 0,
          errorReplies: 0,
          rejectedCalls: 0,
          errors: {},
        }],
      },
    }),
  });
  assert.equal(report.fill?.server?.read, false);
  assert.match(report.fill!.server!.note, /server-wide/);
  const text = renderTable(report, { width: 200 });
  assert.match(
    text,
    /Server +counters not read \(INFO stats\/errorstats: NOPERM this user has no permissions to run the 'info' command\): rejected writes and evictions were not checked/,
  );
});

Deno.test("renderTable() says how many replicas acknowledged with durability: replicas, and the re-sent slots", () => {
  const report = buildRunReport({
    pipeline: "p",
    target: TARGET,
    fill: fill({ waitedForReplicas: true, resentSlots: 12 }),
  });
  assert.deepEqual(report.fill?.nodes[0]?.replication, { wanted: 1, acknowledged: 1 });
  const text = renderTable(report, { width: 200 });
  assert.match(text, /replicas acknowledged 1 of 1 on every master, 12 moved slots re-sent/);
  assert.equal(report.fill?.server, null);
});
