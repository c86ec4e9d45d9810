/**
 * The `fill` step, and the `keyspace` step that declares a fill made earlier (for verify).
 *
 * @module
 */

import { z } from "zod";
import { FillError } from "../errors.ts";
import { FILL_DEFAULTS } from "../defaults.ts";
import { FillFailedError, runFill, type RunFillOptions } from "../fill/fill.ts";
import { fillUntilMemory, parseMemoryTarget } from "../fill/until_memory.ts";
import { parseSize } from "../units.ts";
import { classifyLimit, FillSampler } from "../fill/sampler.ts";
import { indexWidth, keyCount, Keyspace, minimumKeySize } from "../fill/keyspace.ts";
import {
  cpuSecondsPerGib,
  formatBytes,
  formatDuration,
  formatRate,
  MIB,
  mibPerSecond,
} from "../units.ts";
import { sentence, stepOption } from "../message.ts";
import { defineStep } from "../pipeline/define.ts";
import type {
  FillResult,
  KeyspaceParams,
  KeyspaceShape,
  Logger,
  NameOption,
  Shard,
  StepPlanContext,
  Transport,
} from "../types.ts";
import { isAbsolute, resolve as resolvePath } from "node:path";
import { declaredFill } from "../verify/declared.ts";
import { keyspaceShape, sizeSchema } from "./options.ts";
import { meanPayloadBytes, refineShapes, type ShapeOptions, shapesOf } from "./shape_options.ts";
import { loadShapes, registryFor } from "../shapes/load.ts";
import { KEYSPACE_DEFAULTS } from "../defaults.ts";
import { aclUser, isNoPermission, permissionSentence } from "../permission.ts";

interface KeyspaceOptions extends ShapeOptions {
  size?: number | undefined;
  "key-size": number;
  seed: number;
  prefix: string;
  ttl?: { min: number; max: number } | undefined;
  shard?: Shard | undefined;
}

/** N and the mean bytes of contents per key of a step's options (before plugins load). */
function countOf(
  options: KeyspaceOptions,
  shapes: KeyspaceShape[] | undefined,
): { count: number; valueSize: number } {
  const keySize = options["key-size"];
  const size = options.size ?? KEYSPACE_DEFAULTS.size;
  if (shapes === undefined) {
    const valueSize = Number(options["value-size"]);
    return { count: options.keys ?? keyCount(size, keySize, valueSize), valueSize };
  }
  const mean = meanPayloadBytes(shapes, {
    keySize,
    seed: options.seed,
    compressibility: options.compressibility,
    registry: registryFor(shapes),
  });
  return {
    count: options.keys ?? Math.ceil(size / mean),
    valueSize: Math.max(1, Math.round(mean - keySize)),
  };
}

/**
 * Refuses, while the file is checked, a key size too small for the prefix, a tag and the
 * index of every key (so a pipeline fails before it connects, with the option's position).
 */
function refineKeySize(options: KeyspaceOptions, ctx: z.RefinementCtx): void {
  let count: number;
  try {
    const shapes = shapesOf(options);
    // A plugin shape's size is known once its module loads: checked when the step runs.
    if (shapes?.some((shape) => shape.uses !== undefined)) return;
    count = countOf(options, shapes).count;
  } catch {
    return; // the shapes' own refinements name the problem
  }
  const minimum = minimumKeySize(count, options.prefix);
  if (options["key-size"] < minimum) {
    const hold = `to hold the prefix "${options.prefix}", a slot tag and ${
      indexWidth(count)
    }-digit indices`;
    ctx.addIssue({
      code: "custom",
      path: ["key-size"],
      message: `expected at least ${minimum} bytes ${hold} (or a shorter prefix)`,
      params: {
        words: (name: NameOption) =>
          `Key size ${options["key-size"]} is too small ${hold}: use ${
            name("key-size")
          } ${minimum} or more, or a shorter ${name("prefix")}`,
      },
    });
  }
}

