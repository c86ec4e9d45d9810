/**
 * Merging shard reports: the JSON reports of n `fill --shard k/n` runs (one per loader, e.g.
 * one per pod of a Kubernetes Indexed Job) become one run report — keys and bytes summed per
 * node and in all, the wall window from the first shard's start to the last one's end, the
 * throughput over that window, the summed client CPU (and the largest peak RSS), and each
 * shard's own numbers under `shards`.
 *
 * - Every report must describe the same keyspace (count, sizes, seed, prefix, TTL and any other
 *   keyspace parameter) split into the same n: anything else is refused with one sentence.
 * - Two reports for one index are a retry (a pod run again with the same index writes the same
 *   keys): the one that ended later counts, the earlier one is listed with `counted: false`; the
 *   window still opens with the earlier one's start.
 * - A missing index is named, and the merged report is then `failed`, never `ok`.
 *
 * A report is read from a file that holds the JSON alone, or from a log (`kubectl logs`) in
 * which each report sits between {@linkcode REPORT_BEGIN} and {@linkcode REPORT_END} lines.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { cpuSecondsPerGib, mibPerSecond } from "../units.ts";
import { REPORT_SCHEMA_VERSION, RunReportSchema } from "./model.ts";
import { round } from "./_round.ts";
import type {
  ReportFill,
  ReportFillNode,
  ReportShardEntry,
  ReportStatus,
  ReportStep,
  RunReport,
} from "./types.ts";

/** The line before a report in a log (what `deploy/shard-report.sh` prints). */
export const REPORT_BEGIN = "----- BEGIN REDFILL REPORT -----";
/** The line after a report in a log. */
export const REPORT_END = "----- END REDFILL REPORT -----";

/** A shard report and where it was read. */
export interface ShardReport {
  /** The file (and block) it came from, for messages and the merged report. */
  source: string;
  /** The report. */
  report: RunReport;
}

/**
 * Reads the reports in a file's text: the whole text when it is one JSON report, else every
 * block between {@linkcode REPORT_BEGIN} and {@linkcode REPORT_END} lines (a pod's log).
 *
 * @example
 * ```ts
 * import { throws } from "node:assert/strict";
 * import { readShardReports } from "./merge.ts";
 * throws(() => readShardReports("no report here", "pod.log"), /no redfill report/);
 * ```
 *
 * @param text The file's text.
 * @param source The file's name, for messages.
 * @returns The reports, in the order they appear.
 * @throws {UsageError} when the text holds no report, or one that is not a redfill report.
 */
export function readShardReports(text: string, source: string): ShardReport[] {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) return [{ source, report: parseReport(trimmed, source) }];
  const blocks: string[] = [];
  let current: string[] | undefined;
  for (const line of text.split(/\r?\n/)) {
    // kubectl logs --prefix puts "[pod/name/container] " before each line.
    const bare = line.replace(/^\[[^\]]*\]\s/, "");
    if (bare.trim() === REPORT_BEGIN) {
      current = [];
    } else if (bare.trim() === REPORT_END && current !== undefined) {
      blocks.push(current.join("\n"));
      current = undefined;
    } else if (current !== undefined) {
      current.push(bare);
    }
  }
  if (blocks.length === 0) {
    throw new UsageError(
      `"${source}" holds no redfill report: give the JSON of --report json --out, or a log with the report between "${REPORT_BEGIN}" and "${REPORT_END}" lines`,
    );
  }
  return blocks.map((block, index) => {
    const name = blocks.length > 1 ? `${source}#${index + 1}` : source;
    return { source: name, report: parseReport(block, name) };
  });
}

function parseReport(text: string, source: string): RunReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `"${source}" is not JSON (${
        error instanceof Error ? error.message : String(error)
      }): give the file that --report json --out wrote`,
    );
  }
  const version = (value as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== REPORT_SCHEMA_VERSION) {
    throw new UsageError(
      `"${source}" is not a redfill report of schema version ${REPORT_SCHEMA_VERSION} (found ${
        JSON.stringify(version ?? null)
      }): make the shard reports with this version of redfill`,
    );
  }
  const parsed = RunReportSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(
      `"${source}" is not a valid redfill report: ${
        issue.path.join(".") || "the report"
      }: ${issue.message}`,
    );
  }
  return parsed.data;
}

/** The keyspace parameters as a stable text, whatever fields a version of redfill adds. */
function keyspaceKey(fill: ReportFill): string {
  return stableJson(fill.keyspace);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${stableJson(inner)}`)}}`;
  }
  return JSON.stringify(value);
}

