/**
 * The sentences of verify's checks: each check's verdict with its numbers. Private to
 * lib/verify.
 *
 * @module
 */

import { formatBytes } from "../units.ts";
import type { KeyRef, NodeVerifyResult, VerifyCheck, VerifyFailover } from "../types.ts";

/** Keys named in a failed check before "and N more". */
export const NAMED_KEYS = 3;

/**
 * (found - expected) / expected, for counts or for shares; a master expected to hold nothing
 * deviates by 100% if it holds anything.
 */
export function deviationOf(found: number, expected: number): number {
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

/** `127.0.0.1:7000 has 21800 of 21845, …` for masters short of their keys, in parentheses. */
function perNode(nodes: readonly NodeVerifyResult[], list: readonly NodeVerifyResult[]): string {
  return nodes.length > 1 && list.length > 0
    ? ` (${
      list.map((node) => `${node.address} has ${node.keys} of ${node.expectedKeys}`).join(", ")
    })`
    : "";
}

/** `"redfill:{a7Q}00001…" (index 1), …, and 90 more`. */
export function namedKeys(keys: readonly KeyRef[], total: number): string {
  const named = keys.slice(0, NAMED_KEYS).map((key) =>
    `"${key.key}" (index ${key.index})${key.detail ? `: ${key.detail}` : ""}`
  );
  const more = total > named.length ? `, and ${total - named.length} more` : "";
  return `${named.join(", ")}${more}`;
}

/** What the exact count found, for its check. */
export interface ExactCount {
  nodes: NodeVerifyResult[];
  total: number;
  expected: number;
  /** The first missing keys, by index. */
  missing: KeyRef[];
  /** How the keys were counted, for the sentence: `EXISTS`, `GET`. */
  by: string;
  interrupted: boolean;
  /** DBSIZE summed over the masters after a flush (a cross-check), else undefined. */
  dbsizeAfterFlush?: number | undefined;
}

/**
 * The count check of `count: exact`: this fill's keys, found one by one; other keys on the
 * servers never count.
 */
export function exactCountCheck(count: ExactCount): VerifyCheck {
  const note = count.interrupted ? "; the fill was interrupted" : "";
  const short = count.nodes.filter((node) => node.keys < node.expectedKeys);
  const missing = count.expected - count.total;
  if (missing > 0) {
    const masters = count.nodes.length > 1
      ? ` on ${short.length} of ${count.nodes.length} masters`
      : "";
    return {
      name: "count",
      ok: false,
      detail: `${missing} keys missing${masters}: found ${count.total} of ${count.expected}${
        perNode(count.nodes, short)
      }, exact (${count.by} of this fill's keys)${
        count.missing.length > 0 ? `; missing ${namedKeys(count.missing, missing)}` : ""
      }${note}`,
    };
  }
  let cross = "";
  if (count.dbsizeAfterFlush !== undefined) {
    const others = count.dbsizeAfterFlush - count.total;
    cross = others > 0
      ? `; DBSIZE counts ${others} other keys, written by another client since the flush`
      : "; DBSIZE agrees";
  }
  return {
    name: "count",
    ok: true,
    detail:
      `found ${count.total} of ${count.expected}, exact (${count.by} of this fill's keys)${cross}`,
  };
}

/** How a fast count was made, for its check. */
export interface FastCountMode {
  /** Flushed first and not sharded: DBSIZE should equal N. */
  exact: boolean;
  sharded: boolean;
  interrupted: boolean;
}

/**
 * The count check of `count: fast`: DBSIZE, which counts every key on the masters, so it can
 * only say "at least".
 */
export function fastCountCheck(
  nodes: NodeVerifyResult[],
  total: number,
  expected: number,
  mode: FastCountMode,
): VerifyCheck {
  const short = nodes.filter((node) => node.keys < node.expectedKeys);
  const over = mode.exact ? nodes.filter((node) => node.keys > node.expectedKeys) : [];
  const note = mode.interrupted ? "; the fill was interrupted" : "";
  const label = "count: fast (DBSIZE counts every key, not only this fill's)";
  if (total < expected) {
    return {
      name: "count",
      ok: false,
      detail: `at least ${expected - total} keys missing: DBSIZE found ${total} of ${expected}${
        perNode(nodes, short)
      }, ${label}${note}`,
    };
  }
  if (mode.exact && total > expected) {
    return {
      name: "count",
      ok: false,
      detail: `${
        total - expected
      } keys more than written: DBSIZE found ${total} of ${expected} after a flush${
        perNode(nodes, over)
      }; another client wrote to the target (count: exact counts only this fill's keys)`,
    };
  }
  if (short.length > 0 || over.length > 0) {
    const missing = short.reduce((sum, node) => sum + node.expectedKeys - node.keys, 0);
    return {
      name: "count",
      ok: false,
      detail:
        `at least ${missing} keys missing on ${short.length} of ${nodes.length} masters: DBSIZE found ${total} of ${expected} in all${
          perNode(nodes, [...short, ...over])
        }, ${label}${note}`,
    };
  }
  if (mode.exact) {
    return {
      name: "count",
      ok: true,
      detail: `at least ${expected} of ${expected}: DBSIZE found ${total} after a flush, ${label}`,
    };
  }
  const why = mode.sharded
    ? "this run wrote one shard; other shards and earlier keys count too"
    : "not flushed first; earlier keys count too";
  return {
    name: "count",
    ok: true,
    detail: `at least ${expected} expected: DBSIZE found ${total} (${
      total - expected
    } more: ${why}), ${label}`,
  };
}

/** The spread check: the master that deviates most from its slot share, against the tolerance. */
export function distributionCheck(
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

/** A sampled key that was missing or different. */
export interface SampleMismatch {
  index: number;
  key: string;
  missing: boolean;
  /** What differs, when the shape's reader says (`field "f3" differs`). */
  detail?: string;
}

/** The content check of `content: sample`. */
export function sampleContentCheck(
  named: readonly SampleMismatch[],
  total: number,
  sampled: number,
  slots: number,
): VerifyCheck {
  if (sampled === 0) {
    return { name: "content", ok: true, detail: "no keys sampled (sample: 0)" };
  }
  if (total === 0) {
    return {
      name: "content",
      ok: true,
      detail: `${sampled} sampled keys over ${slots} slots match their expected values`,
    };
  }
  const keys = named.slice(0, NAMED_KEYS).map((entry) =>
    `key "${entry.key}" (index ${entry.index}) ${
      entry.missing
        ? "is missing"
        : entry.detail
        ? `differs: ${entry.detail}`
        : "differs from its expected value"
    }`
  );
  const more = total > keys.length ? `, and ${total - keys.length} more` : "";
  return {
    name: "content",
    ok: false,
    detail: `${total} of ${sampled} sampled keys are wrong: ${keys.join(", ")}${more}`,
  };
}

/** What reading every key found, for its check. */
export interface FullContent {
  checked: number;
  missing: number;
  differing: number;
  missingKeys: KeyRef[];
  wrongKeys: KeyRef[];
  keysPerSecond: number;
  /** The read command, for the sentence. */
  by: string;
}

/** The content check of `content: full`: every key read back and compared. */
export function fullContentCheck(content: FullContent): VerifyCheck {
  const rate = `${Math.round(content.keysPerSecond)} keys/s`;
  const bad = content.missing + content.differing;
  if (bad === 0) {
    return {
      name: "content",
      ok: true,
      detail:
        `all ${content.checked} keys match their expected values (every key read by ${content.by}, ${rate})`,
    };
  }
  const parts: string[] = [];
  if (content.differing > 0) {
    parts.push(`${content.differing} differ: ${namedKeys(content.wrongKeys, content.differing)}`);
  }
  if (content.missing > 0) {
    parts.push(
      `${content.missing} are missing: ${namedKeys(content.missingKeys, content.missing)}`,
    );
  }
  return {
    name: "content",
    ok: false,
    detail:
      `${bad} of ${content.checked} keys are wrong (every key read by ${content.by}, ${rate}): ${
        parts.join("; ")
      }`,
  };
}

/** The TTL check of the sampled keys. */
export function ttlCheck(
  badTtl: readonly { key: string; ttl: number }[],
  ttl: { min: number; max: number },
  checked: number,
): VerifyCheck {
  const range = ttl.min === ttl.max ? `${ttl.min} s` : `${ttl.min}-${ttl.max} s`;
  if (badTtl.length === 0) {
    return { name: "ttl", ok: true, detail: `${checked} sampled keys have a TTL within ${range}` };
  }
  const named = badTtl.slice(0, NAMED_KEYS).map((entry) =>
    `key "${entry.key}" has ${entry.ttl === -1 ? "no TTL" : `TTL ${entry.ttl}`}`
  );
  const more = badTtl.length > NAMED_KEYS ? `, and ${badTtl.length - NAMED_KEYS} more` : "";
  return {
    name: "ttl",
    ok: false,
    detail: `${badTtl.length} of ${checked} sampled keys lack a TTL within ${range}: ${
      named.join(", ")
    }${more}`,
  };
}

/** The memory check: used_memory over the masters, per key held (every key: DBSIZE). */
export function memoryCheck(nodes: readonly NodeVerifyResult[], keysHeld: number): VerifyCheck {
  const used = nodes.reduce((sum, node) => sum + node.usedMemory, 0);
  const perKey = keysHeld > 0 ? Math.round(used / keysHeld) : 0;
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

/**
 * The topology check, only when something happened before verify counted: a failover (the
 * sentence names both masters) or a wait for a stable slot map. It passes: the keys are
 * counted where they are now.
 */
export function topologyCheck(
  failovers: readonly VerifyFailover[],
  waitedMs: number,
  waitedFor: readonly string[],
): VerifyCheck | undefined {
  const parts = failovers.map(({ from, to }) => `${from} failed over to ${to} before verify`);
  if (waitedMs > 0) {
    parts.push(
      `waited ${(waitedMs / 1000).toFixed(1)} s for a stable slot map (${waitedFor.join("; ")})`,
    );
  }
  if (parts.length === 0) return undefined;
  return { name: "topology", ok: true, detail: parts.join("; ") };
}
