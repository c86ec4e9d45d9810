/**
 * Macro benchmark per data shape: for each built-in type, the fill of a local standalone
 * server beside that type's own raw ceiling — the same commands pre-generated and streamed
 * over one socket with `CLIENT REPLY OFF` — in interleaved rounds (ceiling, fill, ceiling,
 * fill …, a FLUSHALL before each), reporting medians: MiB/s of keys and contents, the ratio
 * fill / ceiling, and the fill's client CPU-s per GiB.
 *
 * Run: `deno run -A bench/shapes_macro.ts [--size 64MiB] [--rounds 3] [--types hash,zset]`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { runFill } from "../lib/fill/fill.ts";
import { localTarget, startLocalRedis } from "../lib/local/mod.ts";
import { meanPayloadBytes } from "../lib/steps/shape_options.ts";
import { StandaloneTransport } from "../lib/transport/standalone.ts";
import { silentLogger } from "../lib/logger.ts";
import type { KeyspaceParams } from "../lib/types.ts";
import { parseSize } from "../lib/units.ts";
import { generateCeiling, streamCeiling } from "./ceiling.ts";
import { BENCH_SHAPES } from "./shapes_bench.ts";

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/** What one type measured (medians over the rounds). */
export interface ShapeMacroRow {
  type: string;
  keys: number;
  ceilingMibPerSecond: number;
  fillMibPerSecond: number;
  ratio: number;
  fillCpuSecondsPerGib: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Runs the per-type macro benchmark.
 *
 * @param options Payload size per run, rounds and types.
 * @returns One row per type.
 */
export async function runShapesMacro(
  options: { sizeBytes: number; rounds: number; types: string[] },
): Promise<ShapeMacroRow[]> {
  await using local = await startLocalRedis();
  const target = localTarget(local);
  const transport = new StandaloneTransport({ target, logger: silentLogger });
  await transport.connect();
  const rows: ShapeMacroRow[] = [];
  try {
    for (const type of options.types) {
      const shape = type === "plain" ? undefined : BENCH_SHAPES[type]!;
      const base = { keySize: 64, valueSize: 512, seed: 1, prefix: "redfill:" };
      const mean = shape
        ? meanPayloadBytes([shape], { keySize: 64, seed: 1 })
        : base.keySize + base.valueSize;
      const params: KeyspaceParams = {
        ...base,
        count: Math.ceil(options.sizeBytes / mean),
        ...(shape ? { shapes: [shape], valueSize: Math.max(1, Math.round(mean - 64)) } : {}),
      };
      const payload = generateCeiling(params);
      const ceilings: number[] = [];
      const fills: number[] = [];
      const cpu: number[] = [];
      for (let round = 0; round < options.rounds; round++) {
        await transport.call(["FLUSHALL"]);
        const ceiling = await streamCeiling(target, payload, params.keySize + params.valueSize);
        ceilings.push(ceiling.bytes / MIB / (ceiling.durationMs / 1000));
        await transport.call(["FLUSHALL"]);
        const fill = await runFill(transport, { keyspace: params, logger: silentLogger });
        fills.push(fill.bytes / MIB / (fill.durationMs / 1000));
        cpu.push(fill.cpuSeconds / (fill.bytes / GIB));
      }
      const ceiling = median(ceilings);
      const fill = median(fills);
      rows.push({
        type,
        keys: params.count,
        ceilingMibPerSecond: Math.round(ceiling * 10) / 10,
        fillMibPerSecond: Math.round(fill * 10) / 10,
        ratio: Math.round((fill / ceiling) * 100) / 100,
        fillCpuSecondsPerGib: Math.round(median(cpu) * 100) / 100,
      });
    }
  } finally {
    await transport.close();
  }
  return rows;
}

/**
 * The rows as a Markdown table.
 *
 * @param rows The rows.
 * @returns The table.
 */
export function shapesMacroTable(rows: readonly ShapeMacroRow[]): string {
  const lines = [
    "| shape | keys | raw ceiling MiB/s | fill MiB/s | fill / ceiling | fill CPU-s per GiB |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((row) =>
      `| ${row.type} | ${row.keys} | ${row.ceilingMibPerSecond} | ${row.fillMibPerSecond} | ${row.ratio} | ${row.fillCpuSecondsPerGib} |`
    ),
  ];
  return lines.join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      size: { type: "string", default: "64MiB" },
      rounds: { type: "string", default: "3" },
      types: { type: "string", default: ["plain", ...Object.keys(BENCH_SHAPES)].join(",") },
    },
  });
  const rows = await runShapesMacro({
    sizeBytes: parseSize(values.size),
    rounds: Number(values.rounds),
    types: values.types.split(","),
  });
  console.log(shapesMacroTable(rows));
}
