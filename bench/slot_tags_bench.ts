/**
 * Micro-benchmark: finding the slot of key i — a read of the precomputed slot-tag table (the
 * baseline, what the fill does), against hashing a tag or a whole key with CRC16 as a per-key
 * router would.
 *
 * Run alone: `deno run -A bench/slot_tags_bench.ts`.
 *
 * @module
 */

import calculateSlot from "cluster-key-slot";
import { Buffer } from "node:buffer";
import { Keyspace } from "../lib/fill/keyspace.ts";
import { SLOT_COUNT } from "../lib/cluster/slots.ts";
import { slotTagTable, TAG_LENGTH } from "../lib/fill/slot_tags.ts";
import { type MicroGroup, printMicro, runMicroGroups } from "./_micro.ts";

const KEYS_PER_OP = SLOT_COUNT;

/**
 * The slot-tag lookup group: every call resolves 16384 keys, one per slot.
 *
 * @returns The group.
 */
export function slotTagGroups(): MicroGroup[] {
  const table = slotTagTable();
  const tags = table.bytes;
  const tagStrings = Array.from({ length: SLOT_COUNT }, (_, slot) => `{${table.tag(slot)}}`);
  const keyspace = new Keyspace({
    count: SLOT_COUNT,
    keySize: 512,
    valueSize: 512,
    seed: 1,
    prefix: "redfill:",
  });
  const keys = Array.from({ length: SLOT_COUNT }, (_, i) => Buffer.from(keyspace.key(i)));
  const out = new Uint8Array(TAG_LENGTH);
  let sink = 0;
  const units = KEYS_PER_OP / 1e6;
  return [{
    group: "Slot of key i (16384 keys per call)",
    unit: "M keys/s",
    cases: [
      {
        name: "slot-tag table read (i mod 16384)",
        baseline: true,
        unitsPerOp: units,
        fn: () => {
          for (let i = 0; i < KEYS_PER_OP; i++) {
            const s = (i % SLOT_COUNT) * TAG_LENGTH;
            out[0] = tags[s]!;
            out[1] = tags[s + 1]!;
            out[2] = tags[s + 2]!;
          }
        },
      },
      {
        name: "calculateSlot of the {tag} string",
        unitsPerOp: units,
        fn: () => {
          for (let i = 0; i < KEYS_PER_OP; i++) sink ^= calculateSlot(tagStrings[i]!);
        },
      },
      {
        name: "calculateSlot of a 512-byte key",
        unitsPerOp: units,
        fn: () => {
          for (let i = 0; i < KEYS_PER_OP; i++) sink ^= calculateSlot(keys[i]!);
        },
      },
    ],
  }].map((group) => ({ ...group, sink }));
}

if (import.meta.main) printMicro(await runMicroGroups(slotTagGroups()));
