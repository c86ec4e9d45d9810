import assert from "node:assert/strict";
import {
  hashSlot,
  SLOT_COUNT,
  slotCount,
  slotOwners,
  slotsOf,
  uncoveredSlots,
} from "../../lib/cluster/slots.ts";
import type { NodeInfo } from "../../lib/types.ts";

Deno.test("hashSlot() gives the slots Redis documents for CLUSTER KEYSLOT", () => {
  // From the Redis documentation of CLUSTER KEYSLOT and of hash tags.
  assert.equal(hashSlot("somekey"), 11058);
  assert.equal(hashSlot("foo{hash_tag}"), 2515);
  assert.equal(hashSlot("foo"), 12182);
  assert.equal(hashSlot("{hash_tag}bar"), hashSlot("hash_tag"));
  assert.equal(hashSlot(new TextEncoder().encode("somekey")), 11058);
  assert.equal(SLOT_COUNT, 16384);
});

Deno.test("slotCount() and slotsOf() count and list inclusive ranges", () => {
  assert.equal(slotCount([[0, 5460], [5461, 10922], [10923, 16383]]), 16384);
  assert.equal(slotCount([[7, 7]]), 1);
  assert.equal(slotCount([]), 0);
  assert.deepEqual([...slotsOf([[10, 12], [3, 3]])], [3, 10, 11, 12]);
  assert.deepEqual([...slotsOf([[16382, 20000]])], [16382, 16383], "clipped to 16383");
});

Deno.test("slotOwners() maps each slot to its master's index, -1 where none serves it", () => {
  const master = (slots: [number, number][]): NodeInfo => ({
    id: "x",
    host: "h",
    port: 1,
    role: "master",
    slots,
  });
  const owners = slotOwners([master([[0, 99]]), master([[200, 16383]])]);
  assert.equal(owners.length, SLOT_COUNT);
  assert.deepEqual([owners[0], owners[99], owners[100], owners[199], owners[200], owners[16383]], [
    0,
    0,
    -1,
    -1,
    1,
    1,
  ]);
  assert.equal(uncoveredSlots(owners), "100-199");
});

Deno.test("uncoveredSlots() lists single slots and ranges, and nothing when all are served", () => {
  const owners = new Int32Array(SLOT_COUNT).fill(0);
  assert.equal(uncoveredSlots(owners), "");
  owners[0] = -1;
  owners.fill(-1, 5000, 5003);
  owners[16383] = -1;
  assert.equal(uncoveredSlots(owners), "0, 5000-5002, 16383");
});
