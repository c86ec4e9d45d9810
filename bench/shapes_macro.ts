/**
 * Macro benchmark per data shape: for each built-in type, the fill of a local standalone
 * server beside that type's own raw ceiling — the same commands pre-generated and streamed
 * over one socket with `CLIENT REPLY OFF` — in interleaved rounds (ceiling, fill, ceiling,
 * fill …, a FLUSHALL before each, DBSIZE checked after each), reporting medians: MiB/s of keys
 * and contents, the ratio fill / ceiling, and the fill's client CPU-s per GiB.
 *
 * `deno task bench --shapes` runs it and records the rows in the JSON report (`shapes`);
 * run alone, `deno run -A bench/shapes_macro.ts [--size 64MiB] [--rounds 3] [--types hash,zset]`
 * prints the Markdown table and writes no file.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { runFill } from "../lib/fill/fill.ts";
import { localTarget, startLocalRedis } from "../lib/local/mod.ts";
import { infoField } from "../lib/resp/info.ts";
import { meanPayloadBytes } from "../lib/steps/shape_options.ts";
import { StandaloneTransport } from "../lib/transport/standalone.ts";
import { silentLogger } from "../lib/logger.ts";
import type { KeyspaceParams, KeyspaceShape } from "../lib/types.ts";
import { GIB, mibPerSecond, parseSize } from "../lib/units.ts";
import { generateCeiling, streamCeiling } from "./ceiling.ts";
import { BENCH_SHAPES } from "./shapes_bench.ts";

/** Key size of every shape case, whatever the bench's `--key-size`. */
export const SHAPES_KEY_SIZE = 64;

/** The plain string case: 512 B values through the primed `SET` encoder, no shape. */
export const PLAIN_VALUE_SIZE = 512;

/** The shape case ids, in the order they run: `plain`, then each of {@linkcode BENCH_SHAPES}. */
export const SHAPE_TYPES: readonly string[] = ["plain", ...Object.keys(BENCH_SHAPES)];

/** One round of one type. */
export interface ShapeMacroRound {
  /** The round, from 1. */
  round: number;
  /** The raw ceiling's MiB/s of keys and contents. */
  ceilingMibPerSecond: number;
  /** The fill's MiB/s of keys and contents. */
  fillMibPerSecond: number;
  /** The fill's client CPU seconds per GiB of keys and contents. */
  fillCpuSecondsPerGib: number;
}

/** What one type measured: medians over the rounds, and every round. */
export interface ShapeMacroRow {
  /** `plain` or a key of {@linkcode BENCH_SHAPES}. */
  type: string;
  /** The type and its sizes, for tables (`hash, 20 fields of 32 B`). */
  label: string;
  /** Keys per run. */
  keys: number;
  /** Bytes of keys and contents per fill run. */
  bytes: number;
  /**
   * Bytes of RESP per run (the ceiling's, which are the fill's): a collection's framing, its
   * scores or ids and its repeated key make it larger than `bytes`.
   */
  respBytes: number;
  /** `respBytes / bytes`. */
  respPerPayload: number;
  /** Median raw ceiling MiB/s. */
  ceilingMibPerSecond: number;
  /** Median fill MiB/s. */
  fillMibPerSecond: number;
  /** `fillMibPerSecond / ceilingMibPerSecond` (of the medians). */
  ratio: number;
  /** Median client CPU seconds per GiB of the fill (of keys and contents). */
  fillCpuSecondsPerGib: number;
  /**
   * The same per GiB of RESP sent: what the client pays per byte on the wire. The socket's share
   * bounds it from below (the plain string fill, whose encoder is nearly free, pays about 0.76
   * CPU-s per GiB of RESP on the 2-core machine this was written on).
   */
  fillCpuSecondsPerRespGib: number;
  /** Every round, in order. */
  rounds: ShapeMacroRound[];
}

/** What {@linkcode runShapesMacro} measured, as the bench report's `shapes` key holds it. */
export interface ShapesMacroResult {
  /** Key size of every case ({@linkcode SHAPES_KEY_SIZE}). */
  keySize: number;
  /** One row per type, in the order they ran. */
  rows: ShapeMacroRow[];
}

