/**
 * Number, size, duration and bar formatting shared by the report renderers (private to
 * `lib/report`).
 *
 * @module
 */

import {
  formatBytes,
  formatCount,
  formatCpuPerGib,
  formatDuration,
  formatRate,
  MIB,
} from "../units.ts";
import { thresholdLine } from "../thresholds.ts";
import type { RunReport } from "./model.ts";
import type { ReportServerNode } from "./types.ts";

export { formatBytes, formatCount, formatDuration };

/** A signed percentage: `+1.25%`, `-0.40%`, `0.00%`. */
export function formatDeviation(fraction: number): string {
  const value = (fraction * 100).toFixed(2);
  if (value === "0.00" || value === "-0.00") return "0.00%";
  return fraction > 0 ? `+${value}%` : `${value}%`;
}

/** A tolerance: `±20%`. */
export function formatTolerance(fraction: number): string {
  return `±${Number((fraction * 100).toFixed(2))}%`;
}

/** A bar of `width` cells, `fraction` of them full: `██████░░░░`. */
export function bar(fraction: number, width: number): string {
  const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const full = Math.round(clamped * width);
  return "█".repeat(full) + "░".repeat(width - full);
}

/**
 * The overall verdict word: `interrupted` for a run that was stopped; else `pass`/`fail` when
 * verify ran, `done`/`failed` when it did not.
 */
export function verdictWord(report: RunReport): string {
  if (report.status === "interrupted") return "interrupted";
  if (report.verify !== null) return report.ok ? "pass" : "fail";
  return report.ok ? "done" : "failed";
}

/** The target on one line: `127.0.0.1:7000, cluster, TLS, user default`. */
export function targetLine(report: RunReport): string {
  const { target } = report;
  const parts = [target.address, target.mode, target.tls ? "TLS" : "no TLS"];
  if (target.username !== null) parts.push(`user ${target.username}`);
  return parts.join(", ");
}

/**
 * The masters' own counters on one line: `server-wide: 0 writes rejected (OOM), 0 evicted, …`,
 * or that they were not read.
 */
export function serverLine(report: RunReport): string | undefined {
  const server = report.fill?.server;
  if (server === null || server === undefined) return undefined;
  if (!server.read) {
    const reason = server.nodes.find((node) => node.reason !== null)?.reason;
    return `counters not read (INFO stats/errorstats${
      reason ? `: ${reason}` : ""
    }): rejected writes and evictions were not checked`;
  }
  const sum = (pick: (node: ReportServerNode) => number) =>
    server.nodes.reduce((total, node) => total + (node.read ? pick(node) : 0), 0);
  const parts = [
    `${formatCount(sum((node) => node.errors.OOM ?? 0))} writes rejected (OOM)`,
    `${formatCount(sum((node) => node.evictedKeys))} evicted`,
    `${formatCount(sum((node) => node.expiredKeys))} expired`,
    `${formatCount(sum((node) => node.errorReplies))} error replies`,
  ];
  const unread = server.nodes.filter((node) => !node.read).length;
  const tail = unread > 0 ? `; not read on ${unread} of ${server.nodes.length} masters` : "";
  return `server-wide counters (any client's count): ${parts.join(", ")}${tail}`;
}

/** The nodes on one line: `3 masters, 3 replicas` or `standalone`. */
export function nodesLine(report: RunReport): string | undefined {
  const topology = report.topology;
  if (topology === null) return undefined;
  if (report.target.mode === "proxy") return "1 proxy (the servers behind it are not listed)";
  if (topology.mode === "standalone") return "1 standalone server";
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return `${plural(topology.masters, "master")}, ${plural(topology.replicas, "replica")}`;
}

/** `replicas acknowledged 1 of 1 on every master`, or the fewest when they differ. */
function replicasFlag(nodes: NonNullable<RunReport["fill"]>["nodes"]): string {
  const waited = nodes.flatMap((node) => node.replication === null ? [] : [node.replication]);
  if (waited.length === 0) return "replicas waited for";
  const fewest = waited.reduce((a, b) => (b.acknowledged < a.acknowledged ? b : a));
  const same = waited.every((entry) =>
    entry.acknowledged === fewest.acknowledged && entry.wanted === fewest.wanted
  );
  return same
    ? `replicas acknowledged ${fewest.acknowledged} of ${fewest.wanted} on every master`
    : `replicas acknowledged at least ${fewest.acknowledged} of ${fewest.wanted}`;
}

/** The fill on one line: keys, bytes, duration, throughput. */
export function fillLine(report: RunReport): string | undefined {
  const fill = report.fill;
  if (fill === null) return undefined;
  if (!fill.written) {
    return `declared: ${
      formatCount(fill.keyspace.count)
    } keys of ${fill.keyspace.keySize}+${fill.keyspace.valueSize} bytes, seed ${fill.keyspace.seed} (written earlier)`;
  }
  const shard = fill.shard.count > 1 ? ` (shard ${fill.shard.index}/${fill.shard.count})` : "";
  const flags = [
    fill.flushed ? "after a flush" : "",
    fill.acked ? "acked" : "",
    fill.interrupted ? "interrupted" : "",
    fill.errors > 0 ? `${formatCount(fill.errors)} errors` : "",
    fill.waitedForReplicas ? replicasFlag(fill.nodes) : "",
    fill.resentSlots > 0 ? `${formatCount(fill.resentSlots)} moved slots re-sent` : "",
  ].filter((flag) => flag !== "");
  return `${formatCount(fill.keys)} keys, ${formatBytes(fill.bytes)} in ${
    formatDuration(fill.durationMs)
  }: ${formatRate(fill.mibPerSecond * MIB)}${shard}${
    flags.length > 0 ? `, ${flags.join(", ")}` : ""
  }`;
}

