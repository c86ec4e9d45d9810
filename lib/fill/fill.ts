/**
 * The fill: splits the keyspace over the masters by the slots they own, runs the bulk
 * writers, re-sends redirected keys in acked mode, and returns what each node got.
 *
 * @module
 */

import { FillError, RedfillError } from "../errors.ts";
import type {
  DataSocket,
  FillResult,
  KeyspaceParams,
  Logger,
  NodeFillResult,
  NodeInfo,
  ProgressReporter,
  Shard,
  Transport,
} from "../types.ts";
import { servingMasters, slotOwners, uncoveredSlots } from "../transport/topology.ts";
import { BatchEncoder, countIndices, SlotCursor } from "./batch.ts";
import { BulkWriter, ListCursor, RateLimiter, type WriterCounters } from "./bulk_writer.ts";
import { Keyspace, shardRange } from "./keyspace.ts";
import { cpuSeconds, peakRssBytes } from "./process_stats.ts";
import { SLOT_COUNT } from "./slot_tags.ts";

/** Default bytes per batch buffer. */
export const DEFAULT_BATCH_BYTES = 8 * 1024 * 1024;
/** Default writers per master in a cluster. */
export const DEFAULT_CLUSTER_CONNECTIONS = 2;
/** Default writers for a standalone server. */
export const DEFAULT_STANDALONE_CONNECTIONS = 8;
/** Memory all batch buffers may take together unless `batchBytes` is set explicitly. */
export const BUFFER_BUDGET_BYTES = 8 * 1024 * 1024;

/** Options for {@linkcode runFill}. */
export interface RunFillOptions {
  /** The keyspace to write. */
  keyspace: KeyspaceParams;
  /** The part of the keyspace to write (default all: 0/1). */
  shard?: Shard | undefined;
  /** Writers per master (default 8 standalone, 2 per master in a cluster). */
  connections?: number | undefined;
  /** Bytes per batch buffer; by default 8 MiB, lowered so all buffers fit in 32 MiB. */
  batchBytes?: number | undefined;
  /** Keep replies on and count every one. */
  acked?: boolean | undefined;
  /** Cap in bytes per second. */
  rateBytesPerSecond?: number | undefined;
  /** Whether the target was flushed before (recorded in the result). */
  flushed?: boolean | undefined;
  /** Where to log. */
  logger: Logger;
  /** Progress display. */
  progress?: ProgressReporter | undefined;
  /** Ctrl-C: stops the writers; the barrier still runs and a partial result is returned. */
  signal?: AbortSignal | undefined;
  /** How long a barrier or the last replies may take (default 30 s). */
  barrierTimeoutMs?: number | undefined;
}

/** A fill that failed part-way: the message names the node; `result` has what each node got. */
export class FillFailedError extends FillError {
  /** What was written before the failure. */
  readonly result: FillResult;

  /**
   * Makes the error.
   *
   * @param message One sentence naming the node and the cause.
   * @param result The partial result.
   * @param cause The underlying error.
   */
  constructor(message: string, result: FillResult, cause?: unknown) {
    super(message, { cause });
    this.name = "FillFailedError";
    this.result = result;
  }
}

interface WriterPlan {
  node: NodeInfo;
  counters: WriterCounters;
  cursor: SlotCursor | ListCursor;
}

/**
 * Fills the target behind a connected transport.
 *
 * @param transport A connected transport (its topology is used).
 * @param options The keyspace and settings.
 * @returns What was written, per node.
 * @throws {FillFailedError} when a node is lost or stops answering, with the partial result.
 * @throws {UsageError} for a bad keyspace.
 *
 * @example
 * ```ts ignore
 * const result = await runFill(transport, {
 *   keyspace: { count: 65536, keySize: 512, valueSize: 512, seed: 1, prefix: "redfill:" },
 *   logger: console,
 * });
 * ```
 */
