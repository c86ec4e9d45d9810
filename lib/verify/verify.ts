/**
 * Verify: compares what is on the servers with what a fill says it wrote — key counts per
 * master and in total, each master's share against its share of slots, a sample of keys whose
 * values are recomputed from (seed, i) and compared byte for byte, TTLs, and memory.
 *
 * Key i lives in slot i mod 16384, so the keys a master should hold are exactly the indices of
 * the written range whose slot it owns: the expectation is computed, not estimated.
 *
 * @module
 */

import { countIndices } from "../fill/batch.ts";
import { Keyspace, shardRange } from "../fill/keyspace.ts";
import { servingMasters } from "../cluster/nodes.ts";
import { SLOT_COUNT, slotCount, slotsOf } from "../cluster/slots.ts";
import { VERIFY_DEFAULTS } from "../defaults.ts";
import { silentLogger } from "../logger.ts";
import { infoField } from "../resp/info.ts";
import { formatBytes } from "../units.ts";
import type {
  FillResult,
  Logger,
  NodeVerifyResult,
  Transport,
  VerifyCheck,
  VerifyResult,
} from "../types.ts";
import { sampleIndices } from "./sample.ts";

/** Options for {@linkcode verifyFill}. */
export interface VerifyFillOptions {
  /** Largest allowed |deviation| of a master's keys from its slot share, as a fraction. */
  tolerance?: number | undefined;
  /** Keys whose contents are fetched and compared (0 skips the content check). */
  sample?: number | undefined;
  /** Where to log details (default: nowhere). */
  logger?: Logger | undefined;
}

/** Sampled keys fetched at once (the control plane pipelines concurrent calls on each socket). */
const SAMPLE_BATCH = 200;
/** Keys named in a failed content or TTL check before "and N more". */
const NAMED_KEYS = 3;

const decoder = new TextDecoder();

/**
 * Checks a fill against the servers behind a connected transport.
 *
 * Counts are exact when the fill flushed first and wrote the whole keyspace; otherwise every
 * master must hold at least its share (earlier keys, other clients or other shards may add
 * more), and the difference is shown. A master's deviation is (found - expected) / expected
 * when counts are exact; otherwise it compares the master's share of the keys found with its
 * share of the keys expected, so keys added evenly (other shards of the same keyspace) do not
 * count as deviation. A `fill` with `written: false` (a keyspace declared
 * for a fill made earlier) is checked the same way.
 *
 * @example
 * ```ts ignore
 * const fill = await runFill(transport, { keyspace, flushed: true, logger });
 * const result = await verifyFill(transport, fill, { tolerance: 0.2, sample: 1000 });
 * if (!result.ok) console.log(result.checks.filter((check) => !check.ok));
 * ```
 *
 * @param transport A connected transport.
 * @param fill What the fill says it wrote (or the declared keyspace).
 * @param options Tolerance, sample size and logger.
 * @returns Every check with its numbers, per master and in total.
 * @throws {ConnectionError} when a node cannot be reached.
 * @throws {UsageError} when the keyspace parameters are invalid.
 */
