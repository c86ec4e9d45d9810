/**
 * The run report: one versioned model of a run (status, target, topology, fill, verify,
 * steps) built from the run context, validated by a zod schema from which
 * `schema/report.schema.json` is generated. Renderers ({@linkcode renderTable},
 * {@linkcode renderJson}, {@linkcode renderMarkdown}) read only this model, so what a person
 * sees and what a machine reads cannot drift apart.
 *
 * Version 2 (`schemaVersion: 2`):
 * - `status` is `passed`, `failed` or `interrupted`, and `ok` is true only for `passed`: every
 *   step finished and every check passed (version 1's `ok` was true for an interrupted run);
 * - every unit is binary and named in the field: `fill.mibPerSecond`,
 *   `fill.client.cpuSecondsPerGib` (version 1: `megabytesPerSecond`, `cpuSecondsPerGigabyte`,
 *   powers of 1000);
 * - the client's cost is grouped under `fill.client`, and the nodes under `topology.nodes`.
 *
 * Fields are grouped by what measured them, so a new measure has one obvious home: the
 * client under `fill.client`, a server's counters per node beside what it received
 * (`fill.nodes[]`) or found (`verify.nodes[]`), checks of a step beside that step's other
 * results (`verify.checks`), thresholds as a top-level group of their own beside `verify`,
 * the part of the keyspace a run wrote under `fill.shard`. Adding a field or a group keeps the
 * version (readers ignore what they do not know); renaming, removing or changing the meaning
 * of one raises it.
 *
 * The model never holds a password, by construction: the target is reduced to its address,
 * mode, TLS flag and user name, and the texts in it (step errors, check details) are made by
 * code that masks a secret where it puts one into text. Nothing here searches text for one.
 *
 * @module
 */

import { formatAddress } from "../address.ts";
import { z } from "zod";
import { shardRange } from "../fill/keyspace.ts";
import { slotCount } from "../cluster/slots.ts";
import { cpuSecondsPerGib, mibPerSecond } from "../units.ts";
import type { ThresholdResult } from "../thresholds.ts";
import type { FillResult, StepRecord, Target, Topology, VerifyResult } from "../types.ts";
import type { ReportStatus, RunReport } from "./types.ts";
import * as servers from "./server_counters.ts";
import { shardsSchema } from "./_shards_schema.ts";
import { round } from "./_round.ts";
import { memoryFields, ReportMemorySchema } from "./_memory.ts";

/** The version of the report's JSON format; raised on any incompatible change. */
export const REPORT_SCHEMA_VERSION = 2;

/** How a run ended. */
export const REPORT_STATUSES = ["passed", "failed", "interrupted"] as const;

/** How a run ended: every step finished and every check passed, or not, or it was stopped. */
export type { ReportStatus } from "./types.ts";

const count = z.number().int().min(0);

/** The target as a report may show it: never the password. */
export const ReportTargetSchema = z.strictObject({
  address: z.string().describe("host:port of the seed node"),
  mode: z.enum(["standalone", "cluster", "auto", "proxy"]).describe("The mode asked for"),
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
  replication: servers.ReportReplicationSchema,
});

/** What the client paid for the fill. */
export const ReportClientSchema = z.strictObject({
  cpuSeconds: z.number().min(0).describe("Client CPU seconds (user + system) during the fill"),
  cpuSecondsPerGib: z.number().min(0).nullable().describe(
    "Client CPU seconds per GiB (2^30 bytes) of keys and values sent; null when nothing was sent",
  ),
  peakRssBytes: count.describe("Peak resident memory of the client process (VmHWM on Linux)"),
}).describe("The client's cost");

/** One master's load during the fill. */
export const ReportLimitServerSchema = z.strictObject({
  address: z.string().describe("host:port"),
  cpu: z.number().min(0).describe("Cores its main thread used on average (INFO cpu)"),
  inputMibPerSecond: z.number().min(0).describe(
    "MiB/s it received (INFO stats total_net_input_bytes)",
  ),
  opsPerSecond: z.number().min(0).describe("Commands per second (INFO stats)"),
});

