/**
 * Micro-benchmark: RESP batch generation in MiB/s — `BatchEncoder.fill` into an 8 MiB buffer
 * against a plain copy of the same bytes (the baseline), with a TTL, and encoding each command
 * on its own as a general-purpose client does.
 *
 * Run alone: `deno run -A bench/resp_bench.ts`.
 *
 * @module
 */

import { BatchEncoder, SlotCursor } from "../lib/fill/batch.ts";
import { Keyspace } from "../lib/fill/keyspace.ts";
import { encodeCommand } from "../lib/resp/encode.ts";
import { SLOT_COUNT } from "../lib/cluster/slots.ts";
import type { KeyspaceParams } from "../lib/types.ts";
import { MIB } from "../lib/units.ts";
import { type MicroGroup, printMicro, runMicroGroups } from "./_micro.ts";

const BUFFER_BYTES = 8 * MIB;

/**
 * The RESP generation group: every case fills (or copies into) one 8 MiB buffer per call.
 *
 * @param keySize Key size in bytes (default 512).
 * @param valueSize Value size in bytes (default 512).
 * @returns The group.
 */
export function respGroups(keySize = 512, valueSize = 512): MicroGroup[] {
  const params: KeyspaceParams = {
    count: 1 << 20,
    keySize,
    valueSize,
    seed: 1,
    prefix: "redfill:",
  };
  const plain = new BatchEncoder(new Keyspace(params));
  const withTtl = new BatchEncoder(new Keyspace({ ...params, ttl: { min: 60, max: 120 } }));
  const slots = Int32Array.from({ length: SLOT_COUNT }, (_, slot) => slot);
  const out = new Uint8Array(BUFFER_BYTES);
  // What the bulk writers fill: a buffer followed by its own copy of the value pool.
  const arena = plain.allocate(BUFFER_BYTES);
  const arenaTtl = withTtl.allocate(BUFFER_BYTES);
  // Each case walks the whole keyspace, restarting when it runs out.
  const walker = (encoder: BatchEncoder) => {
    let cursor = new SlotCursor(slots, 0, params.count);
    return (buffer: Uint8Array) => {
      let batch = encoder.fill(buffer, cursor);
      if (batch.keys === 0) {
        cursor = new SlotCursor(slots, 0, params.count);
        batch = encoder.fill(buffer, cursor);
      }
      return batch.length;
    };
  };
  const fillPlain = walker(plain);
  const fillTtl = walker(withTtl);
  // The baseline copies exactly the bytes one BatchEncoder.fill writes.
  const ready = new Uint8Array(BUFFER_BYTES);
  const batchLength = walker(plain)(ready);
  const source = ready.slice(0, batchLength);
  const keyspace = new Keyspace(params);
  let next = 0;
  return [{
    group: `RESP batch into an 8 MiB buffer (${keySize}+${valueSize} B SET)`,
    unit: "MiB/s",
    cases: [
      {
        name: "copy of ready RESP (Uint8Array.set)",
        baseline: true,
        unitsPerOp: batchLength / MIB,
        fn: () => out.set(source),
      },
      {
        name: "BatchEncoder.fill (arena, as the writers)",
        unitsPerOp: batchLength / MIB,
        fn: () => void fillPlain(arena),
      },
      {
        name: "BatchEncoder.fill into a plain buffer",
        unitsPerOp: batchLength / MIB,
        fn: () => void fillPlain(out),
      },
      {
        name: "BatchEncoder.fill with TTL (EX 60-120)",
        unitsPerOp: batchLength / MIB,
        fn: () => void fillTtl(arenaTtl),
      },
      {
        name: "encodeCommand per SET (general client)",
        unitsPerOp: batchLength / MIB,
        fn: () => {
          let at = 0;
          while (at + plain.maxCommandBytes <= batchLength) {
            const index = next++ % params.count;
            const command = encodeCommand(["SET", keyspace.key(index), keyspace.value(index)]);
            out.set(command, at);
            at += command.length;
          }
        },
      },
    ],
  }];
}

if (import.meta.main) printMicro(await runMicroGroups(respGroups()));