/**
 * The keyspace parameters of a step's options, its plugin shapes loaded.
 *
 * @param options Validated options of `fill` or `keyspace`.
 * @returns The parameters (N from `keys`, or from the size and the shapes' mean bytes).
 * @throws {UsageError} when the key size cannot hold prefix, tag and index, or a shape module
 * does not load.
 */
export async function keyspaceFromOptions(options: KeyspaceOptions): Promise<KeyspaceParams> {
  const declared = shapesOf(options);
  const shapes = declared === undefined ? undefined : await loadShapes(declared);
  const { count, valueSize } = countOf(options, shapes);
  const params: KeyspaceParams = {
    count,
    keySize: options["key-size"],
    valueSize,
    seed: options.seed,
    prefix: options.prefix,
    ...(options.ttl ? { ttl: options.ttl } : {}),
    ...(shapes ? { shapes } : {}),
    ...((options.compressibility ?? 0) > 0 ? { compressibility: options.compressibility } : {}),
  };
  new Keyspace(params); // validates the layout early, before any byte is sent
  return params;
}

/**
 * Makes each `uses:` path of a keyspace entry absolute, relative to the pipeline file (as a
 * `uses:` step's path is).
 */
function resolveShapePaths<T extends { keyspace?: Array<Record<string, unknown>> | undefined }>(
  options: T,
  context: StepPlanContext,
): T {
  const base = context.fileDir;
  if (options.keyspace === undefined || base === undefined) return options;
  return {
    ...options,
    keyspace: options.keyspace.map((entry) =>
      typeof entry.uses === "string" && !isAbsolute(entry.uses)
        ? { ...entry, uses: resolvePath(base, entry.uses) }
        : entry
    ),
  };
}

/** The metrics the fill publishes, for thresholds (`fill.throughput`, …). */
const FILL_METRICS = {
  throughput: {
    unit: "MiB/s",
    description: "Bytes of keys and values per second from the fill's start, sampled once a second",
  },
  bytes: { unit: "bytes", description: "Bytes of keys and values sent" },
  keys: { unit: "number", description: "Keys sent" },
  errors: { unit: "number", description: "Error replies (acked mode)" },
  "client-cpu": { unit: "number", description: "Cores the client used on average" },
  "client-cpu-per-gib": {
    unit: "number",
    description: "Client CPU seconds per GiB of keys and values sent",
  },
  "peak-rss": { unit: "bytes", description: "Peak resident memory of the client" },
  "server-cpu.max": {
    unit: "number",
    description: "Cores the busiest master used on average during the fill (INFO cpu)",
  },
} as const;

/** Publishes a finished fill's metrics. */
function publishFillMetrics(fill: FillResult, metric: (name: string, value: number) => void) {
  metric("throughput", mibPerSecond(fill.bytes, fill.durationMs));
  metric("bytes", fill.bytes);
  metric("keys", fill.keys);
  metric("errors", fill.errors);
  metric("peak-rss", fill.peakRssBytes);
  const perGib = cpuSecondsPerGib(fill.cpuSeconds, fill.bytes);
  if (perGib !== undefined) metric("client-cpu-per-gib", perGib);
  if (fill.limit !== undefined) {
    metric("client-cpu", fill.limit.clientCpu);
    if (fill.limit.serverCpuMax !== null) metric("server-cpu.max", fill.limit.serverCpuMax);
  }
}