/** What limited the fill. */
export const ReportLimitSchema = z.strictObject({
  kind: z.enum(["server-bound", "client-bound", "rate-capped", "latency-bound", "unknown"])
    .describe(
      "server-bound or client-bound: that side used at least 0.8 of a core; rate-capped: the rate option held it back; latency-bound: neither side busy; unknown: no INFO and an idle client",
    ),
  summary: z.string().describe("One line with the numbers"),
  clientCpu: z.number().min(0).describe("Cores the client used on average"),
  serverCpuMax: z.number().min(0).nullable().describe(
    "Cores the busiest master used on average; null when INFO was not available",
  ),
  servers: z.array(ReportLimitServerSchema),
  unavailable: z.string().nullable().describe("Why the servers' CPU is unknown, or null"),
}).describe("What limited the fill, sampled once a second");

/** One threshold checked. */
export const ReportThresholdSchema = z.strictObject({
  metric: z.string().describe("The metric: fill.throughput, step.fill.duration, …"),
  expression: z.string().describe('The expression: "> 100 MiB/s"'),
  ok: z.boolean().describe("Whether it passed (a metric never measured fails)"),
  observed: z.number().nullable().describe("The value observed, in unit; null: not measured"),
  unit: z.enum(["MiB/s", "bytes", "s", "%", "number"]).describe("The metric's unit"),
  observedText: z.string().describe("The observed value as printed, or why there is none"),
  abortOnFail: z.boolean().describe("Whether a failing sample stops the run"),
  stoppedRun: z.boolean().describe("Whether this threshold stopped the run"),
});

/** What the fill did. */
export const ReportFillSchema = z.strictObject({
  written: z.boolean().describe("false: a keyspace declared for a fill made earlier"),
  flushed: z.boolean().describe("Whether FLUSHALL ran on every master first"),
  acked: z.boolean().describe("Whether every reply was counted (acked mode)"),
  interrupted: z.boolean().describe("Whether the fill was stopped (Ctrl-C, SIGTERM) part-way"),
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
  bytes: count.describe("Bytes of keys and values sent (RESP framing not counted)"),
  errors: count.describe("Error replies in all (acked mode)"),
  durationMs: z.number().min(0),
  startedAt: z.string().nullable().describe(
    "When the fill started writing (ISO 8601, UTC); null for a declared keyspace",
  ),
  endedAt: z.string().nullable().describe(
    "When the fill ended (ISO 8601, UTC); null for a declared keyspace",
  ),
  mibPerSecond: z.number().min(0).describe(
    "Throughput: bytes of keys and values per second, in MiB/s (2^20 bytes per second)",
  ),
  client: ReportClientSchema,
  nodes: z.array(ReportFillNodeSchema),
  ...servers.reportFillServerShape,
  limit: ReportLimitSchema.nullable().describe(
    "What limited the fill; null for a keyspace declared for a fill made earlier",
  ),
  memory: ReportMemorySchema.optional(),
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
  missing: count.nullable().describe(
    "This fill's keys the master lacks (count: exact or content: full); null for count: fast",
  ),
  dbsize: count.nullable().describe("DBSIZE: every key on the master, this fill's and others'"),
});

/** A key named in a verify finding. */
export const ReportKeySchema = z.strictObject({
  index: count.describe("The key's index i"),
  key: z.string().describe("The key: prefix, tag and index, then … for the filler"),
});