export async function verifyFill(
  transport: Transport,
  fill: FillResult,
  options: VerifyFillOptions = {},
): Promise<VerifyResult> {
  const tolerance = options.tolerance ?? VERIFY_DEFAULTS.tolerance;
  const sample = options.sample ?? VERIFY_DEFAULTS.sample;
  const logger = options.logger ?? silentLogger;
  const keyspace = new Keyspace(fill.keyspace);
  const range = shardRange(keyspace.count, fill.shard);
  const sharded = fill.shard.count > 1;
  const exact = fill.flushed && !sharded;
  const masters = servingMasters(transport.topology());

  const [sizes, memory] = await Promise.all([
    transport.callEachMaster(["DBSIZE"]),
    transport.callEachMaster(["INFO", "memory"]),
  ]);
  const nodes: NodeVerifyResult[] = masters.map((node) => {
    const keys = Number(sizes.find((entry) => entry.node.id === node.id)?.reply ?? 0);
    const expectedKeys = countIndices(slotsOf(node.slots), range.start, range.end);
    const info = String(memory.find((entry) => entry.node.id === node.id)?.reply ?? "");
    return {
      nodeId: node.id,
      address: `${node.host}:${node.port}`,
      slots: slotCount(node.slots),
      keys,
      expectedKeys,
      deviation: 0,
      usedMemory: Number(infoField(info, "used_memory") ?? 0),
      maxMemory: Number(infoField(info, "maxmemory") ?? 0),
    };
  });
  const totalKeys = nodes.reduce((sum, node) => sum + node.keys, 0);
  const expectedKeys = range.end - range.start;
  for (const node of nodes) {
    node.deviation = exact || totalKeys === 0
      ? deviationOf(node.keys, node.expectedKeys)
      // Other shards and earlier keys add to every master: compare shares, not counts.
      : deviationOf(node.keys / totalKeys, node.expectedKeys / Math.max(1, expectedKeys));
  }
  logger.debug(
    `verify: ${totalKeys} keys found, ${expectedKeys} expected (${exact ? "exact" : "at least"})`,
  );

  const checks: VerifyCheck[] = [
    countCheck(nodes, totalKeys, expectedKeys, { exact, sharded, interrupted: fill.interrupted }),
  ];
  const largest = nodes.reduce<NodeVerifyResult | undefined>(
    (worst, node) =>
      worst === undefined || Math.abs(node.deviation) > Math.abs(worst.deviation) ? node : worst,
    undefined,
  );
  const maxDeviation = largest === undefined ? 0 : Math.abs(largest.deviation);
  checks.push(
    distributionCheck(largest, maxDeviation, tolerance, {
      found: totalKeys,
      expected: expectedKeys,
      exact,
    }),
  );

  const indices = sampleIndices(range.start, range.end, sample);
  const content = await checkContent(transport, keyspace, indices, logger);
  checks.push(contentCheck(content, indices));
  if (fill.keyspace.ttl !== undefined) {
    checks.push(ttlCheck(content, fill.keyspace.ttl, indices.length - content.mismatched.length));
  }
  checks.push(memoryCheck(nodes, totalKeys));

  return {
    ok: checks.every((check) => check.ok),
    checks,
    totalKeys,
    expectedKeys,
    maxDeviation,
    tolerance,
    sampled: indices.length,
    mismatched: content.mismatched.length,
    nodes,
  };
}

/**
 * Key i as it may be shown: prefix, tag and index, with the filler elided.
 *
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { Keyspace } from "../fill/keyspace.ts";
 * import { displayKey } from "./verify.ts";
 * const keyspace = new Keyspace({ count: 100, keySize: 64, valueSize: 8, seed: 1, prefix: "p:" });
 * ok(displayKey(keyspace, 7).endsWith("07…"));
 * ```
 *
 * @param keyspace The keyspace.
 * @param index The key index.
 * @returns The key's meaningful part, followed by `…` when filler was left out.
 */
export function displayKey(keyspace: Keyspace, index: number): string {
  const key = keyspace.keyString(index);
  const meaningful = keyspace.indexOffset + keyspace.indexWidth;
  return key.length > meaningful ? `${key.slice(0, meaningful)}…` : key;
}

/**
 * (found - expected) / expected, for counts or for shares; a master expected to hold nothing
 * deviates by 100% if it holds anything.
 */
function deviationOf(found: number, expected: number): number {
  if (expected > 0) return (found - expected) / expected;
  return found > 0 ? 1 : 0;
}

/** A signed percentage with two decimals. */
function percent(fraction: number): string {
  const value = (fraction * 100).toFixed(2);
  return fraction > 0 ? `+${value}%` : `${value === "-0.00" ? "0.00" : value}%`;
}

/** A tolerance as `±20%`. */
function tolerancePercent(tolerance: number): string {
  return `±${Number((tolerance * 100).toFixed(2))}%`;
}

interface CountMode {
  exact: boolean;
  sharded: boolean;
  interrupted: boolean;
}