/** Writes the keyspace into the target through bulk writers. */
export const fillStep = defineStep({
  name: "fill",
  description:
    "Write N = ceil(size / (key-size + value-size)) keys, routed by slot to their master",
  options: z.strictObject({
    ...keyspaceShape,
    connections: z.number().int().min(1).max(256).optional().describe(
      "Writers per master (default 8 standalone, 2 per master in a cluster)",
    ),
    serial: z.boolean().default(false).describe("One writer per master"),
    pipeline: sizeSchema.superRefine((bytes, ctx) => {
      if (bytes <= FILL_DEFAULTS.maxBatchBytes) return;
      const most = formatBytes(FILL_DEFAULTS.maxBatchBytes);
      ctx.addIssue({
        code: "custom",
        message: `expected at most ${most} per batch buffer (each writer has two)`,
        params: {
          words: (name: NameOption) =>
            `A batch buffer (${name("pipeline")}) may take at most ${most}, not ${
              formatBytes(bytes)
            }: use a smaller size (each writer has two)`,
        },
      });
    }).optional().describe(
      `Bytes per batch buffer, at most ${formatBytes(FILL_DEFAULTS.maxBatchBytes)} (default ${
        formatBytes(FILL_DEFAULTS.bufferBudgetBytes)
      } shared by all writers, each with two buffers); writers × 2 buffers take at most ${
        formatBytes(FILL_DEFAULTS.maxBufferBudgetBytes)
      } in all, each shrunk to fit`,
    ),
    replies: z.boolean().default(false).describe(
      "Acked mode: keep replies on and count every +OK and error",
    ),
    durability: z.enum(["master", "replicas"]).optional().describe(
      "When a write counts as acknowledged (acked mode): master (default), its +OK; replicas, each writer also ends with WAIT for the master's replicas and the fill fails when fewer acknowledged",
    ),
    "on-eviction": z.enum(["fail", "warn"]).optional().describe(
      "Keys evicted during the fill (a master's evicted_keys grew, server-wide): fail the fill (exit 4, the default) or only warn",
    ),
    write: z.boolean().optional().describe(
      "false: write nothing, and hand verify the whole keyspace (every shard) as written elsewhere (deno task fill --verify-only); default true",
    ),
    rate: z.number().positive().optional().describe(
      "Cap in MiB/s (MB/s means MiB/s, as everywhere): bytes of keys and values per second, averaged from the fill's start; RESP framing is not counted",
    ),
  }).superRefine((options, ctx) => {
    refineShapes(options, ctx);
    refineKeySize(options, ctx);
    if (options.durability === "replicas" && !options.replies) {
      ctx.addIssue({
        code: "custom",
        path: ["durability"],
        message: 'needs "replies: true": only acknowledged writes can be waited for',
        params: {
          words: (name: NameOption) =>
            `${name("durability")} needs ${
              name("replies")
            }: only acknowledged writes can be waited for on replicas`,
        },
      });
    }
    if (options.write === false && options.shard !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["shard"],
        message: 'contradicts "write: false", which verifies the whole keyspace (every shard)',
        params: {
          words: (name: NameOption) =>
            `${name("write")} verifies the whole keyspace (the union of every shard), so ${
              name("shard")
            } means nothing with it: drop ${name("shard")}`,
        },
      });
    }
    if (options.serial && options.connections !== undefined && options.connections !== 1) {
      ctx.addIssue({
        code: "custom",
        path: ["connections"],
        message: 'contradicts "serial: true" (one writer per master): use one of them',
        params: {
          words: (name: NameOption) =>
            `${name("serial")} and ${
              name("connections")
            } ${options.connections} contradict each other: use one of them`,
        },
      });
    }
  }),
  resolve: resolveShapePaths,
  needs: ["connection", "topology"],
  provides: ["fill"],
  // An earlier FLUSHALL makes key counts exact for verify.
  optional: ["flush"],
  metrics: FILL_METRICS,
  async run(ctx, options): Promise<FillResult> {
    const keyspace = await keyspaceFromOptions(options);
    if (options.write === false) return declareWhole(keyspace, ctx);
    const transport = ctx.get("connection");
    const flush = ctx.find("flush");
    const flushed = flush !== undefined && flush.enabled && flush.scope === "all";
    ctx.logger.info(
      `Filling ${
        options["until-memory"] === undefined
          ? formatBytes(keyspace.count * (keyspace.keySize + keyspace.valueSize))
          : `until memory ${options["until-memory"]}`
      }: ${
        options["until-memory"] === undefined ? `${keyspace.count} keys` : "keys"
      } of ${keyspace.keySize}+${keyspace.valueSize} bytes${
        options.shard ? ` (shard ${options.shard.index}/${options.shard.count})` : ""
      }${options.replies ? ", acked" : ""}`,
    );
    // Through a proxy (no CLIENT REPLY): acked writes over a few connections, each with at
    // most PROXY_IN_FLIGHT commands in flight (two batches of half as many).
    const proxy = ctx.target.mode === "proxy";
    let result: FillResult;
    const untilMemory = options["until-memory"];
    const fill = untilMemory === undefined ? runFill : (
      transport: Transport,
      fillOptions: RunFillOptions,
    ) =>
      fillUntilMemory(transport, {
        ...fillOptions,
        targetText: untilMemory,
        target: parseMemoryTarget(untilMemory, (size) => parseSize(size))!,
        meanPayloadBytes: keyspace.keySize + keyspace.valueSize,
      });
    // Once a second: the throughput so far (abort-on-fail thresholds judge each sample), and
    // every master's CPU for what limited the run.
    const sampler = new FillSampler(transport, {
      onThroughput: (mibPerSecond) => ctx.metric("throughput", mibPerSecond),
      readInfo: ctx.target.transport !== "proxy",
    });
    await sampler.start();
    const measured = async (fill: FillResult): Promise<FillResult> => {
      // The wall window of this fill, for merging shard reports (first start → last end).
      const endedAt = Date.now();
      const limit = classifyLimit(await sampler.stop(), {
        rateCap: options.rate,
        mibPerSecond: mibPerSecond(fill.bytes, fill.durationMs),
        rateName: ctx.text(sentence`${stepOption("rate")}`),
      });
      const done = { ...fill, limit, startedAt: endedAt - fill.durationMs, endedAt };
      publishFillMetrics(done, (name, value) => ctx.metric(name, value));
      return done;
    };
    try {
      result = await fill(transport, {
        keyspace,
        shapes: registryFor(keyspace.shapes),
        shard: options.shard,
        connections: options.serial
          ? 1
          : options.connections ?? (proxy ? PROXY_CONNECTIONS : undefined),
        batchBytes: proxy
          ? Math.min(
            options.pipeline ?? Infinity,
            (PROXY_IN_FLIGHT / 2) * (keyspace.keySize + keyspace.valueSize + 23),
          )
          : options.pipeline,
        acked: options.replies || proxy,
        rateBytesPerSecond: options.rate === undefined ? undefined : options.rate * 1024 * 1024,
        flushed,
        logger: ctx.logger,
        progress: sampler.wrap(ctx.progress),
        signal: ctx.signal,
        onEviction: options["on-eviction"] ?? "fail",
        waitReplicas: options.durability === "replicas",
        // One timeout for a node that stops reading, answering or acknowledging: --timeout.
        barrierTimeoutMs: ctx.target.commandTimeoutMs,
      });
    } catch (error) {
      // What each node got before the failure, for the report (which runs after a failure).
      if (error instanceof FillFailedError) ctx.provide("fill", await measured(error.result));
      else await sampler.stop();
      throw error;
    }
    result = await measured(result);
    ctx.provide("fill", result);
    if (result.memory) {
      ctx.logger.info(
        `Memory target ${result.memory.target}: ${result.keys} keys at ${result.memory.bytesPerKey} bytes per key; ${
          result.memory.nodes.map((node) =>
            `${node.address} ${formatBytes(node.usedMemory)} of ${formatBytes(node.targetBytes)}`
          ).join(", ")
        }`,
      );
    }
    ctx.logger.info(`What limited the fill: ${result.limit?.summary}`);
    ctx.logger.info(
      `Wrote ${result.keys} keys, ${formatBytes(result.bytes)} in ${
        formatDuration(result.durationMs)
      } (${formatRate(mibPerSecond(result.bytes, result.durationMs) * MIB)})${
        result.interrupted ? " — interrupted" : ""
      }`,
    );
    if (result.errors > 0) {
      for (const node of result.nodes.filter((entry) => entry.errors > 0)) {
        ctx.logger.warn(
          `Node ${node.address} rejected ${node.errors} writes: ${
            node.firstErrors.map((text) => `"${text}"`).join(", ")
          }`,
        );
      }
      throw rejectedWrites(result, aclUser(ctx.target));
    }
    logCounters(result, ctx.logger);
    return result;
  },
});