/** Options for {@linkcode runShapesMacro}. */
export interface ShapesMacroOptions {
  /** Bytes of keys and contents per run. */
  sizeBytes: number;
  /** Interleaved rounds. */
  rounds: number;
  /** The types, from {@linkcode SHAPE_TYPES} (default all). */
  types?: readonly string[] | undefined;
  /** Keyspace seed (default 1). */
  seed?: number | undefined;
  /** Writers per master for every fill (default: the fill's own). */
  connections?: number | undefined;
  /** Bytes per batch buffer for every fill (default: the fill's own). */
  batchBytes?: number | undefined;
  /** Let lib/local stop the server on a signal (default true; the bench command has its own). */
  handleSignals?: boolean | undefined;
  /** Receives one line per round of each type. */
  log?: ((line: string) => void) | undefined;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function size(value: unknown): string {
  return typeof value === "number" ? `${value} B` : String(value);
}

/**
 * The type and sizes of a shape case, for tables.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { shapeLabel } from "./shapes_macro.ts";
 * equal(shapeLabel("hash"), "hash, 20 fields of 32 B");
 * ```
 *
 * @param type `plain` or a key of {@linkcode BENCH_SHAPES}.
 * @returns The label.
 */
export function shapeLabel(type: string): string {
  const shape: KeyspaceShape | undefined = BENCH_SHAPES[type];
  if (shape === undefined) {
    return type === "plain" ? `plain string, ${PLAIN_VALUE_SIZE} B (primed SET encoder)` : type;
  }
  const o = shape.options ?? {};
  switch (shape.type) {
    case "string":
      return `string, value-size ${o["value-size"]}`;
    case "hash":
      return `hash, ${o.fields} fields of ${size(o["field-size"])}`;
    case "list":
      return `list, ${o.elements} elements of ${size(o["element-size"])}`;
    case "set":
    case "zset":
      return `${shape.type}, ${o.members} members of ${size(o["member-size"])}`;
    case "stream":
      return `stream, ${o.entries} entries of ${o.fields} fields of ${size(o["field-size"])}`;
    default:
      return `${shape.type} ${JSON.stringify(o)}`;
  }
}

/**
 * The keyspace of a shape case holding about `sizeBytes` of keys and contents.
 *
 * @param type `plain` or a key of {@linkcode BENCH_SHAPES}.
 * @param sizeBytes Bytes of keys and contents.
 * @param seed Keyspace seed.
 * @returns The keyspace.
 */
export function shapeKeyspace(type: string, sizeBytes: number, seed = 1): KeyspaceParams {
  const shape = type === "plain" ? undefined : BENCH_SHAPES[type];
  if (type !== "plain" && shape === undefined) throw new Error(`Unknown shape case "${type}"`);
  const base = { keySize: SHAPES_KEY_SIZE, valueSize: PLAIN_VALUE_SIZE, seed, prefix: "redfill:" };
  const mean = shape
    ? meanPayloadBytes([shape], { keySize: SHAPES_KEY_SIZE, seed })
    : base.keySize + base.valueSize;
  return {
    ...base,
    count: Math.max(1, Math.ceil(sizeBytes / mean)),
    ...(shape
      ? { shapes: [shape], valueSize: Math.max(1, Math.round(mean - SHAPES_KEY_SIZE)) }
      : {}),
  };
}

/**
 * One type's row from its rounds: medians of each measure, and the ratio of the medians.
 *
 * @param type The type.
 * @param keys Keys per run.
 * @param bytes Bytes of keys and contents per run.
 * @param rounds Every round (at least one).
 * @returns The row.
 */
export function shapeRow(
  type: string,
  keys: number,
  bytes: number,
  respBytes: number,
  rounds: readonly ShapeMacroRound[],
): ShapeMacroRow {
  const ceiling = median(rounds.map((r) => r.ceilingMibPerSecond));
  const fill = median(rounds.map((r) => r.fillMibPerSecond));
  const cpu = median(rounds.map((r) => r.fillCpuSecondsPerGib));
  return {
    type,
    label: shapeLabel(type),
    keys,
    bytes,
    respBytes,
    respPerPayload: respBytes / bytes,
    ceilingMibPerSecond: ceiling,
    fillMibPerSecond: fill,
    ratio: fill / ceiling,
    fillCpuSecondsPerGib: cpu,
    fillCpuSecondsPerRespGib: cpu * bytes / respBytes,
    rounds: [...rounds],
  };
}

/**
 * Runs the per-type macro benchmark on a local standalone server it starts and stops.
 *
 * @param options Payload size per run, rounds and types.
 * @returns One row per type, and the server's version.
 * @throws {Error} when a run leaves another number of keys than it sent.
 */
export async function runShapesMacro(
  options: ShapesMacroOptions,
): Promise<ShapesMacroResult & { redisVersion: string | null }> {
  await using local = await startLocalRedis({ handleSignals: options.handleSignals ?? true });
  const target = localTarget(local, { commandTimeoutMs: 60_000 });
  const transport = new StandaloneTransport({ target, logger: silentLogger });
  await transport.connect();
  const rows: ShapeMacroRow[] = [];
  const types = options.types ?? SHAPE_TYPES;
  try {
    const landed = async (what: string, round: number, count: number) => {
      const dbsize = Number(await transport.call(["DBSIZE"]));
      if (dbsize !== count) {
        throw new Error(
          `The ${what} run of round ${round} left ${dbsize} keys instead of ${count}: the measurement is void`,
        );
      }
    };
    for (const type of types) {
      const params = shapeKeyspace(type, options.sizeBytes, options.seed ?? 1);
      const payload = generateCeiling(params);
      const rounds: ShapeMacroRound[] = [];
      let bytes = 0;
      for (let round = 1; round <= options.rounds; round++) {
        await transport.call(["FLUSHALL"]);
        const ceiling = await streamCeiling(target, payload, params.keySize + params.valueSize);
        await landed(`${type} ceiling`, round, params.count);
        await transport.call(["FLUSHALL"]);
        const fill = await runFill(transport, {
          keyspace: params,
          connections: options.connections,
          batchBytes: options.batchBytes,
          logger: silentLogger,
        });
        await landed(`${type} fill`, round, params.count);
        bytes = fill.bytes;
        const measured: ShapeMacroRound = {
          round,
          ceilingMibPerSecond: mibPerSecond(ceiling.bytes, ceiling.durationMs),
          fillMibPerSecond: mibPerSecond(fill.bytes, fill.durationMs),
          fillCpuSecondsPerGib: fill.cpuSeconds / (fill.bytes / GIB),
        };
        rounds.push(measured);
        options.log?.(
          `Round ${round}/${options.rounds} shape ${type.padEnd(7)} ceiling ${
            measured.ceilingMibPerSecond.toFixed(1).padStart(7)
          } MiB/s  fill ${measured.fillMibPerSecond.toFixed(1).padStart(7)} MiB/s  client ${
            measured.fillCpuSecondsPerGib.toFixed(2)
          } CPU-s/GiB`,
        );
      }
      await transport.call(["FLUSHALL"]);
      rows.push(shapeRow(type, params.count, bytes, payload.wireBytes, rounds));
    }
    const redisVersion =
      infoField(String(await transport.call(["INFO", "server"])), "redis_version") ??
        null;
    return { keySize: SHAPES_KEY_SIZE, rows, redisVersion };
  } finally {
    await transport.close();
  }
}

/** The columns of the per-type table. */
export const SHAPES_TABLE_HEAD: readonly string[] = [
  `shape (${SHAPES_KEY_SIZE} B keys)`,
  "keys",
  "raw ceiling MiB/s",
  "fill MiB/s",
  "fill / ceiling",
  "fill CPU-s/GiB",
  "RESP / payload",
  "CPU-s/GiB of RESP",
];

/**
 * One row's cells, rounded as every table shows them.
 *
 * @param row The row.
 * @returns The cells, in {@linkcode SHAPES_TABLE_HEAD} order.
 */
export function shapeCells(row: ShapeMacroRow): string[] {
  return [
    row.label,
    String(row.keys),
    row.ceilingMibPerSecond.toFixed(1),
    row.fillMibPerSecond.toFixed(1),
    row.ratio.toFixed(2),
    row.fillCpuSecondsPerGib.toFixed(2),
    row.respPerPayload.toFixed(2),
    row.fillCpuSecondsPerRespGib.toFixed(2),
  ];
}

/**
 * The rows as a Markdown table.
 *
 * @param rows The rows.
 * @returns The table.
 */
export function shapesMacroTable(rows: readonly ShapeMacroRow[]): string {
  return [
    `| ${SHAPES_TABLE_HEAD.join(" | ")} |`,
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((row) => `| ${shapeCells(row).join(" | ")} |`),
  ].join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      size: { type: "string", default: "64MiB" },
      rounds: { type: "string", default: "3" },
      types: { type: "string", default: SHAPE_TYPES.join(",") },
    },
  });
  const { rows } = await runShapesMacro({
    sizeBytes: parseSize(values.size),
    rounds: Number(values.rounds),
    types: values.types.split(","),
    log: (line) => console.error(line),
  });
  console.log(shapesMacroTable(rows));
}
