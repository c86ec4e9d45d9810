/**
 * The run report: one versioned model of a run (target, nodes, fill, verify, steps) built from
 * the run context, validated by a zod schema from which `schema/report.schema.json` is
 * generated. Renderers ({@linkcode renderTable}, {@linkcode renderJson},
 * {@linkcode renderMarkdown}) read only this model, so what a person sees and what a machine
 * reads cannot drift apart.
 *
 * The model never holds a password: the target is reduced to its address, mode, TLS flag and
 * user name, and every string in it is scrubbed of the target's password as a last guard.
 *
 * @module
 */

import { z } from "zod";
import { shardRange } from "../fill/keyspace.ts";
import { slotCount } from "../cluster/slots.ts";
import type { FillResult, StepRecord, Target, Topology, VerifyResult } from "../types.ts";

/** The version of the report's JSON format; raised on any incompatible change. */
export const REPORT_SCHEMA_VERSION = 1;

const count = z.number().int().min(0);

/** The target as a report may show it: never the password. */
export const ReportTargetSchema = z.strictObject({
  address: z.string().describe("host:port of the seed node"),
  mode: z.enum(["standalone", "cluster", "auto"]).describe("The mode asked for"),
  tls: z.boolean().describe("Whether the connection uses TLS"),
  username: z.string().nullable().describe("ACL user name, or null for the default user"),
}).describe("Where the run connected; the password is never part of a report");

/** One node of the topology. */
export const ReportNodeSchema = z.strictObject({
  id: z.string().describe('Cluster node id, or "standalone"'),
  address: z.string().describe("host:port"),
  role: z.enum(["master", "replica"]),
  masterId: z.string().nullable().describe("For a replica, its master's id"),
  slots: count.describe("Hash slots the node serves (0 for a replica)"),
});

/** What one master received during the fill. */
export const ReportFillNodeSchema = z.strictObject({
  nodeId: z.string(),
  address: z.string().describe("host:port"),
  keys: count.describe("Keys sent to the node"),
  bytes: count.describe("Bytes of keys and values sent to the node"),
  dbsize: count.nullable().describe("DBSIZE right after the fill, when it could be read"),
  errors: count.describe("Error replies counted in acked mode"),
});

/** What the fill did. */
export const ReportFillSchema = z.strictObject({
  written: z.boolean().describe("false: a keyspace declared for a fill made earlier"),
  flushed: z.boolean().describe("Whether FLUSHALL ran on every master first"),
  acked: z.boolean().describe("Whether every reply was counted (acked mode)"),
  interrupted: z.boolean(),
  keyspace: z.strictObject({
    count: count.describe("Keys in the whole keyspace (N)"),
    keySize: count,
    valueSize: count,
    seed: count,
    prefix: z.string(),
    ttl: z.strictObject({ min: count, max: count }).nullable().describe("TTL range in seconds"),
  }),
  shard: z.strictObject({
    index: count,
    count: z.number().int().min(1),
    start: count.describe("First index of the shard (inclusive)"),
    end: count.describe("Last index of the shard (exclusive)"),
  }),
  keys: count.describe("Keys sent"),
  bytes: count.describe("Bytes of keys and values sent"),
  durationMs: z.number().min(0),
  megabytesPerSecond: z.number().min(0).describe("Throughput in MB/s (10^6 bytes per second)"),
  cpuSeconds: z.number().min(0).describe("Client CPU seconds (user + system) during the fill"),
  cpuSecondsPerGigabyte: z.number().min(0).nullable().describe(
    "Client CPU seconds per 10^9 bytes sent; null when nothing was sent",
  ),
  peakRssBytes: count.describe("Peak resident memory of the client"),
  errors: count.describe("Error replies in all (acked mode)"),
  nodes: z.array(ReportFillNodeSchema),
});

/** One verify check. */
export const ReportCheckSchema = z.strictObject({
  name: z.string().describe("count, distribution, content, ttl or memory"),
  ok: z.boolean(),
  detail: z.string().describe("One sentence with the numbers"),
});

