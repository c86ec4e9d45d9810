/**
 * Hash-slot arithmetic of a Redis Cluster: the slot count, a key's slot, slot ranges and who
 * owns which slot.
 *
 * @module
 */

import calculateSlot from "cluster-key-slot";
import type { NodeInfo, SlotRange } from "../types.ts";

/** Number of hash slots in a Redis Cluster. */
export const SLOT_COUNT = 16384;

/**
 * The hash slot of a key (CRC16 of the key, or of its `{hash tag}`, mod 16384).
 *
 * @param key The key.
 * @returns The slot, 0 … 16383.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { hashSlot } from "./slots.ts";
 * equal(hashSlot("{user1000}.following"), hashSlot("user1000"));
 * ```
 */
export function hashSlot(key: string | Uint8Array): number {
  return calculateSlot(key as string);
}

/**
 * Number of slots in a list of ranges.
 *
 * @param ranges The ranges, both ends inclusive.
 * @returns The count.
 */
export function slotCount(ranges: readonly SlotRange[]): number {
  return ranges.reduce((sum, [start, end]) => sum + end - start + 1, 0);
}

/**
 * The slots of a list of ranges, ascending.
 *
 * @param ranges The ranges, both ends inclusive.
 * @returns The slots.
 */
export function slotsOf(ranges: readonly SlotRange[]): Int32Array {
  const slots: number[] = [];
  for (const [start, end] of ranges) {
    for (let slot = Math.max(0, start); slot <= Math.min(end, SLOT_COUNT - 1); slot++) {
      slots.push(slot);
    }
  }
  return Int32Array.from(slots).sort();
}

/**
 * A map from slot to the index of the master serving it (-1 for none).
 *
 * @param masters The masters.
 * @returns 16384 entries.
 */
export function slotOwners(masters: readonly NodeInfo[]): Int32Array {
  const owners = new Int32Array(SLOT_COUNT).fill(-1);
  masters.forEach((master, index) => {
    for (const [start, end] of master.slots) owners.fill(index, start, end + 1);
  });
  return owners;
}

/**
 * Describes the slots no master serves, e.g. `0-99, 5000`, or "" when all are served.
 *
 * @param owners The slot owners.
 * @returns The description.
 */
export function uncoveredSlots(owners: Int32Array): string {
  const ranges: string[] = [];
  let start = -1;
  for (let slot = 0; slot <= SLOT_COUNT; slot++) {
    const missing = slot < SLOT_COUNT && owners[slot] === -1;
    if (missing && start < 0) start = slot;
    if (!missing && start >= 0) {
      ranges.push(start === slot - 1 ? `${start}` : `${start}-${slot - 1}`);
      start = -1;
    }
  }
  return ranges.join(", ");
}