export async function runFill(transport: Transport, options: RunFillOptions): Promise<FillResult> {
  const keyspace = new Keyspace(options.keyspace);
  const encoder = new BatchEncoder(keyspace);
  const shard = options.shard ?? { index: 0, count: 1 };
  const range = shardRange(keyspace.count, shard);
  const acked = options.acked === true;
  const signal = options.signal ?? new AbortController().signal;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener("abort", onAbort);
  const topology = transport.topology();
  const masters = servingMasters(topology);
  const owners = slotOwners(masters);
  const missing = uncoveredSlots(owners);
  if (missing) {
    throw new FillError(
      `No reachable master serves slots ${missing}: wait until the cluster is healthy (cluster_state:ok) and retry`,
    );
  }
  const perMaster = Math.max(
    1,
    options.connections ??
      (topology.mode === "cluster" ? DEFAULT_CLUSTER_CONNECTIONS : DEFAULT_STANDALONE_CONNECTIONS),
  );
  const writerCount = masters.length * perMaster;
  const batchBytes = Math.max(
    encoder.maxCommandBytes,
    options.batchBytes ??
      Math.min(
        DEFAULT_BATCH_BYTES,
        Math.max(128 * 1024, Math.floor(BUFFER_BUDGET_BYTES / (2 * writerCount))),
      ),
  );
  const nodeCounters = new Map<string, WriterCounters>(
    masters.map((node) => [node.id, { keys: 0, bytes: 0, acked: 0, errors: 0, firstErrors: [] }]),
  );
  const plans: WriterPlan[] = [];
  masters.forEach((node, masterIndex) => {
    const owned: number[] = [];
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (owners[slot] === masterIndex) owned.push(slot);
    }
    for (let w = 0; w < perMaster; w++) {
      const slots = Int32Array.from(owned.filter((_, j) => j % perMaster === w));
      plans.push({
        node,
        counters: nodeCounters.get(node.id)!,
        cursor: new SlotCursor(slots, range.start, range.end),
      });
    }
  });
  const totalKeys = plans.reduce(
    (sum, plan) => sum + (plan.cursor instanceof SlotCursor ? plan.cursor.total() : 0),
    0,
  );
  const keyValueBytes = keyspace.params.keySize + keyspace.params.valueSize;
  const rate = options.rateBytesPerSecond ? new RateLimiter(options.rateBytesPerSecond) : undefined;
  const barrierTimeoutMs = options.barrierTimeoutMs ?? 30_000;
  const cpuStart = cpuSeconds();
  const started = performance.now();
  let peakRss = Deno.memoryUsage().rss;
  const snapshot = () => {
    let keys = 0;
    let bytes = 0;
    const perNode: Record<string, number> = {};
    for (const node of masters) {
      const counters = nodeCounters.get(node.id)!;
      keys += counters.keys;
      bytes += counters.bytes;
      perNode[`${node.host}:${node.port}`] = counters.keys;
    }
    return {
      keys,
      bytes,
      totalKeys,
      totalBytes: totalKeys * keyValueBytes,
      elapsedMs: performance.now() - started,
      perNode,
    };
  };
  const ticker = setInterval(() => {
    peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
    options.progress?.update(snapshot());
  }, 200);
  let fellBack = false;
  const result = (): FillResult => {
    const done = snapshot();
    const nodes: NodeFillResult[] = masters.map((node) => {
      const counters = nodeCounters.get(node.id)!;
      return {
        nodeId: node.id,
        address: `${node.host}:${node.port}`,
        keys: counters.keys,
        bytes: counters.bytes,
        acked: counters.acked,
        errors: counters.errors,
        firstErrors: [...counters.firstErrors],
      };
    });
    return {
      keyspace: { ...keyspace.params },
      shard,
      written: true,
      flushed: options.flushed === true,
      acked: acked || fellBack,
      keys: done.keys,
      bytes: done.bytes,
      durationMs: performance.now() - started,
      cpuSeconds: cpuSeconds() - cpuStart,
      peakRssBytes: Math.max(peakRss, peakRssBytes()),
      nodes,
      errors: nodes.reduce((sum, node) => sum + node.errors, 0),
      interrupted: signal.aborted,
    };
  };
  try {
    let round = plans;
    for (let attempt = 0; round.length > 0; attempt++) {
      const redirected = await runWriters(transport, round, {
        encoder,
        batchBytes,
        acked,
        keyValueBytes,
        signal: stop.signal,
        rate,
        barrierTimeoutMs,
        onFallback: () => {
          if (!fellBack) {
            options.logger.warn(
              "The server refused CLIENT REPLY (renamed or blocked): counting every reply instead (acked mode)",
            );
          }
          fellBack = true;
        },
      }).catch((error) => {
        throw asFillFailed(error, result(), totalKeys);
      });
      if (redirected.length === 0 || signal.aborted) break;
      if (attempt >= 5) {
        throw new FillFailedError(
          `${redirected.length} keys were still redirected (MOVED/ASK/TRYAGAIN) after 5 rounds: the cluster is resharding or failing over; retry when it is stable`,
          result(),
        );
      }
      options.logger.info(
        `Re-sending ${redirected.length} redirected keys after a topology refresh`,
      );
      await sleep(250 * (attempt + 1));
      round = await replan(transport, redirected, nodeCounters);
      for (const plan of round) {
        if (!nodeCounters.has(plan.node.id)) {
          nodeCounters.set(plan.node.id, plan.counters);
          masters.push(plan.node);
        }
      }
    }
  } finally {
    clearInterval(ticker);
    signal.removeEventListener("abort", onAbort);
    options.progress?.update(snapshot());
    options.progress?.done();
  }
  const final = result();
  try {
    const sizes = await transport.callEachMaster(["DBSIZE"]);
    for (const { node, reply } of sizes) {
      const entry = final.nodes.find((candidate) => candidate.nodeId === node.id);
      if (entry) entry.dbsize = Number(reply);
    }
  } catch (error) {
    options.logger.debug(`DBSIZE after the fill failed: ${error}`);
  }
  return final;
}

