/**
 * One round of the fill: a {@linkcode BulkWriter} per plan, each on its own data socket, all
 * at once. A failed writer stops the others (they still run their barrier), unless acked mode
 * can wait for a replica to take over its master, in which case the others go on.
 *
 * @module
 */

import { formatAddress } from "../address.ts";
import { FillError, RedfillError } from "../errors.ts";
import type { DataSocket, NodeInfo, Transport } from "../types.ts";
import type { CommandEncoder } from "./batch.ts";
import {
  batchBufferBytes,
  BulkWriter,
  type BulkWriterResult,
  type RateLimiter,
} from "./bulk_writer.ts";
import type { WriterPlan } from "./plan.ts";
import { LossVerdicts } from "./recovery.ts";

/** Options for {@linkcode runWriters}. */
export interface RunWritersOptions {
  /** The encoder of the keyspace. */
  encoder: CommandEncoder;
  /** Bytes per batch buffer. */
  batchBytes: number;
  /** Keep replies on and count them. */
  acked: boolean;
  /** Bytes of key + value per key, for the byte counters. */
  keyValueBytes: number;
  /** Stops the writers after the batch in flight; the barrier still runs. */
  signal: AbortSignal;
  /** Rate cap shared by every writer. */
  rate: RateLimiter | undefined;
  /** How long a barrier or the last replies may take. */
  barrierTimeoutMs: number;
  /** Whether a replica may take over from a master (acked mode then waits for it). */
  canFailOver: (node: NodeInfo) => boolean;
  /** Called when a server refused `CLIENT REPLY` and a writer counted replies instead. */
  onFallback: () => void;
  /**
   * `durability: replicas` (acked mode): the replicas to `WAIT` for at the end of each writer
   * on a node; undefined for no `WAIT`.
   */
  replicasOf?: ((node: NodeInfo) => number) | undefined;
}

/** What a round left to do. */
export interface RoundOutcome {
  /** Indices to re-send to the owner of their slot. */
  redirected: number[];
  /** Indices to re-send with ASKING, by `host:port`. */
  asked: Map<string, number[]>;
  /** Masters lost in acked mode that a replica may take over. */
  lost: NodeInfo[];
}

/**
 * Runs one round: opens a socket per plan, runs a writer on each, and closes them all.
 * Each plan's counters are updated as its batches complete, and its `handedOn` is set when
 * its writer finishes.
 *
 * @param transport The connected transport (opens the data sockets).
 * @param plans The round's plans.
 * @param options Encoder, buffers, mode and callbacks.
 * @returns The redirected and `ASK`ed indices and the masters lost.
 * @throws {FillError} (or the transport's {@linkcode ConnectionError}) for the first writer
 * that failed and is not waiting for a failover.
 *
 * @example
 * ```ts ignore
 * const outcome = await runWriters(transport, plans, options);
 * ```
 */
export async function runWriters(
  transport: Transport,
  plans: readonly WriterPlan[],
  options: RunWritersOptions,
): Promise<RoundOutcome> {
  const sockets: Array<DataSocket | undefined> = [];
  const failFast = new AbortController();
  const relay = () => failFast.abort();
  options.signal.addEventListener("abort", relay);
  // Ctrl-C between rounds (during a sleep or a replan) stops this round before it starts.
  if (options.signal.aborted) failFast.abort();
  const lost = new Map<string, NodeInfo>();
  const verdicts = new LossVerdicts(transport, {
    acked: options.acked,
    canFailOver: options.canFailOver,
  });
  try {
    const opened = await Promise.allSettled(plans.map((plan) => transport.openWriter(plan.node)));
    let firstError: unknown;
    for (const [index, outcome] of opened.entries()) {
      if (outcome.status === "fulfilled") {
        sockets[index] = outcome.value;
      } else if (!firstError) {
        const node = plans[index]!.node;
        if (await verdicts.isGone(node)) lost.set(node.id, node);
        else firstError = outcome.reason;
      }
    }
    if (firstError !== undefined) throw firstError;
    // Two buffers per writer, all in one piece of memory with one copy of the value pool.
    const size = Math.max(
      ...plans.map((plan) => batchBufferBytes(options.encoder, options.batchBytes, plan.asking)),
    );
    const buffers = options.encoder.allocateShared(size, 2 * plans.length);
    const outcomes = await Promise.all(plans.map(async (plan, index) => {
      const socket = sockets[index];
      if (!socket) return undefined;
      const wanted = options.acked ? options.replicasOf?.(plan.node) : undefined;
      try {
        const outcome = await new BulkWriter({
          waitReplicas: wanted,
          socket,
          encoder: options.encoder,
          cursor: plan.cursor,
          batchBytes: options.batchBytes,
          acked: options.acked,
          keyValueBytes: options.keyValueBytes,
          counters: plan.counters,
          signal: failFast.signal,
          rate: options.rate,
          barrierTimeoutMs: options.barrierTimeoutMs,
          asking: plan.asking,
          buffers: [buffers[2 * index]!, buffers[2 * index + 1]!],
          maxInFlight: transport.maxInFlight,
        }).run();
        if (outcome.fellBackToAcked) options.onFallback();
        if (wanted !== undefined && outcome.replicasAcknowledged !== undefined) {
          plan.replication = { wanted, acknowledged: outcome.replicasAcknowledged };
        }
        plan.handedOn = [...outcome.redirected, ...[...outcome.asked.values()].flat()];
        return outcome;
      } catch (error) {
        if (!failFast.signal.aborted && await verdicts.isGone(plan.node)) {
          // Acked mode: the others go on; the node's keys are re-sent once a replica took over.
          lost.set(plan.node.id, plan.node);
          return undefined;
        }
        firstError ??= describeLoss(error, plan.node);
        // One node failed: stop the others; they still run their barrier.
        failFast.abort();
        return undefined;
      }
    }));
    if (firstError !== undefined) throw firstError;
    return { ...handOns(outcomes), lost: [...lost.values()] };
  } finally {
    options.signal.removeEventListener("abort", relay);
    for (const socket of sockets) socket?.close();
  }
}

/**
 * The finished writers' hand-ons (MOVED/ASK keys), to re-send even when their node was lost
 * later: replaceLost() replays that node's keys less exactly these.
 */
function handOns(
  outcomes: ReadonlyArray<BulkWriterResult | undefined>,
): Pick<RoundOutcome, "redirected" | "asked"> {
  const redirected: number[] = [];
  const asked = new Map<string, number[]>();
  for (const outcome of outcomes) {
    if (!outcome) continue;
    redirected.push(...outcome.redirected);
    for (const [address, list] of outcome.asked) {
      const into = asked.get(address);
      if (into) into.push(...list);
      else asked.set(address, [...list]);
    }
  }
  return { redirected, asked };
}

function describeLoss(error: unknown, node: NodeInfo): RedfillError {
  return error instanceof RedfillError ? error : new FillError(
    `Lost the connection to node "${formatAddress(node.host, node.port)}": ${
      error instanceof Error ? error.message : String(error)
    }`,
    { cause: error },
  );
}
