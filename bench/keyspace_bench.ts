/**
 * Micro-benchmark: deriving key i and value i — against copying a fixed key or a fixed value
 * (the baselines).
 *
 * Run alone: `deno run -A bench/keyspace_bench.ts`.
 *
 * @module
 */

import { Keyspace, mix } from "../lib/fill/keyspace.ts";
import { type MicroGroup, printMicro, runMicroGroups } from "./_micro.ts";

const KEYS_PER_OP = 4096;

/**
 * The key and value derivation groups: every call derives 4096 keys or values.
 *
 * @param keySize Key size in bytes (default 512).
 * @param valueSize Value size in bytes (default 512).
 * @returns The groups.
 */
export function keyspaceGroups(keySize = 512, valueSize = 512): MicroGroup[] {
  const keyspace = new Keyspace({
    count: 1 << 20,
    keySize,
    valueSize,
    seed: 1,
    prefix: "redfill:",
  });
  const template = keyspace.keyTemplate;
  const out = new Uint8Array(Math.max(keySize, valueSize));
  const units = KEYS_PER_OP / 1e6;
  let base = 0;
  let sink = 0;
  const nextBase = () => (base = (base + KEYS_PER_OP) % (keyspace.count - KEYS_PER_OP));
  const fixedValue = keyspace.value(0);
  return [
    {
      group: `Key i (${keySize} B, ${KEYS_PER_OP} keys per call)`,
      unit: "M keys/s",
      cases: [
        {
          name: "copy of the key template",
          baseline: true,
          unitsPerOp: units,
          fn: () => {
            for (let k = 0; k < KEYS_PER_OP; k++) out.set(template, 0);
          },
        },
        {
          name: "Keyspace.writeKey (copy + tag + digits)",
          unitsPerOp: units,
          fn: () => {
            const first = nextBase();
            for (let k = 0; k < KEYS_PER_OP; k++) keyspace.writeKey(first + k, out, 0);
          },
        },
        {
          name: "Keyspace.patchKey (tag + digits only)",
          unitsPerOp: units,
          fn: () => {
            const first = nextBase();
            for (let k = 0; k < KEYS_PER_OP; k++) keyspace.patchKey(first + k, out, 0);
          },
        },
        {
          name: "Keyspace.keyString (for verify)",
          unitsPerOp: units,
          fn: () => {
            const first = nextBase();
            for (let k = 0; k < KEYS_PER_OP; k++) sink ^= keyspace.keyString(first + k).length;
          },
        },
      ],
    },
    {
      group: `Value i (${valueSize} B, ${KEYS_PER_OP} values per call)`,
      unit: "M values/s",
      cases: [
        {
          name: "copy of a fixed value",
          baseline: true,
          unitsPerOp: units,
          fn: () => {
            for (let k = 0; k < KEYS_PER_OP; k++) out.set(fixedValue, 0);
          },
        },
        {
          name: "Keyspace.value (mix + pool view) + copy",
          unitsPerOp: units,
          fn: () => {
            const first = nextBase();
            for (let k = 0; k < KEYS_PER_OP; k++) out.set(keyspace.value(first + k), 0);
          },
        },
        {
          name: "mix(seed, i) alone",
          unitsPerOp: units,
          fn: () => {
            const first = nextBase();
            for (let k = 0; k < KEYS_PER_OP; k++) sink ^= mix(1, first + k);
          },
        },
      ],
    },
  ].map((group) => ({ ...group, sink }));
}

if (import.meta.main) printMicro(await runMicroGroups(keyspaceGroups()));
