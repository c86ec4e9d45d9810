/**
 * Hash tags that pin a key to a chosen slot.
 *
 * @module
 */

import { hashSlot, SLOT_COUNT } from "../cluster/slots.ts";

/** Length in bytes of every tag in the table. */
export const TAG_LENGTH = 3;

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * One short printable hash tag per slot: a key containing `{tag}` hashes to that slot.
 * Every tag has {@linkcode TAG_LENGTH} alphanumeric bytes.
 */
export interface SlotTagTable {
  /** `bytes[slot * TAG_LENGTH …]` are the tag bytes of `slot`. */
  readonly bytes: Uint8Array;
  /** The tag of a slot as a string. */
  tag(slot: number): string;
}

let cached: SlotTagTable | undefined;

/**
 * Returns the slot-tag table, computed once per process (about 15 ms) with cluster-key-slot:
 * the first three-character alphanumeric string, in alphabet order, that hashes to each slot.
 *
 * @returns The table; the same object on every call.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import calculateSlot from "cluster-key-slot";
 * import { slotTagTable } from "./slot_tags.ts";
 * const table = slotTagTable();
 * equal(calculateSlot(`{${table.tag(42)}}`), 42);
 * ```
 */
export function slotTagTable(): SlotTagTable {
  if (cached) return cached;
  const bytes = new Uint8Array(SLOT_COUNT * TAG_LENGTH);
  const found = new Uint8Array(SLOT_COUNT);
  const base = ALPHABET.length;
  const total = base ** TAG_LENGTH;
  const alphabet = Uint8Array.from(ALPHABET, (char) => char.charCodeAt(0));
  // One reused candidate buffer, hashed as bytes: no string is made per candidate, so the
  // search leaves no garbage to grow the young generation of the heap.
  const candidate = new Uint8Array(TAG_LENGTH);
  let filled = 0;
  for (let n = 0; n < total && filled < SLOT_COUNT; n++) {
    let rest = n;
    for (let k = TAG_LENGTH - 1; k >= 0; k--) {
      candidate[k] = alphabet[rest % base]!;
      rest = Math.floor(rest / base);
    }
    const slot = hashSlot(candidate);
    if (found[slot]) continue;
    found[slot] = 1;
    filled++;
    bytes.set(candidate, slot * TAG_LENGTH);
  }
  if (filled !== SLOT_COUNT) {
    throw new Error(`Slot tag table covers ${filled} of ${SLOT_COUNT} slots`);
  }
  const decoder = new TextDecoder();
  cached = {
    bytes,
    tag(slot: number): string {
      return decoder.decode(bytes.subarray(slot * TAG_LENGTH, (slot + 1) * TAG_LENGTH));
    },
  };
  return cached;
}
