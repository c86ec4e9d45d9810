/**
 * A fill to a memory level (`until-memory: 80%` of each master's `maxmemory`, or `3GiB` of
 * `used_memory` per master): fill a first slice, measure the bytes each key costs the servers,
 * plan N, fill up to just below the target, measure again and top up, until the master with
 * the least room is within 1% below its target. Keys stay the same whatever N becomes: the
 * index width is fixed up front from an upper bound.
 *
 * @module
 */

import { formatAddress } from "../address.ts";
import { UsageError } from "../errors.ts";
import { type Message, sentence, stepOption } from "../message.ts";
import { infoField } from "../resp/info.ts";
import type { FillMemoryTarget, FillResult, NodeInfo, Transport } from "../types.ts";
import { runFill, type RunFillOptions } from "./fill.ts";
import { indexWidth } from "./keyspace.ts";

/** A memory target: a share of `maxmemory`, or bytes of `used_memory`. */
export type MemoryTarget = { percent: number } | { bytes: number };

/**
 * Parses `80%` or a size.
 *
 * @param text The target as written.
 * @param parseSize Reads a size (`3GiB`).
 * @returns The target, or undefined when it is neither.
 */
export function parseMemoryTarget(
  text: string,
  parseSize: (text: string) => number,
): MemoryTarget | undefined {
  const percent = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  if (percent) {
    const value = Number(percent[1]);
    return value > 0 && value <= 100 ? { percent: value } : undefined;
  }
  try {
    const bytes = parseSize(text);
    return bytes > 0 ? { bytes } : undefined;
  } catch {
    return undefined;
  }
}

/** Options for {@linkcode fillUntilMemory}. */
export interface FillUntilMemoryOptions extends Omit<RunFillOptions, "range"> {
  /** The target as written (for the result). */
  targetText: string;
  /** The target. */
  target: MemoryTarget;
  /** Mean bytes of key and contents per key (the first slice's size comes from it). */
  meanPayloadBytes: number;
  /** Turns a sentence into text for the log. */
  text?: (message: Message) => string;
}

interface MasterMemory {
  node: NodeInfo;
  used: number;
  target: number;
}

async function readMemory(transport: Transport, target: MemoryTarget): Promise<MasterMemory[]> {
  const replies = await transport.callEachMaster(["INFO", "memory"]);
  return replies.map(({ node, reply }) => {
    const info = String(reply);
    const used = Number(infoField(info, "used_memory") ?? 0);
    const max = Number(infoField(info, "maxmemory") ?? 0);
    if ("percent" in target && max <= 0) {
      throw new UsageError(
        sentence`${stepOption("until-memory")} ${target.percent}% needs a maxmemory, and "${
          formatAddress(node.host, node.port)
        }" has none: give a size like 3GiB instead, or set maxmemory`,
      );
    }
    return {
      node,
      used,
      target: "percent" in target ? Math.floor((max * target.percent) / 100) : target.bytes,
    };
  });
}

/** Adds a slice's result to the running total. */
function merge(total: FillResult | undefined, slice: FillResult): FillResult {
  if (!total) return slice;
  const nodes = total.nodes.map((node) => ({ ...node }));
  for (const node of slice.nodes) {
    const into = nodes.find((entry) => entry.nodeId === node.nodeId);
    if (!into) {
      nodes.push({ ...node });
      continue;
    }
    into.keys += node.keys;
    into.bytes += node.bytes;
    into.acked += node.acked;
    into.errors += node.errors;
    if (node.dbsize !== undefined) into.dbsize = node.dbsize;
  }
  return {
    ...slice,
    flushed: total.flushed,
    keys: total.keys + slice.keys,
    bytes: total.bytes + slice.bytes,
    durationMs: total.durationMs + slice.durationMs,
    cpuSeconds: total.cpuSeconds + slice.cpuSeconds,
    peakRssBytes: Math.max(total.peakRssBytes, slice.peakRssBytes),
    errors: total.errors + slice.errors,
    nodes,
  };
}

/** Slices at most: the first, the planned one, and top-ups. */
const MAX_SLICES = 6;

/**
 * Fills until the master with the least room is within 1% below its memory target.
 *
 * @param transport A connected transport.
 * @param options The keyspace (its count is replaced), target and fill settings.
 * @returns The merged result, with `memory` set and `keyspace.count` the N written.
 * @throws {UsageError} when a percentage is asked of a master without maxmemory, or a master
 * is at its target already.
 */
export async function fillUntilMemory(
  transport: Transport,
  options: FillUntilMemoryOptions,
): Promise<FillResult> {
  const before = await readMemory(transport, options.target);
  const tightest = before.reduce((a, b) => (b.target - b.used < a.target - a.used ? b : a));
  const room = tightest.target - tightest.used;
  if (room <= 0) {
    throw new UsageError(
      sentence`"${
        formatAddress(tightest.node.host, tightest.node.port)
      }" uses ${tightest.used} bytes, at or above the ${
        stepOption("until-memory")
      } target of ${tightest.target}: nothing to fill; flush first or raise the target`,
    );
  }
  const masters = before.length;
  // Keys cost the servers at least their payload: an upper bound on N fixes the index width.
  const upper = Math.ceil((room * masters) / Math.max(1, options.keyspace.keySize)) + 1;
  const keyspace = { ...options.keyspace, indexWidth: indexWidth(upper) };
  let written = 0;
  let total: FillResult | undefined;
  let bytesPerKey = 0;
  const slice = async (end: number) => {
    const result = await runFill(transport, {
      ...options,
      keyspace: { ...keyspace, count: end },
      range: { start: written, end },
      shard: undefined,
    });
    total = merge(total, result);
    written = end;
    return result;
  };
  // First slice: a tenth of what the payload alone would fill, at least a key per slot.
  const first = Math.max(
    1024,
    Math.min(upper, Math.ceil((0.1 * room * masters) / options.meanPayloadBytes)),
  );
  await slice(first);
  let now = await readMemory(transport, options.target);
  const grown = now.reduce((sum, entry, k) => sum + entry.used - before[k]!.used, 0);
  bytesPerKey = Math.max(1, grown / first);
  for (let round = 1; round < MAX_SLICES && !options.signal?.aborted; round++) {
    // Keys spread evenly over the masters: the one with the least room decides.
    const left = Math.min(...now.map((entry) => entry.target - entry.used));
    if (left <= tightest.target * 0.01) break;
    // Aim just below: 97% of the room on the planned slice, 99% on top-ups.
    const more = Math.floor(((round === 1 ? 0.97 : 0.99) * left * masters) / bytesPerKey);
    if (more < 1) break;
    await slice(written + more);
    const after = await readMemory(transport, options.target);
    const spent = after.reduce((sum, entry, k) => sum + entry.used - now[k]!.used, 0);
    if (spent > 0) bytesPerKey = spent / more;
    now = after;
  }
  const memory: FillMemoryTarget = {
    target: options.targetText,
    bytesPerKey: Math.round(bytesPerKey),
    nodes: now.map((entry) => ({
      address: formatAddress(entry.node.host, entry.node.port),
      targetBytes: entry.target,
      usedMemory: entry.used,
    })),
  };
  const result = total!;
  return { ...result, keyspace: { ...keyspace, count: written }, memory };
}