/** What verify found. */
export const ReportVerifySchema = z.strictObject({
  ok: z.boolean(),
  verdict: z.enum(["pass", "fail"]),
  totalKeys: count,
  expectedKeys: count,
  maxDeviation: z.number().min(0).describe("Largest |deviation| of a master, as a fraction"),
  tolerance: z.number().min(0).describe("Allowed |deviation|, as a fraction"),
  sampled: count.describe("Keys whose contents were compared (every key with content: full)"),
  mismatched: count,
  count: z.enum(["exact", "fast"]).nullable().describe(
    "exact: this fill's keys, counted one by one (EXISTS); fast: DBSIZE, which says at least",
  ),
  content: z.enum(["sample", "full"]).nullable().describe(
    "sample: the sampled keys' contents; full: every key read back",
  ),
  checkedKeys: count.describe("Keys the exact count or the full read looked at"),
  keysPerSecond: z.number().min(0).nullable().describe(
    "How fast the exact count or the full read went; null when neither ran",
  ),
  missingKeys: z.array(ReportKeySchema).describe("The first missing keys, by index"),
  wrongKeys: z.array(ReportKeySchema).describe(
    "The first keys whose contents differ, by index (content: full)",
  ),
  failovers: z.array(z.strictObject({ from: z.string(), to: z.string() })).describe(
    "Masters replaced by their replica before verify counted (host:port)",
  ),
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

/** How a merged report was made from shard reports (`report merge`). */
export const ReportShardsSchema = shardsSchema(ReportClientSchema, REPORT_STATUSES);

/** The whole report; the key order here is the key order of the JSON. */
export const RunReportSchema = z.strictObject({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  pipeline: z.string().describe("Name of the pipeline that ran"),
  createdAt: z.string().describe("When the report was made (ISO 8601, UTC)"),
  status: z.enum(REPORT_STATUSES).describe(
    "passed: every step finished and every check passed; failed: a step failed or a check did not pass; interrupted: the run was stopped (Ctrl-C, SIGTERM) before it finished",
  ),
  ok: z.boolean().describe('status is "passed"'),
  target: ReportTargetSchema,
  topology: z.strictObject({
    mode: z.enum(["standalone", "cluster"]),
    masters: count,
    replicas: count,
    nodes: z.array(ReportNodeSchema),
  }).nullable().describe("null when no step discovered the topology"),
  fill: ReportFillSchema.nullable().describe("null when no fill or keyspace step ran"),
  verify: ReportVerifySchema.nullable().describe("null when no verify step ran"),
  thresholds: z.array(ReportThresholdSchema).describe(
    "The pipeline's thresholds checked before the report, each with its observed value",
  ),
  steps: z.array(ReportStepSchema).describe("The steps that ran before the report, in order"),
  shards: ReportShardsSchema.optional(),
}).meta({
  title: "redfill run report",
  description:
    "What a redfill run did: status, target, topology, fill, verify and steps. No secrets. Sizes and rates are binary (MiB = 2^20 bytes).",
});

/** A run report (see {@linkcode RunReportSchema}), written out in `types.ts` for the public API. */
export type { RunReport } from "./types.ts";

/** Fails `deno check` when the schema's output and the written-out type differ. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _schemaMatchesTypes: Same<z.infer<typeof RunReportSchema>, RunReport> = true;

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
  /** The thresholds checked so far. */
  thresholds?: readonly ThresholdResult[] | undefined;
  /** When the report was made (default now). */
  createdAt?: Date | undefined;
  /** Whether the run was stopped (Ctrl-C, SIGTERM) before the report; a fill cut short says so too. */
  interrupted?: boolean | undefined;
}

/**
 * How a run ended: `interrupted` when it was stopped (or its fill was cut short), else
 * `failed` when a step failed or verify did not pass, else `passed`.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { runStatus } from "./model.ts";
 * equal(runStatus({ steps: [{ ok: true }], interrupted: true }), "interrupted");
 * equal(runStatus({ steps: [{ ok: false }] }), "failed");
 * equal(runStatus({ steps: [{ ok: true }], verifyOk: true }), "passed");
 * ```
 *
 * @param run Whether each step finished, verify's verdict and whether the run was stopped.
 * @returns The status.
 */
export function runStatus(run: {
  steps: readonly { ok: boolean }[];
  verifyOk?: boolean | undefined;
  interrupted?: boolean | undefined;
  thresholdsOk?: boolean | undefined;
}): ReportStatus {
  if (run.interrupted === true) return "interrupted";
  if (run.steps.some((step) => !step.ok) || run.verifyOk === false) return "failed";
  if (run.thresholdsOk === false) return "failed";
  return "passed";
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
  const thresholds = (input.thresholds ?? []).map((result) => ({
    metric: result.metric,
    expression: result.expression,
    ok: result.ok,
    observed: result.observed === null ? null : round(result.observed, 6),
    unit: result.unit,
    observedText: result.observedText,
    abortOnFail: result.abortOnFail,
    stoppedRun: result.stoppedRun,
  }));
  // A fill an abort-on-fail threshold stopped is cut short, but the run failed a check.
  const stopped = thresholds.some((result) => result.stoppedRun);
  const status = runStatus({
    steps,
    verifyOk: verify?.ok,
    interrupted: input.interrupted === true || (fill?.interrupted === true && !stopped),
    thresholdsOk: thresholds.every((result) => result.ok),
  });
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    pipeline: input.pipeline,
    createdAt: (input.createdAt ?? new Date()).toISOString(),
    status,
    ok: status === "passed",
    target: {
      address: `${formatAddress(target.host, target.port)}`,
      mode: target.mode,
      tls: target.tls !== undefined,
      username: target.username ?? null,
    },
    topology: topology === undefined ? null : {
      mode: topology.mode,
      masters: topology.nodes.filter((node) => node.role === "master").length,
      replicas: topology.nodes.filter((node) => node.role === "replica").length,
      nodes: topology.nodes.map((node) => ({
        id: node.id,
        address: `${formatAddress(node.host, node.port)}`,
        role: node.role,
        masterId: node.masterId ?? null,
        slots: slotCount(node.slots),
      })),
    },
    fill: fill === undefined ? null : fillReport(fill),
    verify: verify === undefined ? null : verifyReport(verify),
    thresholds,
    steps,
  };
}