/** What verify found on one master. */
export const ReportVerifyNodeSchema = z.strictObject({
  nodeId: z.string(),
  address: z.string().describe("host:port"),
  slots: count,
  keys: count.describe("Keys found (DBSIZE)"),
  expectedKeys: count.describe("Keys expected by the node's slots"),
  deviation: z.number().describe("(keys - expectedKeys) / expectedKeys"),
  usedMemory: count.describe("used_memory in bytes"),
  maxMemory: count.describe("maxmemory in bytes (0 = no limit)"),
  bytesPerKey: z.number().min(0).nullable().describe("usedMemory / keys; null without keys"),
});

/** What verify found. */
export const ReportVerifySchema = z.strictObject({
  ok: z.boolean(),
  verdict: z.enum(["pass", "fail"]),
  totalKeys: count,
  expectedKeys: count,
  maxDeviation: z.number().min(0).describe("Largest |deviation| of a master, as a fraction"),
  tolerance: z.number().min(0).describe("Allowed |deviation|, as a fraction"),
  sampled: count,
  mismatched: count,
  checks: z.array(ReportCheckSchema),
  nodes: z.array(ReportVerifyNodeSchema),
});

/** One step of the run. */
export const ReportStepSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  ok: z.boolean(),
  durationMs: z.number().min(0),
  error: z.string().nullable().describe("The one-line message of the error that stopped it"),
});

/** The whole report; the key order here is the key order of the JSON. */
export const RunReportSchema = z.strictObject({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  pipeline: z.string().describe("Name of the pipeline that ran"),
  createdAt: z.string().describe("When the report was made (ISO 8601, UTC)"),
  ok: z.boolean().describe("Every step finished and verify (if it ran) passed"),
  target: ReportTargetSchema,
  topology: z.strictObject({
    mode: z.enum(["standalone", "cluster"]),
    masters: count,
    replicas: count,
  }).nullable().describe("null when no step discovered the topology"),
  nodes: z.array(ReportNodeSchema),
  fill: ReportFillSchema.nullable().describe("null when no fill or keyspace step ran"),
  verify: ReportVerifySchema.nullable().describe("null when no verify step ran"),
  steps: z.array(ReportStepSchema),
}).meta({
  title: "redfill run report",
  description: "What a redfill run did: target, nodes, fill, verify and steps. No secrets.",
});

/** A run report (see {@linkcode RunReportSchema}). */
export type RunReport = z.infer<typeof RunReportSchema>;

/** What {@linkcode buildRunReport} reads: the run context's facts and steps. */
export interface RunReportInput {
  /** Name of the pipeline. */
  pipeline: string;
  /** The target; only its address, mode, TLS flag and user name are kept. */
  target: Target;
  /** The topology, when discovered. */
  topology?: Topology | undefined;
  /** The fill result, when a fill (or keyspace) step ran. */
  fill?: FillResult | undefined;
  /** The verify result, when verify ran. */
  verify?: VerifyResult | undefined;
  /** The steps that ran, with durations. */
  steps?: readonly StepRecord[] | undefined;
  /** When the report was made (default now). */
  createdAt?: Date | undefined;
}

/**
 * Builds the report model from what a run produced.
 *
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { buildRunReport } from "./model.ts";
 * const report = buildRunReport({
 *   pipeline: "demo",
 *   target: {
 *     host: "127.0.0.1", port: 6379, mode: "standalone", password: "s3cret",
 *     connectTimeoutMs: 5000, commandTimeoutMs: 10000,
 *   },
 * });
 * ok(!JSON.stringify(report).includes("s3cret"));
 * ok(JSON.stringify(report).includes("127.0.0.1"));
 * ```
 *
 * @param input The target, topology, fill, verify and steps.
 * @returns A report that validates against {@linkcode RunReportSchema}.
 */
export function buildRunReport(input: RunReportInput): RunReport {
  const { target, topology, fill, verify } = input;
  const steps = (input.steps ?? []).map((step) => ({
    id: step.id,
    name: step.name,
    ok: step.ok,
    durationMs: round(step.durationMs, 3),
    error: step.error ?? null,
  }));
  const report: RunReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    pipeline: input.pipeline,
    createdAt: (input.createdAt ?? new Date()).toISOString(),
    ok: steps.every((step) => step.ok) && (verify === undefined || verify.ok),
    target: {
      address: `${target.host}:${target.port}`,
      mode: target.mode,
      tls: target.tls !== undefined,
      username: target.username ?? null,
    },
    topology: topology === undefined ? null : {
      mode: topology.mode,
      masters: topology.nodes.filter((node) => node.role === "master").length,
      replicas: topology.nodes.filter((node) => node.role === "replica").length,
    },
    nodes: (topology?.nodes ?? []).map((node) => ({
      id: node.id,
      address: `${node.host}:${node.port}`,
      role: node.role,
      masterId: node.masterId ?? null,
      slots: slotCount(node.slots),
    })),
    fill: fill === undefined ? null : fillReport(fill),
    verify: verify === undefined ? null : verifyReport(verify),
    steps,
  };
  return redact(report, [target.password]);
}

