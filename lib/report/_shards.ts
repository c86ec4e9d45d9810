/**
 * How a merged report shows its shards (private to `lib/report`): one summary line, and one
 * row per shard report read — its index, source, whether it counted (a retry's earlier run
 * does not), status, keys, bytes, time, throughput, client CPU and peak RSS.
 *
 * @module
 */

import { formatBytes, formatCount, formatDuration, formatRate, MIB } from "../units.ts";
import type { RunReport } from "./types.ts";

/** The column heads of {@linkcode shardRows}. */
export const SHARD_HEAD = [
  "Shard",
  "Report",
  "Counted",
  "Status",
  "Keys",
  "Bytes",
  "Time",
  "Rate",
  "CPU-s",
  "CPU-s/GiB",
  "Peak RSS",
] as const;

/** The shards on one line, or undefined for a report that is not a merge. */
export function shardsLine(report: RunReport): string | undefined {
  const shards = report.shards;
  if (shards === undefined) return undefined;
  const retried = [
    ...new Set(shards.reports.filter((entry) => !entry.counted).map((e) => e.index)),
  ];
  const parts = [`${shards.merged.length} of ${shards.count} merged`];
  if (shards.missing.length > 0) parts.push(`missing: ${shards.missing.join(", ")}`);
  if (retried.length > 0) {
    parts.push(`retried: ${retried.join(", ")} (the later report counts)`);
  }
  const fill = report.fill;
  if (fill?.startedAt && fill.endedAt) parts.push(`window ${fill.startedAt} → ${fill.endedAt}`);
  return parts.join("; ");
}

/** One row per shard report, as texts under {@linkcode SHARD_HEAD}; [] for a report that is not a merge. */
export function shardRows(report: RunReport): string[][] {
  return (report.shards?.reports ?? []).map((entry) => [
    String(entry.index),
    entry.source,
    entry.counted ? "yes" : "retried",
    entry.status,
    formatCount(entry.keys),
    formatBytes(entry.bytes),
    formatDuration(entry.durationMs),
    formatRate(entry.mibPerSecond * MIB),
    entry.client.cpuSeconds.toFixed(2),
    entry.client.cpuSecondsPerGib === null ? "-" : entry.client.cpuSecondsPerGib.toFixed(2),
    formatBytes(entry.client.peakRssBytes),
  ]);
}