interface RunWritersOptions {
  encoder: BatchEncoder;
  batchBytes: number;
  acked: boolean;
  keyValueBytes: number;
  signal: AbortSignal;
  rate: RateLimiter | undefined;
  barrierTimeoutMs: number;
  onFallback: () => void;
}

async function runWriters(
  transport: Transport,
  plans: WriterPlan[],
  options: RunWritersOptions,
): Promise<number[]> {
  const sockets: DataSocket[] = [];
  const failFast = new AbortController();
  const relay = () => failFast.abort();
  options.signal.addEventListener("abort", relay);
  try {
    const opened = await Promise.allSettled(plans.map((plan) => transport.openWriter(plan.node)));
    for (const outcome of opened) if (outcome.status === "fulfilled") sockets.push(outcome.value);
    const failed = opened.find((outcome) => outcome.status === "rejected");
    if (failed) throw failed.reason;
    let firstError: unknown;
    const outcomes = await Promise.all(plans.map(async (plan, index) => {
      try {
        const writer = new BulkWriter({
          socket: sockets[index]!,
          encoder: options.encoder,
          cursor: plan.cursor,
          batchBytes: options.batchBytes,
          acked: options.acked,
          keyValueBytes: options.keyValueBytes,
          counters: plan.counters,
          signal: failFast.signal,
          rate: options.rate,
          barrierTimeoutMs: options.barrierTimeoutMs,
        });
        const outcome = await writer.run();
        if (outcome.fellBackToAcked) options.onFallback();
        return outcome.redirected;
      } catch (error) {
        firstError ??= error instanceof RedfillError ? error : new FillError(
          `Lost the connection to node "${plan.node.host}:${plan.node.port}": ${
            error instanceof Error ? error.message : String(error)
          }`,
          { cause: error },
        );
        // One node failed: stop the others; they still run their barrier.
        failFast.abort();
        return [];
      }
    }));
    if (firstError !== undefined) throw firstError;
    return outcomes.flat();
  } finally {
    options.signal.removeEventListener("abort", relay);
    for (const socket of sockets) socket.close();
  }
}

async function replan(
  transport: Transport,
  indices: number[],
  counters: Map<string, WriterCounters>,
): Promise<WriterPlan[]> {
  const topology = await transport.refresh();
  const masters = servingMasters(topology);
  const owners = slotOwners(masters);
  const byMaster = new Map<number, number[]>();
  for (const index of indices.sort((a, b) => a - b)) {
    const owner = owners[index % SLOT_COUNT]!;
    if (owner < 0) continue;
    let list = byMaster.get(owner);
    if (!list) byMaster.set(owner, list = []);
    list.push(index);
  }
  return [...byMaster].map(([owner, list]) => {
    const node = masters[owner]!;
    return {
      node,
      counters: counters.get(node.id) ??
        { keys: 0, bytes: 0, acked: 0, errors: 0, firstErrors: [] },
      cursor: new ListCursor(list),
    };
  });
}

function asFillFailed(error: unknown, partial: FillResult, totalKeys: number): unknown {
  if (error instanceof FillFailedError) return error;
  if (error instanceof RedfillError) {
    if (!(error instanceof FillError)) return error;
    const sent = `${partial.keys.toLocaleString("en-US")} of ${
      totalKeys.toLocaleString("en-US")
    } keys were sent before it failed`;
    return new FillFailedError(`${error.message}; ${sent}`, partial, error);
  }
  return error;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * How many keys a shard puts on each of a set of slot ranges (for verify and tests).
 *
 * @param slots The slots.
 * @param start First index.
 * @param end Last index (exclusive).
 * @returns The count.
 */
export function keysForSlots(slots: readonly number[], start: number, end: number): number {
  return countIndices(Int32Array.from(slots), start, end);
}
