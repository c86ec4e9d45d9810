/**
 * The `fill` step, and the `keyspace` step that declares a fill made earlier (for verify).
 *
 * @module
 */

import { z } from "zod";
import { UsageError } from "../errors.ts";
import { DEFAULT_BATCH_BYTES, FillFailedError, runFill } from "../fill/fill.ts";
import { keyCount, Keyspace } from "../fill/keyspace.ts";
import { formatBytes } from "../fill/size.ts";
import { defineStep } from "../pipeline/define.ts";
import type { FillResult, KeyspaceParams, Shard } from "../types.ts";
import { keyspaceShape, sizeSchema } from "./options.ts";

interface KeyspaceOptions {
  size: number;
  "key-size": number;
  "value-size": number;
  seed: number;
  prefix: string;
  ttl?: { min: number; max: number } | undefined;
  shard?: Shard | undefined;
}

/**
 * The keyspace parameters of a step's options.
 *
 * @param options Validated options of `fill` or `keyspace`.
 * @returns The parameters (N computed from the size).
 * @throws {UsageError} when the key size cannot hold prefix, tag and index.
 */
export function keyspaceFromOptions(options: KeyspaceOptions): KeyspaceParams {
  const params: KeyspaceParams = {
    count: keyCount(options.size, options["key-size"], options["value-size"]),
    keySize: options["key-size"],
    valueSize: options["value-size"],
    seed: options.seed,
    prefix: options.prefix,
    ...(options.ttl ? { ttl: options.ttl } : {}),
  };
  new Keyspace(params); // validates the layout early, before any byte is sent
  return params;
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
    pipeline: sizeSchema.optional().describe(
      `Bytes per batch buffer (default ${
        formatBytes(DEFAULT_BATCH_BYTES)
      } shared by all writers, each with two buffers)`,
    ),
    replies: z.boolean().default(false).describe(
      "Acked mode: keep replies on and count every +OK and error",
    ),
    rate: z.number().positive().optional().describe("Cap in MB/s (MiB per second)"),
  }),
  needs: ["connection", "topology"],
  provides: ["fill"],
  async run(ctx, options): Promise<FillResult> {
    if (options.serial && options.connections !== undefined && options.connections !== 1) {
      throw new UsageError(
        `Options "serial" and "connections: ${options.connections}" contradict each other: use one of them`,
      );
    }
    const keyspace = keyspaceFromOptions(options);
    const transport = ctx.get("connection");
    const flushed = ctx.has("flush") && ctx.get("flush").enabled &&
      ctx.get("flush").scope === "all";
    ctx.logger.info(
      `Filling ${
        formatBytes(keyspace.count * (keyspace.keySize + keyspace.valueSize))
      }: ${keyspace.count} keys of ${keyspace.keySize}+${keyspace.valueSize} bytes${
        options.shard ? ` (shard ${options.shard.index}/${options.shard.count})` : ""
      }${options.replies ? ", acked" : ""}`,
    );
    let result: FillResult;
    try {
      result = await runFill(transport, {
        keyspace,
        shard: options.shard,
        connections: options.serial ? 1 : options.connections,
        batchBytes: options.pipeline,
        acked: options.replies,
        rateBytesPerSecond: options.rate === undefined ? undefined : options.rate * 1024 * 1024,
        flushed,
        logger: ctx.logger,
        progress: ctx.progress,
        signal: ctx.signal,
      });
    } catch (error) {
      // What each node got before the failure, for the report (which runs after a failure).
      if (error instanceof FillFailedError) ctx.provide("fill", error.result);
      throw error;
    }
    ctx.provide("fill", result);
    const seconds = result.durationMs / 1000;
    ctx.logger.info(
      `Wrote ${result.keys} keys, ${formatBytes(result.bytes)} in ${seconds.toFixed(2)} s (${
        (result.bytes / 1e6 / Math.max(seconds, 1e-9)).toFixed(1)
      } MB/s)${result.interrupted ? " — interrupted" : ""}`,
    );
    if (result.errors > 0) {
      for (const node of result.nodes.filter((entry) => entry.errors > 0)) {
        ctx.logger.warn(
          `Node ${node.address} rejected ${node.errors} writes: ${
            node.firstErrors.map((text) => `"${text}"`).join(", ")
          }`,
        );
      }
    }
    return result;
  },
});

/** Declares a keyspace written earlier with the same parameters, so `verify` can check it. */
export const keyspaceStep = defineStep({
  name: "keyspace",
  description: "Declare a fill made earlier (same size, sizes, seed, prefix) for verify to check",
  options: z.strictObject({
    ...keyspaceShape,
    flushed: z.boolean().default(false).describe(
      "The earlier fill ran after a flush and nothing else wrote since: counts must be exact",
    ),
  }),
  provides: ["fill"],
  run(ctx, options): FillResult {
    const keyspace = keyspaceFromOptions(options);
    const shard = options.shard ?? { index: 0, count: 1 };
    const result: FillResult = {
      keyspace,
      shard,
      written: false,
      flushed: options.flushed,
      acked: false,
      keys: 0,
      bytes: 0,
      durationMs: 0,
      cpuSeconds: 0,
      peakRssBytes: 0,
      nodes: [],
      errors: 0,
      interrupted: false,
    };
    ctx.provide("fill", result);
    return result;
  },
});
