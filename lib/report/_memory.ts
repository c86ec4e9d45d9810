/**
 * A fill to a memory level in the report (private to `lib/report`): the schema of
 * `fill.memory`, the model built from the fill's result, and the summary line — the target as
 * written, the N the fill settled on, the bytes per key it measured, and what each master
 * reached against its target.
 *
 * @module
 */

import { z } from "zod";
import type { FillMemoryTarget, FillResult } from "../types.ts";
import { formatBytes, formatCount } from "../units.ts";
import type { ReportMemory, RunReport } from "./types.ts";

const count = z.number().int().min(0);

/** `fill.memory`: only in a fill to a memory level (`until-memory`). */
export const ReportMemorySchema = z.strictObject({
  target: z.string().describe(
    'The target as written: "80%" (of maxmemory) or "3GiB" (used_memory)',
  ),
  keys: count.describe("N: the keys the fill settled on to reach the target"),
  bytesPerKey: count.describe("used_memory growth per key, as last measured"),
  nodes: z.array(z.strictObject({
    address: z.string().describe("host:port"),
    targetBytes: count.describe("The master's target in bytes of used_memory"),
    usedMemory: count.describe("used_memory the master reached"),
    reached: z.number().min(0).describe("usedMemory / targetBytes"),
  })).describe("Per master: its target and what it reached"),
}).describe(
  "Only in a fill to a memory level (until-memory): the target, what each master reached, and N",
);

/**
 * The report's `fill.memory` from a fill's memory result.
 *
 * @param memory What the fill aimed at and reached.
 * @param keys N, the keys in the keyspace the fill wrote.
 * @returns The model.
 */
export function memoryReport(memory: FillMemoryTarget, keys: number): ReportMemory {
  return {
    target: memory.target,
    keys,
    bytesPerKey: Math.round(memory.bytesPerKey),
    nodes: memory.nodes.map((node) => ({
      address: node.address,
      targetBytes: node.targetBytes,
      usedMemory: node.usedMemory,
      reached: node.targetBytes > 0
        ? Math.round((node.usedMemory / node.targetBytes) * 1e4) / 1e4
        : 0,
    })),
  };
}

/**
 * The report's `fill.memory` field of a fill, for spreading into `fill`: none unless the fill
 * was to a memory level.
 *
 * @param fill The fill's result.
 * @returns `{ memory }` or `{}`.
 */
export function memoryFields(fill: FillResult): { memory?: ReportMemory } {
  return fill.memory === undefined
    ? {}
    : { memory: memoryReport(fill.memory, fill.keyspace.count) };
}

/**
 * The memory target on one line, or undefined for a fill not to a memory level:
 * `50%: N 312,000 keys at 107 bytes per key; 127.0.0.1:6379 reached 31.8 MiB of 32.0 MiB (99.4%)`.
 */
export function memoryLine(report: RunReport): string | undefined {
  const memory = report.fill?.memory;
  if (memory === undefined) return undefined;
  const nodes = memory.nodes.map((node) =>
    `${node.address} reached ${formatBytes(node.usedMemory)} of ${formatBytes(node.targetBytes)} (${
      (node.reached * 100).toFixed(1)
    }%)`
  );
  return `target ${memory.target}: N ${formatCount(memory.keys)} keys at ${
    formatCount(memory.bytesPerKey)
  } bytes per key; ${nodes.join(", ")}`;
}