function fillReport(fill: FillResult): NonNullable<RunReport["fill"]> {
  const perGib = cpuSecondsPerGib(fill.cpuSeconds, fill.bytes);
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
    errors: fill.errors,
    // The rate is computed from the duration as printed, so a reader who divides gets it back.
    durationMs: round(fill.durationMs, 3),
    startedAt: fill.startedAt === undefined ? null : new Date(fill.startedAt).toISOString(),
    endedAt: fill.endedAt === undefined ? null : new Date(fill.endedAt).toISOString(),
    mibPerSecond: round(mibPerSecond(fill.bytes, round(fill.durationMs, 3)), 3),
    client: {
      cpuSeconds: round(fill.cpuSeconds, 3),
      cpuSecondsPerGib: perGib === undefined ? null : round(perGib, 3),
      peakRssBytes: Math.round(fill.peakRssBytes),
    },
    nodes: fill.nodes.map((node) => ({
      nodeId: node.nodeId,
      address: node.address,
      keys: node.keys,
      bytes: node.bytes,
      dbsize: node.dbsize ?? null,
      errors: node.errors,
      replication: servers.replicationReport(node.replication),
    })),
    ...servers.fillServerFields(fill),
    limit: fill.limit === undefined ? null : {
      kind: fill.limit.kind,
      summary: fill.limit.summary,
      clientCpu: fill.limit.clientCpu,
      serverCpuMax: fill.limit.serverCpuMax,
      servers: fill.limit.servers.map((server) => ({ ...server })),
      unavailable: fill.limit.unavailable,
    },
    ...memoryFields(fill),
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
    count: verify.count ?? null,
    content: verify.content ?? null,
    checkedKeys: verify.checkedKeys ?? 0,
    keysPerSecond: verify.keysPerSecond === undefined ? null : round(verify.keysPerSecond, 1),
    missingKeys: (verify.missingKeys ?? []).map((key) => ({ index: key.index, key: key.key })),
    wrongKeys: (verify.wrongKeys ?? []).map((key) => ({ index: key.index, key: key.key })),
    failovers: (verify.failovers ?? []).map((entry) => ({ from: entry.from, to: entry.to })),
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
      missing: node.missing ?? null,
      dbsize: node.dbsize ?? null,
    })),
  };
}
