import assert from "node:assert/strict";
import { FillLedger, type FillLedgerOptions } from "../../lib/fill/ledger.ts";
import { listPlan, type WriterPlan } from "../../lib/fill/plan.ts";
import type { NodeInfo } from "../../lib/types.ts";

function master(id: string, port: number): NodeInfo {
  return { id, host: "127.0.0.1", port, role: "master", slots: [] };
}

const a = master("a", 7000);
const b = master("b", 7001);
const c = master("c", 7002);

function ledgerOf(options: Partial<FillLedgerOptions> = {}): FillLedger {
  return new FillLedger({
    keyspace: { count: 100, keySize: 20, valueSize: 30, seed: 7, prefix: "t:" },
    shard: { index: 0, count: 1 },
    masters: [a, b],
    totalKeys: 100,
    flushed: false,
    acked: false,
    signal: new AbortController().signal,
    ...options,
  });
}

function counted(plan: WriterPlan, keys: number, errors: string[] = []): WriterPlan {
  plan.counters.keys = keys;
  plan.counters.bytes = keys * 50;
  plan.counters.acked = keys;
  plan.counters.errors = errors.length;
  plan.counters.firstErrors = errors;
  return plan;
}

Deno.test("FillLedger.nodeTotals() sums a node's plans and leaves out replaced ones", () => {
  const ledger = ledgerOf();
  const first = counted(listPlan(a, [], false), 10, ["ERR one", "ERR two", "ERR three"]);
  const second = counted(listPlan(a, [], false), 5, ["ERR two", "ERR four", "ERR five", "ERR six"]);
  const lost = counted(listPlan(b, [], false), 7);
  ledger.add([first, second, lost]);
  assert.deepEqual(ledger.nodeTotals(a), {
    keys: 15,
    bytes: 750,
    acked: 15,
    errors: 7,
    firstErrors: ["ERR one", "ERR two", "ERR three", "ERR four", "ERR five"],
  });
  assert.equal(ledger.nodeTotals(b).keys, 7);
  lost.replaced = true;
  assert.deepEqual(ledger.nodeTotals(b), {
    keys: 0,
    bytes: 0,
    acked: 0,
    errors: 0,
    firstErrors: [],
  });
});

Deno.test("FillLedger lists the masters first, then nodes of later rounds, in progress and result", () => {
  const ledger = ledgerOf();
  ledger.add([counted(listPlan(b, [], false), 3)]);
  assert.equal(ledger.plans.length, 1);
  ledger.add([counted(listPlan(c, [], true), 2), counted(listPlan(a, [], false), 4)]);
  assert.equal(ledger.plans.length, 3);
  const snapshot = ledger.snapshot();
  assert.deepEqual(Object.keys(snapshot.perNode), [
    "127.0.0.1:7000",
    "127.0.0.1:7001",
    "127.0.0.1:7002",
  ]);
  assert.deepEqual(Object.values(snapshot.perNode), [4, 3, 2]);
  assert.equal(snapshot.keys, 9);
  assert.equal(snapshot.bytes, 9 * 50);
  assert.equal(snapshot.totalKeys, 100);
  assert.equal(snapshot.totalBytes, 100 * 50);
  assert.deepEqual(ledger.result().nodes.map((node) => node.nodeId), ["a", "b", "c"]);
});

Deno.test("FillLedger.result() reports the keyspace, the mode, an interruption and every error", () => {
  const controller = new AbortController();
  const ledger = ledgerOf({ flushed: true, signal: controller.signal });
  const lost = counted(listPlan(a, [], false), 6, ["OOM a"]);
  ledger.add([lost, counted(listPlan(b, [], false), 4, ["OOM b", "OOM c"])]);
  lost.replaced = true;
  let result = ledger.result();
  assert.deepEqual(result.keyspace, {
    count: 100,
    keySize: 20,
    valueSize: 30,
    seed: 7,
    prefix: "t:",
  });
  assert.deepEqual(result.shard, { index: 0, count: 1 });
  assert.equal(result.written, true);
  assert.equal(result.flushed, true);
  assert.equal(result.acked, false);
  assert.equal(result.interrupted, false);
  assert.equal(result.keys, 4);
  assert.equal(result.bytes, 200);
  assert.equal(result.errors, 2);
  assert.deepEqual(result.nodes, [
    {
      nodeId: "a",
      address: "127.0.0.1:7000",
      keys: 0,
      bytes: 0,
      acked: 0,
      errors: 0,
      firstErrors: [],
    },
    {
      nodeId: "b",
      address: "127.0.0.1:7001",
      keys: 4,
      bytes: 200,
      acked: 4,
      errors: 2,
      firstErrors: ["OOM b", "OOM c"],
    },
  ]);
  assert.ok(result.durationMs >= 0 && result.cpuSeconds >= 0 && result.peakRssBytes > 0);
  ledger.fellBack = true;
  controller.abort();
  result = ledger.result();
  assert.equal(result.acked, true, "a fallback to counted replies is acked mode");
  assert.equal(result.interrupted, true);
});