function countCheck(
  nodes: NodeVerifyResult[],
  total: number,
  expected: number,
  mode: CountMode,
): VerifyCheck {
  const short = nodes.filter((node) => node.keys < node.expectedKeys);
  const over = mode.exact ? nodes.filter((node) => node.keys > node.expectedKeys) : [];
  const perNode = (list: NodeVerifyResult[]) =>
    nodes.length > 1 && list.length > 0
      ? ` (${
        list.map((node) => `${node.address} has ${node.keys} of ${node.expectedKeys}`).join(", ")
      })`
      : "";
  const note = mode.interrupted ? "; the fill was interrupted" : "";
  if (total < expected) {
    return {
      name: "count",
      ok: false,
      detail: `${expected - total} keys missing: found ${total}${
        mode.exact ? " of " : ", at least "
      }${expected}${mode.exact ? "" : " expected"}${perNode(short)}${note}`,
    };
  }
  if (mode.exact && total > expected) {
    return {
      name: "count",
      ok: false,
      detail: `${
        total - expected
      } keys more than written: found ${total} of ${expected} after a flush${
        perNode(over)
      }; another client wrote to the target`,
    };
  }
  if (short.length > 0 || over.length > 0) {
    const missing = short.reduce((sum, node) => sum + node.expectedKeys - node.keys, 0);
    return {
      name: "count",
      ok: false,
      detail:
        `${missing} keys missing on ${short.length} of ${nodes.length} masters: found ${total} of ${expected} in all${
          perNode([...short, ...over])
        }${note}`,
    };
  }
  if (mode.exact) {
    return {
      name: "count",
      ok: true,
      detail: `found ${total} of ${expected}, exact after a flush`,
    };
  }
  const why = mode.sharded
    ? "this run wrote one shard; other shards and earlier keys count too"
    : "not flushed first; earlier keys count too";
  return {
    name: "count",
    ok: true,
    detail: `found ${total}, at least ${expected} expected (${total - expected} more: ${why})`,
  };
}

function distributionCheck(
  largest: NodeVerifyResult | undefined,
  maxDeviation: number,
  tolerance: number,
  totals: { found: number; expected: number; exact: boolean },
): VerifyCheck {
  if (largest === undefined) {
    return { name: "distribution", ok: false, detail: "no master serves any slot" };
  }
  const ok = maxDeviation <= tolerance + 1e-12;
  const share = (part: number, whole: number) =>
    `${(whole > 0 ? (part / whole) * 100 : 0).toFixed(2)}%`;
  const numbers = totals.exact || totals.found === 0
    ? `${largest.keys} keys, ${largest.expectedKeys} expected by its ${largest.slots} slots`
    : `holds ${
      share(largest.keys, totals.found)
    } of the keys found, ${largest.keys} of ${totals.found}, against ${
      share(largest.expectedKeys, totals.expected)
    } by its ${largest.slots} slots`;
  return {
    name: "distribution",
    ok,
    detail: `largest deviation ${percent(largest.deviation)} on ${largest.address} (${numbers}), ${
      ok ? "within" : "beyond"
    } ${tolerancePercent(tolerance)}`,
  };
}

interface SampleMismatch {
  index: number;
  key: string;
  missing: boolean;
}

interface ContentFindings {
  mismatched: SampleMismatch[];
  /** Sampled keys that exist but carry no TTL, or one out of range. */
  badTtl: { key: string; ttl: number }[];
  slots: number;
}