/** The keyspace fields that differ between two reports, as `seed 1 ≠ 2`. */
function differences(a: ReportFill["keyspace"], b: ReportFill["keyspace"]): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const left = a as unknown as Record<string, unknown>;
  const right = b as unknown as Record<string, unknown>;
  return keys.filter((key) => stableJson(left[key]) !== stableJson(right[key]))
    .map((key) => `${key} ${stableJson(left[key] ?? null)} ≠ ${stableJson(right[key] ?? null)}`);
}

/** When a shard's fill ended (or its report was made), for ordering retries. */
function endOf(report: RunReport): number {
  return Date.parse(report.fill?.endedAt ?? report.createdAt);
}

/** Options for {@linkcode mergeReports}. */
export interface MergeReportsOptions {
  /** When the merged report is made (default now). */
  createdAt?: Date | undefined;
}

/**
 * Merges the reports of the shards of one keyspace into one run report.
 *
 * @example
 * ```ts ignore
 * const merged = mergeReports([
 *   ...readShardReports(await Deno.readTextFile("r0.json"), "r0.json"),
 *   ...readShardReports(await Deno.readTextFile("r1.json"), "r1.json"),
 * ]);
 * console.log(merged.ok, merged.shards?.missing);
 * ```
 *
 * @param inputs The shard reports, in any order, retries included.
 * @param options When the merged report is made.
 * @returns The merged report: `ok` only when every index 0 … n-1 has a passed report.
 * @throws {UsageError} when there is no report, a report has no fill (or a declared one), or
 *   the reports disagree on the keyspace or on n.
 */
