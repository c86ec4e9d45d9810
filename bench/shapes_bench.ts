/**
 * Micro-benchmark: RESP generation per data shape in MiB/s of RESP — `ShapeBatchEncoder.fill`
 * into an 8 MiB buffer for each built-in type, beside the primed `SET` encoder of the plain
 * string keyspace (the baseline) and the shape encoder writing the same plain strings.
 *
 * Run alone: `deno run -A bench/shapes_bench.ts`.
 *
 * @module
 */

import { BatchEncoder, type CommandEncoder, SlotCursor } from "../lib/fill/batch.ts";
import { Keyspace } from "../lib/fill/keyspace.ts";
import { ShapeBatchEncoder, shapeMixOf } from "../lib/fill/shape_batch.ts";
import { SLOT_COUNT } from "../lib/cluster/slots.ts";
import type { KeyspaceParams, KeyspaceShape } from "../lib/types.ts";
import { MIB } from "../lib/units.ts";
import { type MicroGroup, printMicro, runMicroGroups } from "./_micro.ts";

const BUFFER_BYTES = 8 * MIB;

/** The shapes measured: each built-in type with middling sizes. */
export const BENCH_SHAPES: Record<string, KeyspaceShape> = {
  string: { type: "string", share: 1, options: { "value-size": "64-1KiB" } },
  hash: { type: "hash", share: 1, options: { fields: 20, "field-size": 32 } },
  list: { type: "list", share: 1, options: { elements: 20, "element-size": 32 } },
  set: { type: "set", share: 1, options: { members: 20, "member-size": 32 } },
  zset: { type: "zset", share: 1, options: { members: 20, "member-size": 32 } },
  stream: { type: "stream", share: 1, options: { entries: 5, fields: 4, "field-size": 32 } },
};

/**
 * The shape encoder group.
 *
 * @param keySize Key size in bytes (default 64).
 * @returns The group.
 */
export function shapeGroups(keySize = 64): MicroGroup[] {
  const params: KeyspaceParams = {
    count: 1 << 20,
    keySize,
    valueSize: 512,
    seed: 1,
    prefix: "redfill:",
  };
  const slots = Int32Array.from({ length: SLOT_COUNT }, (_, slot) => slot);
  const walker = (encoder: CommandEncoder) => {
    let cursor = new SlotCursor(slots, 0, params.count);
    const buffer = encoder.allocate(BUFFER_BYTES);
    const step = () => {
      let batch = encoder.fill(buffer, cursor);
      if (batch.keys === 0) {
        cursor = new SlotCursor(slots, 0, params.count);
        batch = encoder.fill(buffer, cursor);
      }
      return batch.length;
    };
    return { step, bytes: step() };
  };
  const plain = walker(new BatchEncoder(new Keyspace(params)));
  const samePlain = walker(
    new ShapeBatchEncoder(
      shapeMixOf(
        new Keyspace({
          ...params,
          shapes: [{ type: "string", share: 1, options: { "value-size": 512 } }],
        }),
      ),
    ),
  );
  const cases = Object.entries(BENCH_SHAPES).map(([name, shape]) => {
    const run = walker(
      new ShapeBatchEncoder(shapeMixOf(new Keyspace({ ...params, shapes: [shape] }))),
    );
    return {
      name: `${name} (${JSON.stringify(shape.options).replace(/["{}]/g, "")})`,
      unitsPerOp: run.bytes / MIB,
      fn: () => void run.step(),
    };
  });
  return [{
    group: `Shape RESP into an 8 MiB buffer (${keySize} B keys)`,
    unit: "MiB/s",
    cases: [
      {
        name: "BatchEncoder.fill, plain 512 B strings (primed SET)",
        baseline: true,
        unitsPerOp: plain.bytes / MIB,
        fn: () => void plain.step(),
      },
      {
        name: "ShapeBatchEncoder.fill, the same 512 B strings",
        unitsPerOp: samePlain.bytes / MIB,
        fn: () => void samePlain.step(),
      },
      ...cases,
    ],
  }];
}

if (import.meta.main) printMicro(await runMicroGroups(shapeGroups()));