async function checkContent(
  transport: Transport,
  keyspace: Keyspace,
  indices: number[],
  logger: Logger,
): Promise<ContentFindings> {
  const withTtl = keyspace.params.ttl !== undefined;
  const findings: ContentFindings = {
    mismatched: [],
    badTtl: [],
    slots: new Set(indices.map((index) => index % SLOT_COUNT)).size,
  };
  for (let from = 0; from < indices.length; from += SAMPLE_BATCH) {
    const batch = indices.slice(from, from + SAMPLE_BATCH);
    await Promise.all(batch.map(async (index) => {
      const key = keyspace.keyString(index);
      const [reply, ttl] = await Promise.all([
        transport.call(["GET", key], { key }),
        withTtl ? transport.call(["TTL", key], { key }) : Promise.resolve(undefined),
      ]);
      if (reply === null || reply === undefined) {
        findings.mismatched.push({ index, key: displayKey(keyspace, index), missing: true });
        return;
      }
      if (!sameValue(reply, keyspace.value(index))) {
        findings.mismatched.push({ index, key: displayKey(keyspace, index), missing: false });
        return;
      }
      const seconds = Number(ttl);
      if (withTtl && !(seconds > 0 && seconds <= keyspace.params.ttl!.max)) {
        findings.badTtl.push({ key: displayKey(keyspace, index), ttl: seconds });
      }
    }));
  }
  findings.mismatched.sort((a, b) => a.index - b.index);
  logger.debug(
    `verify: ${indices.length} sampled keys over ${findings.slots} slots, ${findings.mismatched.length} differ`,
  );
  return findings;
}

/** Compares a GET reply (a string from ioredis, or bytes) with the expected bytes, exactly. */
function sameValue(reply: unknown, expected: Uint8Array): boolean {
  if (reply instanceof Uint8Array) {
    return reply.length === expected.length && reply.every((byte, k) => byte === expected[k]);
  }
  // Values are printable ASCII: a UTF-8 decoded reply equals the decoded expectation only when
  // the bytes are equal.
  return typeof reply === "string" && reply === decoder.decode(expected);
}

function contentCheck(content: ContentFindings, indices: number[]): VerifyCheck {
  if (indices.length === 0) {
    return { name: "content", ok: true, detail: "no keys sampled (sample: 0)" };
  }
  const bad = content.mismatched;
  if (bad.length === 0) {
    return {
      name: "content",
      ok: true,
      detail:
        `${indices.length} sampled keys over ${content.slots} slots match their expected values`,
    };
  }
  const named = bad.slice(0, NAMED_KEYS).map((entry) =>
    `key "${entry.key}" (index ${entry.index}) ${
      entry.missing ? "is missing" : "differs from its expected value"
    }`
  );
  const more = bad.length > NAMED_KEYS ? `, and ${bad.length - NAMED_KEYS} more` : "";
  return {
    name: "content",
    ok: false,
    detail: `${bad.length} of ${indices.length} sampled keys are wrong: ${named.join(", ")}${more}`,
  };
}

function ttlCheck(
  content: ContentFindings,
  ttl: { min: number; max: number },
  checked: number,
): VerifyCheck {
  const range = ttl.min === ttl.max ? `${ttl.min} s` : `${ttl.min}-${ttl.max} s`;
  const bad = content.badTtl;
  if (bad.length === 0) {
    return {
      name: "ttl",
      ok: true,
      detail: `${checked} sampled keys have a TTL within ${range}`,
    };
  }
  const named = bad.slice(0, NAMED_KEYS).map((entry) =>
    `key "${entry.key}" has ${entry.ttl === -1 ? "no TTL" : `TTL ${entry.ttl}`}`
  );
  const more = bad.length > NAMED_KEYS ? `, and ${bad.length - NAMED_KEYS} more` : "";
  return {
    name: "ttl",
    ok: false,
    detail: `${bad.length} of ${checked} sampled keys lack a TTL within ${range}: ${
      named.join(", ")
    }${more}`,
  };
}

function memoryCheck(nodes: NodeVerifyResult[], totalKeys: number): VerifyCheck {
  const used = nodes.reduce((sum, node) => sum + node.usedMemory, 0);
  const perKey = totalKeys > 0 ? Math.round(used / totalKeys) : 0;
  const full = nodes.filter((node) => node.maxMemory > 0 && node.usedMemory >= node.maxMemory);
  const limits = full.length === 0
    ? ""
    : `; at maxmemory: ${
      full.map((node) =>
        `${node.address} (${formatBytes(node.usedMemory)} of ${formatBytes(node.maxMemory)})`
      ).join(", ")
    }`;
  return {
    name: "memory",
    ok: true,
    detail: `${formatBytes(used)} used on ${nodes.length} master${
      nodes.length === 1 ? "" : "s"
    }, ${perKey} bytes per key${limits}`,
  };
}