/** Says what the servers' own counters showed: expirations, and that they were not read. */
function logCounters(result: FillResult, logger: Logger): void {
  const server = result.server;
  if (!server) return;
  for (const node of server.nodes) {
    if (!node.read) {
      logger.warn(
        `Could not read the counters (INFO stats, INFO errorstats) of ${node.address}: ${node.reason}; rejected writes and evictions there were not checked`,
      );
    } else if (node.expiredKeys > 0) {
      logger.info(
        `${node.address} expired ${
          node.expiredKeys.toLocaleString("en-US")
        } keys during the fill (expired_keys, server-wide${
          result.keyspace.ttl ? "; this fill's keys have a TTL" : ""
        })`,
      );
    }
  }
}

/** `write: false`: nothing is written; verify checks the whole keyspace, written elsewhere. */
function declareWhole(
  keyspace: KeyspaceParams,
  ctx: { logger: Logger; provide(name: "fill", value: FillResult): void },
): FillResult {
  ctx.logger.info(
    `Writing nothing: verify checks the whole keyspace (every shard), ${keyspace.count} keys of ${keyspace.keySize}+${keyspace.valueSize} bytes, seed ${keyspace.seed}, prefix "${keyspace.prefix}"`,
  );
  const result = declaredFill(keyspace, { flushed: false });
  ctx.provide("fill", result);
  return result;
}

