/**
 * A fill to a memory level (`until-memory: 80%` of each master's `maxmemory`, or `3GiB` of
 * `used_memory` per master): fill a first slice, measure the bytes each key costs the servers,
 * plan N, fill up to just below the target, measure again and top up, until the next key would
 * overfill the master its slot belongs to (or every master is within 1% below its target). Key
 * i is in slot i mod 16384, so a slice's keys land on the masters by the slots it covers: each
 * slice is cut where the first master would go over. On a cluster the masters can then differ
 * by up to one key per slot. Keys stay the same whatever N becomes: the index width is fixed up
 * front from an upper bound.
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
import { SLOT_COUNT, slotOwners } from "../cluster/slots.ts";

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

/**
 * How the indices of a keyspace spread over masters: key i is in slot i mod 16384, so the keys
 * of `[0, x)` on master m are `floor(x / 16384)` times its slots plus its slots below
 * `x mod 16384`. Undefined when the masters do not cover every slot (then a slice is taken to
 * spread evenly).
 */
export interface KeySpread {
  /** Per master, how many of its slots are below each slot (16385 entries). */
  below: Int32Array[];
}

/**
 * How the indices spread over `masters`.
 *
 * @param masters The masters, each with its slots.
 * @returns The spread, or undefined when some slot has no master among them.
 */
export function keySpread(masters: readonly NodeInfo[]): KeySpread | undefined {
  const owners = slotOwners(masters);
  if (owners.includes(-1)) return undefined;
  const below = masters.map(() => new Int32Array(SLOT_COUNT + 1));
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    below.forEach((counts, m) => {
      counts[slot + 1] = counts[slot]! + (owners[slot] === m ? 1 : 0);
    });
  }
  return { below };
}

/** Keys of `[0, x)` on master m. */
function keysBelow(spread: KeySpread, m: number, x: number): number {
  const below = spread.below[m]!;
  return Math.floor(x / SLOT_COUNT) * below[SLOT_COUNT]! + below[x % SLOT_COUNT]!;
}

/**
 * The furthest end of a slice from `start` that puts at most `limits[m]` keys on each master m.
 *
 * @param spread How indices spread over the masters (undefined: evenly).
 * @param start The slice's first index.
 * @param limits Keys each master may still take.
 * @returns The end (exclusive), `start` when the next key does not fit.
 */
export function sliceEnd(
  spread: KeySpread | undefined,
  start: number,
  limits: readonly number[],
): number {
  const fewest = Math.max(0, Math.min(...limits));
  if (!spread) return start + Math.floor(fewest * limits.length);
  const fits = (end: number) =>
    limits.every((limit, m) =>
      keysBelow(spread, m, end) - keysBelow(spread, m, start) <= Math.max(0, limit)
    );
  let low = start;
  let high = start + Math.ceil(limits.reduce((sum, limit) => sum + Math.max(0, limit), 0)) + 1;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (fits(middle)) low = middle;
    else high = middle;
  }
  return low;
}

/**
 * Keys a master may take within `room` bytes. Its main hash table has a power-of-two number of
 * 8-byte buckets and doubles when a key is added to a full one (Redis 7.0 on a 3-master
 * cluster at 50% of 64mb: +512 KiB, 1.5% of the target, from one key past 32768): a slice that
 * crosses it takes the new table out of the room, and stops at a full table when that leaves
 * fewer keys.
 *
 * @param keys The keys it holds now (DBSIZE).
 * @param room Bytes it may still take.
 * @param bytesPerKey Measured growth per key.
 * @returns How many keys.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { untilTableDoubles } from "./until_memory.ts";
 * // 1024 buckets hold 1,020 keys: no doubling.
 * equal(untilTableDoubles(1000, 800 * 20, 800), 20);
 * equal(untilTableDoubles(32000, 800 * 1000, 800), 768); // a 512 KiB table does not fit
 * equal(untilTableDoubles(32000, 800 * 2000, 800), 1344.64);
 * ```
 */
export function untilTableDoubles(keys: number, room: number, bytesPerKey: number): number {
  const limit = room / bytesPerKey;
  let buckets = 4;
  while (buckets < keys) buckets *= 2;
  if (keys + limit <= buckets) return limit;
  // Past it, the new table (twice the buckets) is allocated before the old one is freed.
  return Math.max(buckets - keys, (room - 16 * buckets) / bytesPerKey);
}

/** Slices at most: the first, the planned one, and top-ups. */
const MAX_SLICES = 6;

/**
 * Fills until the next key would take the master its slot belongs to past its memory target.
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
  const spread = keySpread(now.map((entry) => entry.node));
  const grown = now.reduce((sum, entry, k) => sum + entry.used - before[k]!.used, 0);
  bytesPerKey = Math.max(1, grown / first);
  for (let round = 1; round < MAX_SLICES && !options.signal?.aborted; round++) {
    if (now.every((entry) => entry.target - entry.used <= entry.target * 0.01)) break;
    // Aim just below: 97% of each master's room on the planned slice, 99% on top-ups. Key i
    // is in slot i mod 16384, so a slice's keys land on its masters by the slots they cover,
    // not evenly: the slice ends before the first master it would overfill.
    const share = round === 1 ? 0.97 : 0.99;
    const sizes = new Map(
      (await transport.callEachMaster(["DBSIZE"])).map(({ node, reply }) => [node.id, reply]),
    );
    const end = sliceEnd(
      spread,
      written,
      now.map((entry) => {
        const room = share * (entry.target - entry.used);
        return untilTableDoubles(Number(sizes.get(entry.node.id) ?? 0), room, bytesPerKey);
      }),
    );
    const more = end - written;
    if (more < 1) break;
    await slice(end);
    const after = await readMemory(transport, options.target);
    // Bytes per key over everything written so far: a small top-up's own growth is mostly
    // noise (a client's query buffer freed or grown moves used_memory by 256 KiB).
    const spent = after.reduce((sum, entry, k) => sum + entry.used - before[k]!.used, 0);
    if (spent > 0) bytesPerKey = spent / written;
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