function fillReport(fill: FillResult): NonNullable<RunReport["fill"]> {
  const seconds = fill.durationMs / 1000;
  const range = shardRange(fill.keyspace.count, fill.shard);
  const ttl = fill.keyspace.ttl;
  return {
    written: fill.written,
    flushed: fill.flushed,
    acked: fill.acked,
    interrupted: fill.interrupted,
    keyspace: {
      count: fill.keyspace.count,
      keySize: fill.keyspace.keySize,
      valueSize: fill.keyspace.valueSize,
      seed: fill.keyspace.seed,
      prefix: fill.keyspace.prefix,
      ttl: ttl === undefined ? null : { min: ttl.min, max: ttl.max },
    },
    shard: { index: fill.shard.index, count: fill.shard.count, ...range },
    keys: fill.keys,
    bytes: fill.bytes,
    durationMs: round(fill.durationMs, 3),
    megabytesPerSecond: seconds > 0 ? round(fill.bytes / 1e6 / seconds, 3) : 0,
    cpuSeconds: round(fill.cpuSeconds, 3),
    cpuSecondsPerGigabyte: fill.bytes > 0 ? round(fill.cpuSeconds / (fill.bytes / 1e9), 3) : null,
    peakRssBytes: Math.round(fill.peakRssBytes),
    errors: fill.errors,
    nodes: fill.nodes.map((node) => ({
      nodeId: node.nodeId,
      address: node.address,
      keys: node.keys,
      bytes: node.bytes,
      dbsize: node.dbsize ?? null,
      errors: node.errors,
    })),
  };
}

function verifyReport(verify: VerifyResult): NonNullable<RunReport["verify"]> {
  return {
    ok: verify.ok,
    verdict: verify.ok ? "pass" : "fail",
    totalKeys: verify.totalKeys,
    expectedKeys: verify.expectedKeys,
    maxDeviation: round(verify.maxDeviation, 6),
    tolerance: verify.tolerance,
    sampled: verify.sampled,
    mismatched: verify.mismatched,
    checks: verify.checks.map((check) => ({
      name: check.name,
      ok: check.ok,
      detail: check.detail,
    })),
    nodes: verify.nodes.map((node) => ({
      nodeId: node.nodeId,
      address: node.address,
      slots: node.slots,
      keys: node.keys,
      expectedKeys: node.expectedKeys,
      deviation: round(node.deviation, 6),
      usedMemory: node.usedMemory,
      maxMemory: node.maxMemory,
      bytesPerKey: node.keys > 0 ? round(node.usedMemory / node.keys, 1) : null,
    })),
  };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/**
 * A copy of a value with every occurrence of each secret in its strings replaced by `***`.
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { redact } from "./model.ts";
 * deepEqual(redact({ a: ["x s3cret y"] }, ["s3cret"]), { a: ["x *** y"] });
 * ```
 *
 * @param value Any JSON-like value.
 * @param secrets Secrets to remove; empty and undefined ones are ignored.
 * @returns The scrubbed copy (the same value when there is nothing to remove).
 */
export function redact<TValue>(value: TValue, secrets: readonly (string | undefined)[]): TValue {
  const words = secrets.filter((secret): secret is string => secret !== undefined && secret !== "");
  if (words.length === 0) return value;
  const scrub = (item: unknown): unknown => {
    if (typeof item === "string") {
      return words.reduce((text, word) => text.split(word).join("***"), item);
    }
    if (Array.isArray(item)) return item.map(scrub);
    if (item !== null && typeof item === "object") {
      return Object.fromEntries(Object.entries(item).map(([key, entry]) => [key, scrub(entry)]));
    }
    return item;
  };
  return scrub(value) as TValue;
}