export function mergeReports(
  inputs: readonly ShardReport[],
  options: MergeReportsOptions = {},
): RunReport {
  if (inputs.length === 0) {
    throw new UsageError("No shard report to merge: give the JSON report of each shard");
  }
  for (const { source, report } of inputs) {
    if (report.fill === null || !report.fill.written) {
      throw new UsageError(
        `"${source}" has no fill that wrote keys: merge the reports of fill --shard k/n runs`,
      );
    }
  }
  const first = inputs[0]!;
  const firstFill = first.report.fill!;
  const count = firstFill.shard.count;
  for (const { source, report } of inputs.slice(1)) {
    const fill = report.fill!;
    if (fill.shard.count !== count) {
      throw new UsageError(
        `"${source}" is shard ${fill.shard.index}/${fill.shard.count} but "${first.source}" is shard ${firstFill.shard.index}/${count}: merge only the shards of one split (the same n)`,
      );
    }
    if (keyspaceKey(fill) !== keyspaceKey(firstFill)) {
      throw new UsageError(
        `"${source}" fills another keyspace than "${first.source}" (${
          differences(fill.keyspace, firstFill.keyspace).join(", ")
        }): merge only shards run with the same size, sizes, seed, prefix and shapes`,
      );
    }
  }

  // Per index, the report that ended last counts; earlier ones are retries, listed.
  const byIndex = new Map<number, ShardReport[]>();
  for (const input of inputs) {
    const index = input.report.fill!.shard.index;
    byIndex.set(index, [...(byIndex.get(index) ?? []), input]);
  }
  const counted: ShardReport[] = [];
  const entries: ReportShardEntry[] = [];
  for (const index of [...byIndex.keys()].sort((a, b) => a - b)) {
    const runs = byIndex.get(index)!.slice().sort((a, b) => endOf(a.report) - endOf(b.report));
    counted.push(runs.at(-1)!);
    runs.forEach((run, position) => entries.push(shardEntry(run, position === runs.length - 1)));
  }
  const merged = counted.map((input) => input.report.fill!.shard.index);
  const missing = Array.from({ length: count }, (_, index) => index)
    .filter((index) => !byIndex.has(index));

  const fills = counted.map((input) => input.report.fill!);
  // The window opens with the first run of any index — a retried index's earlier run too: the
  // time it took is part of what the fill cost — and closes with the last counted run.
  const starts = inputs.map((input) => input.report.fill!.startedAt).filter((at) => at !== null)
    .map((at) => Date.parse(at));
  const ends = fills.map((fill) => fill.endedAt).filter((at) => at !== null)
    .map((at) => Date.parse(at));
  const startedAt = starts.length > 0 ? Math.min(...starts) : undefined;
  const endedAt = ends.length > 0 ? Math.max(...ends) : undefined;
  const windowMs = startedAt !== undefined && endedAt !== undefined
    ? endedAt - startedAt
    : Math.max(...fills.map((fill) => fill.durationMs));
  const keys = sum(fills.map((fill) => fill.keys));
  const bytes = sum(fills.map((fill) => fill.bytes));
  const cpuSeconds = sum(fills.map((fill) => fill.client.cpuSeconds));
  const perGib = cpuSecondsPerGib(cpuSeconds, bytes);

  const steps: ReportStep[] = [];
  for (const input of counted) {
    const { report } = input;
    const failed = report.steps.find((step) => !step.ok);
    steps.push({
      id: `shard-${report.fill!.shard.index}`,
      name: "fill",
      ok: report.status === "passed",
      durationMs: report.fill!.durationMs,
      error: report.status === "passed" ? null : failed?.error ??
        `${input.source}: the shard's run ${
          report.status === "interrupted" ? "was interrupted" : "failed"
        }`,
    });
  }
  for (const index of missing) {
    steps.push({
      id: `shard-${index}`,
      name: "fill",
      ok: false,
      durationMs: 0,
      error: `Shard ${index} of ${count} is missing: merge a report of every index 0 … ${
        count - 1
      } (${merged.length} of ${count} given)`,
    });
  }
  const status: ReportStatus = counted.some((input) => input.report.status === "interrupted")
    ? "interrupted"
    : missing.length > 0 || counted.some((input) => input.report.status !== "passed")
    ? "failed"
    : "passed";
  const latest = counted.slice().sort((a, b) => endOf(a.report) - endOf(b.report)).at(-1)!;
  const range = { start: 0, end: firstFill.keyspace.count };
  const fill: ReportFill = {
    written: true,
    flushed: fills.some((entry) => entry.flushed),
    acked: fills.every((entry) => entry.acked),
    interrupted: fills.some((entry) => entry.interrupted),
    keyspace: firstFill.keyspace,
    shard: { index: 0, count: 1, ...range },
    keys,
    bytes,
    errors: sum(fills.map((entry) => entry.errors)),
    durationMs: round(windowMs, 3),
    startedAt: startedAt === undefined ? null : new Date(startedAt).toISOString(),
    endedAt: endedAt === undefined ? null : new Date(endedAt).toISOString(),
    mibPerSecond: round(mibPerSecond(bytes, windowMs), 3),
    client: {
      cpuSeconds: round(cpuSeconds, 3),
      cpuSecondsPerGib: perGib === undefined ? null : round(perGib, 3),
      peakRssBytes: Math.max(...fills.map((entry) => entry.client.peakRssBytes)),
    },
    nodes: mergeNodes(fills),
    waitedForReplicas: fills.every((entry) => entry.waitedForReplicas),
    resentSlots: sum(fills.map((entry) => entry.resentSlots)),
    // Server-wide counters: each shard's are in its report (summed, they would count twice).
    server: null,
    // Each shard's own limit is in its report; the merge has no one verdict for all.
    limit: null,
  };
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    pipeline: `${latest.report.pipeline} (${merged.length} of ${count} shards merged)`,
    createdAt: (options.createdAt ?? new Date()).toISOString(),
    status,
    ok: status === "passed",
    target: latest.report.target,
    topology: latest.report.topology,
    fill,
    verify: null,
    // The shards' thresholds were judged by each shard's run.
    thresholds: [],
    steps,
    shards: { count, merged, missing, reports: entries },
  };
}

function shardEntry(input: ShardReport, counted: boolean): ReportShardEntry {
  const fill = input.report.fill!;
  return {
    index: fill.shard.index,
    source: input.source,
    counted,
    status: input.report.status,
    startedAt: fill.startedAt,
    endedAt: fill.endedAt,
    keys: fill.keys,
    bytes: fill.bytes,
    durationMs: fill.durationMs,
    mibPerSecond: fill.mibPerSecond,
    client: fill.client,
  };
}

/** Keys, bytes and errors summed per node (by node id: every shard writes to the same nodes). */
function mergeNodes(fills: readonly ReportFill[]): ReportFillNode[] {
  const nodes = new Map<string, ReportFillNode>();
  for (const fill of fills) {
    for (const node of fill.nodes) {
      const key = node.nodeId;
      const known = nodes.get(key);
      nodes.set(
        key,
        known === undefined ? { ...node, dbsize: null } : {
          ...known,
          keys: known.keys + node.keys,
          bytes: known.bytes + node.bytes,
          errors: known.errors + node.errors,
        },
      );
    }
  }
  return [...nodes.values()];
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
