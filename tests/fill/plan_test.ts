import assert from "node:assert/strict";
import { SLOT_COUNT, slotOwners } from "../../lib/cluster/slots.ts";
import { FILL_DEFAULTS } from "../../lib/defaults.ts";
import type { IndexCursor } from "../../lib/fill/batch.ts";
import {
  batchBytesFor,
  redirectPlans,
  slotPlans,
  type WriterPlan,
  writersPerMaster,
} from "../../lib/fill/plan.ts";
import type { NodeInfo, SlotRange, Topology } from "../../lib/types.ts";
import { memoryLogger } from "../_local.ts";

function master(id: string, port: number, slots: SlotRange[]): NodeInfo {
  return { id, host: "127.0.0.1", port, role: "master", slots };
}

function drain(cursor: IndexCursor): number[] {
  const out: number[] = [];
  for (let index = cursor.next(); index >= 0; index = cursor.next()) out.push(index);
  return out;
}

const TOPOLOGIES: Record<string, NodeInfo[]> = {
  "one server": [master("standalone", 6379, [[0, SLOT_COUNT - 1]])],
  "three even masters": [
    master("a", 7000, [[0, 5460]]),
    master("b", 7001, [[5461, 10922]]),
    master("c", 7002, [[10923, 16383]]),
  ],
  "masters with split and uneven ranges": [
    master("a", 7000, [[0, 99], [200, 9000]]),
    master("b", 7001, [[100, 199]]),
    master("c", 7002, [[9001, 16000], [16001, 16383]]),
  ],
};

const RANGES = [
  { start: 0, end: 0 },
  { start: 0, end: 10 },
  { start: 0, end: 50_000 },
  { start: 12_345, end: 45_678 },
  { start: 16_380, end: 16_390 },
];

Deno.test("slotPlans() gives every index in [start, end) to exactly one writer, of the master owning its slot", () => {
  for (const [name, masters] of Object.entries(TOPOLOGIES)) {
    const owners = slotOwners(masters);
    for (const perMaster of [1, 2, 3, 8]) {
      for (const range of RANGES) {
        const plans = slotPlans(masters, range, perMaster);
        const where = `${name}, ${perMaster} per master, [${range.start}, ${range.end})`;
        assert.equal(plans.length, masters.length * perMaster, where);
        const owner = new Map<number, WriterPlan>();
        for (const plan of plans) {
          const indices = drain(plan.cursor);
          assert.deepEqual(indices, [...indices].sort((a, b) => a - b), `${where}: ascending`);
          assert.deepEqual(drain(plan.indices()), indices, `${where}: indices() replays the plan`);
          for (const index of indices) {
            assert.ok(!owner.has(index), `${where}: index ${index} is in two plans`);
            owner.set(index, plan);
            assert.equal(
              plan.node,
              masters[owners[index % SLOT_COUNT]!],
              `${where}: index ${index} goes to the owner of its slot`,
            );
          }
        }
        assert.equal(owner.size, range.end - range.start, `${where}: every index is planned`);
        for (let index = range.start; index < range.end; index++) {
          assert.ok(owner.has(index), `${where}: index ${index} is planned`);
        }
      }
    }
  }
});

Deno.test("slotPlans() deals a master's slots evenly over its writers", () => {
  const [a] = TOPOLOGIES["three even masters"]!;
  const plans = slotPlans([a!], { start: 0, end: SLOT_COUNT }, 3);
  const counts = plans.map((plan) => drain(plan.cursor).length);
  assert.deepEqual(counts, [1821, 1820, 1820]);
  for (const plan of plans) {
    assert.equal(plan.asking, false);
    assert.equal(plan.replaced, false);
    assert.deepEqual(plan.handedOn, []);
    assert.deepEqual(plan.counters, { keys: 0, bytes: 0, acked: 0, errors: 0, firstErrors: [] });
  }
});

Deno.test("redirectPlans() sends each index to the owner of its slot, sorted, and ASKed ones with ASKING", () => {
  const masters = TOPOLOGIES["three even masters"]!;
  const replica: NodeInfo = {
    id: "r",
    host: "127.0.0.1",
    port: 7003,
    role: "replica",
    masterId: "a",
    slots: [],
  };
  const topology: Topology = { mode: "cluster", nodes: [...masters, replica] };
  const redirected = [16_383 + SLOT_COUNT, 5, 6000, 5461, 0, 10_923 + 2 * SLOT_COUNT];
  const asked = new Map([["127.0.0.1:7003", [9, 3]], ["127.0.0.1:7010", [4]]]);
  const plans = redirectPlans(topology, redirected, asked);
  assert.deepEqual(
    plans.map((plan) => ({ id: plan.node.id, asking: plan.asking, indices: drain(plan.cursor) })),
    [
      { id: "a", asking: false, indices: [0, 5] },
      { id: "b", asking: false, indices: [5461, 6000] },
      { id: "c", asking: false, indices: [16_383 + SLOT_COUNT, 10_923 + 2 * SLOT_COUNT] },
      { id: "r", asking: true, indices: [3, 9] },
      { id: "127.0.0.1:7010", asking: true, indices: [4] },
    ],
  );
  assert.equal(plans[3]!.node, replica, "a known address is the topology's node");
  assert.deepEqual(plans[4]!.node, {
    id: "127.0.0.1:7010",
    host: "127.0.0.1",
    port: 7010,
    role: "master",
    slots: [],
  });
  assert.deepEqual(redirectPlans(topology, [], new Map()), []);
});

Deno.test("writersPerMaster() and batchBytesFor() size the writers and their buffers", () => {
  assert.equal(writersPerMaster("standalone"), FILL_DEFAULTS.standaloneConnections);
  assert.equal(writersPerMaster("cluster"), FILL_DEFAULTS.clusterConnections);
  assert.equal(writersPerMaster("cluster", 5), 5);
  assert.equal(writersPerMaster("standalone", 0), 1);
  const logger = memoryLogger();
  const size = (maxCommand: number, writers: number, batchBytes?: number) =>
    batchBytesFor(maxCommand, writers, { batchBytes, logger });
  // The budget over two buffers per writer, within the smallest and largest batch.
  assert.equal(size(1100, 8), FILL_DEFAULTS.bufferBudgetBytes / 16);
  assert.equal(size(1100, 1), FILL_DEFAULTS.bufferBudgetBytes / 2);
  assert.equal(size(1100, 1000), FILL_DEFAULTS.minBatchBytes);
  assert.equal(size(1100, 8, 4096), 4096);
  // Never less than one command.
  assert.equal(size(2_000_000, 8, 4096), 2_000_000);
  assert.equal(size(200_000, 1000), 200_000);
  assert.deepEqual(logger.lines, []);
  // An explicit size is shrunk so that all buffers stay within the most they may take.
  assert.equal(size(1100, 8, 64 * 1024 * 1024), FILL_DEFAULTS.maxBufferBudgetBytes / 16);
  assert.deepEqual(logger.lines, [
    "warn: Batch buffers of 64.0 MiB for 8 writers (two each) would take 1.0 GiB: using 32.0 MiB each, 512.0 MiB in all (the most batch buffers may take)",
  ]);
});