/** The client's cost on one line: CPU, CPU per GiB, peak RSS. */
export function clientLine(report: RunReport): string | undefined {
  const fill = report.fill;
  if (fill === null || !fill.written) return undefined;
  const { cpuSeconds, cpuSecondsPerGib, peakRssBytes } = fill.client;
  const perGib = cpuSecondsPerGib === null ? "" : ` (${formatCpuPerGib(cpuSecondsPerGib)})`;
  return `${cpuSeconds.toFixed(2)} CPU-s${perGib}, peak RSS ${formatBytes(peakRssBytes)}`;
}

/** What limited the fill, on one line, with the numbers. */
export function limitLine(report: RunReport): string | undefined {
  const limit = report.fill?.limit;
  if (limit === undefined || limit === null) return undefined;
  return limit.summary;
}

/** Each threshold's ✓/✗ line, with the observed value and the limit. */
export function thresholdLines(report: RunReport): string[] {
  return report.thresholds.map((result) => thresholdLine(result));
}

/** The verify result on one line. */
export function verifyLine(report: RunReport): string | undefined {
  const verify = report.verify;
  if (verify === null) return undefined;
  // count: fast is DBSIZE, which counts every key: it can only say "at least".
  const keys = verify.count === "fast"
    ? `at least ${formatCount(verify.expectedKeys)} keys expected, DBSIZE ${
      formatCount(verify.totalKeys)
    } (count: fast)`
    : `${formatCount(verify.totalKeys)} of ${formatCount(verify.expectedKeys)} keys`;
  return `${verify.verdict}: ${keys}, largest deviation ${formatDeviation(verify.maxDeviation)} (${
    formatTolerance(verify.tolerance)
  }), ${formatCount(verify.sampled - verify.mismatched)} of ${formatCount(verify.sampled)} ${
    verify.content === "full" ? "keys match (content: full)" : "sampled keys match"
  }`;
}

/** The steps on one line: `connect 12 ms, fill 1.52 s, verify 80 ms (failed)`. */
export function stepsLine(report: RunReport): string | undefined {
  if (report.steps.length === 0) return undefined;
  return report.steps.map((step) =>
    `${step.id} ${formatDuration(step.durationMs)}${step.ok ? "" : " (failed)"}`
  ).join(", ");
}

/** One row of the per-node table. */
export interface NodeRow {
  /** host:port. */
  address: string;
  /** Slots served, when known. */
  slots: number | undefined;
  /** Keys found (verify) or sent (fill). */
  keys: number;
  /** Keys expected, when verify ran. */
  expectedKeys: number | undefined;
  /** Deviation from the slot share, when verify ran. */
  deviation: number | undefined;
  /** used_memory, when verify ran. */
  usedMemory: number | undefined;
  /** maxmemory (0 = none), when verify ran. */
  maxMemory: number | undefined;
  /** Bytes per key, when known. */
  bytesPerKey: number | null | undefined;
  /** Bytes sent by the fill, when it ran. */
  bytesSent: number | undefined;
  /** Error replies in acked mode, when the fill ran. */
  errors: number | undefined;
}

/**
 * The per-node rows: masters as verify saw them, else as the fill wrote them, else as the
 * topology lists them; and whether the keys are found (verify) or sent (fill).
 */
export function nodeRows(report: RunReport): { rows: NodeRow[]; keysFound: boolean } {
  const nodes = report.topology?.nodes ?? [];
  const slotsOf = (address: string) => nodes.find((node) => node.address === address)?.slots;
  const fillOf = (address: string) => report.fill?.nodes.find((node) => node.address === address);
  if (report.verify !== null) {
    return {
      keysFound: true,
      rows: report.verify.nodes.map((node) => ({
        address: node.address,
        slots: node.slots,
        keys: node.keys,
        expectedKeys: node.expectedKeys,
        deviation: node.deviation,
        usedMemory: node.usedMemory,
        maxMemory: node.maxMemory,
        bytesPerKey: node.bytesPerKey,
        bytesSent: fillOf(node.address)?.bytes,
        errors: fillOf(node.address)?.errors,
      })),
    };
  }
  if (report.fill !== null && report.fill.written) {
    return {
      keysFound: false,
      rows: report.fill.nodes.map((node) => ({
        address: node.address,
        slots: slotsOf(node.address),
        keys: node.keys,
        expectedKeys: undefined,
        deviation: undefined,
        usedMemory: undefined,
        maxMemory: undefined,
        bytesPerKey: undefined,
        bytesSent: node.bytes,
        errors: node.errors,
      })),
    };
  }
  return {
    keysFound: false,
    rows: nodes.filter((node) => node.role === "master").map((node) => ({
      address: node.address,
      slots: node.slots,
      keys: 0,
      expectedKeys: undefined,
      deviation: undefined,
      usedMemory: undefined,
      maxMemory: undefined,
      bytesPerKey: undefined,
      bytesSent: undefined,
      errors: undefined,
    })),
  };
}

/**
 * The fraction of a memory bar to fill: of maxmemory when the node has one, else of the
 * largest node's used memory.
 */
export function memoryFraction(row: NodeRow, largest: number): number {
  if (row.usedMemory === undefined) return 0;
  if (row.maxMemory !== undefined && row.maxMemory > 0) return row.usedMemory / row.maxMemory;
  return largest > 0 ? row.usedMemory / largest : 0;
}

/** Splits text into lines of at most `width` characters at spaces (long words stay whole). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line === "") line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  lines.push(line);
  return lines;
}