/** The error for a fill whose writes were rejected: names the node with the most and quotes it. */
function rejectedWrites(result: FillResult, user: string): FillError {
  const failing = result.nodes.filter((node) => node.errors > 0)
    .sort((a, b) => b.errors - a.errors);
  const worst = failing[0]!;
  const quoted = (worst.firstErrors[0] ?? "").replace(/\s+/g, " ").slice(0, 120);
  const others = failing.length > 1
    ? ` (and ${failing.length - 1} more node${failing.length > 2 ? "s" : ""})`
    : "";
  const fix = /^OOM\b/.test(quoted)
    ? ": the node is full (maxmemory with noeviction); raise maxmemory, allow eviction, or fill less"
    : isNoPermission(quoted)
    ? `: ${
      permissionSentence({
        user,
        args: ["SET"],
        address: worst.address,
        reply: quoted,
        keys: `~${result.keyspace.prefix}*`,
      }).render().replace(/^The/, "the")
    }`
    : "";
  return new FillError(
    `Node "${worst.address}"${others} rejected ${worst.errors.toLocaleString("en-US")} of ${
      result.keys.toLocaleString("en-US")
    } writes with "${quoted}"${fix}`,
  );
}

/** Connections through a proxy unless `connections` says otherwise. */
const PROXY_CONNECTIONS = 4;
/** Requests in flight per connection a proxy takes (twemproxy: about 1024). */
const PROXY_IN_FLIGHT = 1024;

/** Declares a keyspace written earlier with the same parameters, so `verify` can check it. */
export const keyspaceStep = defineStep({
  name: "keyspace",
  description: "Declare a fill made earlier (same size, sizes, seed, prefix) for verify to check",
  options: z.strictObject({
    ...keyspaceShape,
    flushed: z.boolean().default(false).describe(
      "The earlier fill ran after a flush and nothing else wrote since: counts must be exact",
    ),
  }).superRefine((options, ctx) => {
    refineShapes(options, ctx);
    refineKeySize(options, ctx);
  }),
  provides: ["fill"],
  resolve: resolveShapePaths,
  async run(ctx, options): Promise<FillResult> {
    const keyspace = await keyspaceFromOptions(options);
    const result = declaredFill(keyspace, { shard: options.shard, flushed: options.flushed });
    ctx.provide("fill", result);
    return result;
  },
});
