/**
 * The fill: splits the keyspace over the masters by the slots they own, runs the bulk
 * writers, re-sends redirected keys in acked mode, and returns what each node got.
 *
 * This file keeps the round loop; its parts live beside it: `plan.ts` (which writer sends
 * which indices), `ledger.ts` (counters, progress and the result), `writers.ts` (one round of
 * bulk writers), `recovery.ts` (lost nodes, failover and replay), `server_counters.ts` (the
 * masters' own INFO counters at each barrier) and `reshard.ts` (slots that moved under a
 * fire-and-forget round).
 *
 * @module
 */

import { formatAddress } from "../address.ts";
import { FILL_DEFAULTS } from "../defaults.ts";
import { ConnectionError, FillError, RedfillError } from "../errors.ts";
import { type Message, sentence, stepOption } from "../message.ts";
import type {
  FillResult,
  KeyspaceParams,
  Logger,
  NodeInfo,
  ProgressReporter,
  Shard,
  Topology,
  Transport,
} from "../types.ts";
import { RateLimiter } from "./bulk_writer.ts";
import { Keyspace, shardRange } from "./keyspace.ts";
import { FillLedger } from "./ledger.ts";
import { batchBytesFor, replan, slotPlans, type WriterPlan, writersPerMaster } from "./plan.ts";
import {
  awaitFailover,
  listedReplicas,
  replaceLost,
  replicaCounts,
  ReplicaWatch,
  silentMasters,
} from "./recovery.ts";
import { runWriters } from "./writers.ts";
import { encoderFor } from "./shape_batch.ts";
import type { ShapeRegistry } from "../shapes/define.ts";
import { indicesOfSlots, SlotWatch } from "./reshard.ts";
import { type CounterFinding, CounterWatch, OOM_TEXT } from "./server_counters.ts";
import { servingMasters } from "../cluster/nodes.ts";
import { slotOwners, uncoveredSlots } from "../cluster/slots.ts";
import { sleep } from "../time.ts";

/** Options for {@linkcode runFill}. */
export interface RunFillOptions {
  /** The keyspace to write. */
  keyspace: KeyspaceParams;
  /** Where the keyspace's shape names are found (default: the built-in shapes). */
  shapes?: ShapeRegistry | undefined;
  /** The part of the keyspace to write (default all: 0/1). */
  shard?: Shard | undefined;
  /** The indices to write, in place of the shard's (a slice of a fill to a memory level). */
  range?: { start: number; end: number } | undefined;
  /** Writers per master (default 8 standalone, 2 per master in a cluster). */
  connections?: number | undefined;
  /**
   * Bytes per batch buffer; by default all buffers share 8 MiB (at most 8 MiB each, at least
   * 128 KiB). Every writer has two; all of them together take at most 512 MiB, each shrunk to
   * fit.
   */
  batchBytes?: number | undefined;
  /** Keep replies on and count every one. */
  acked?: boolean | undefined;
  /**
   * Cap in bytes of keys and values per second (RESP framing not counted), averaged from the
   * fill's start: the reported throughput never exceeds it.
   */
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
  /**
   * Acked mode: how long to wait for a replica to take over from a lost master before the
   * fill fails (default 30 s).
   */
  failoverTimeoutMs?: number | undefined;
  /**
   * What keys evicted during the fill (`evicted_keys` of a master grew) do: fail the fill
   * (default) or only warn.
   */
  onEviction?: "fail" | "warn" | undefined;
  /**
   * `durability: replicas` (acked mode only): each writer ends with `WAIT` for its master's
   * replicas (as the topology lists them), so an acknowledged write is on them too; a master
   * whose replicas did not all acknowledge within `barrierTimeoutMs` fails the fill.
   */
  waitReplicas?: boolean | undefined;
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
  constructor(message: string | Message, result: FillResult, cause?: unknown) {
    super(message, { cause });
    this.name = "FillFailedError";
    this.result = result;
  }
}

/**
 * Fills the target behind a connected transport.
 *
 * In a cluster, each master's writers send only the keys of the slots it owns. In acked mode
 * (`acked: true`) the fill follows a cluster that changes under it:
 *
 * - keys answered with `MOVED`, `TRYAGAIN`, `CLUSTERDOWN`, `LOADING`, `MASTERDOWN` or
 *   `READONLY` are re-sent, after a topology refresh, to the master that owns their slot then;
 *   keys answered with `ASK slot host:port` (a slot being migrated) are re-sent to that node,
 *   each after an `ASKING`; up to 5 such rounds;
 * - a master lost mid-fill (its writer's socket dies, and it no longer answers `PING`) is
 *   failed over: when the topology listed a replica for it, the fill waits (up to
 *   `failoverTimeoutMs`) until every slot is served again by the other masters with
 *   `cluster_state:ok`, then re-sends **every** key meant for the lost master (the ones it
 *   acknowledged too: an acknowledged write may not have reached the replica before the
 *   master died). `SET` is idempotent, so keys the replica already had are rewritten with the
 *   same value. What the lost master acknowledged no longer counts: it stays in
 *   {@linkcode FillResult.nodes} with zero keys, and each re-sent key is counted once, on the
 *   master that took over. A master that dies after its writers finished is found by a last
 *   `PING` of every master written to, and handled the same way. One that dies after that
 *   check may still take unreplicated writes with it: verify counts what is there.
 *
 * Without a replica, in fire-and-forget mode (replies off: a lost master's unreplicated
 * writes cannot be told apart) or when the failover does not complete in time, losing a node
 * fails the fill with a {@linkcode FillFailedError} naming it.
 *
 * Before the fill, at each barrier (the end of every round) and after it, every master's
 * `INFO stats` and `INFO errorstats` are read ({@linkcode FillResult.server}; server-wide): with
 * replies off, writes rejected with `OOM` fail the fill; keys evicted fail it unless
 * `onEviction: "warn"`; a master that refuses `INFO` is marked not read. In a cluster, after a
 * round sent with replies off, every slot that moved or was migrating has its keys re-sent,
 * acked, to its owner ({@linkcode FillResult.resentSlots}). With `waitReplicas` (acked mode),
 * each writer ends with `WAIT`, and a master whose replicas did not all acknowledge fails the
 * fill.
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
  const encoder = encoderFor(keyspace, options.shapes);
  const shard = options.shard ?? { index: 0, count: 1 };
  const range = options.range ?? shardRange(keyspace.count, shard);
  const acked = options.acked === true;
  const signal = options.signal ?? new AbortController().signal;
  const topology = transport.topology();
  const masters = servingMasters(topology);
  const missing = uncoveredSlots(slotOwners(masters));
  if (missing) {
    throw new FillError(
      `No reachable master serves slots ${missing}: wait until the cluster is healthy (cluster_state:ok) and retry`,
    );
  }
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener("abort", onAbort);
  if (signal.aborted) stop.abort();
  const perMaster = writersPerMaster(topology.mode, options.connections);
  const batchBytes = batchBytesFor(encoder.maxCommandBytes, masters.length * perMaster, options);
  const plans = slotPlans(masters, range, perMaster);
  const totalKeys = range.end - range.start;
  const keyValueBytes = keyspace.params.keySize + keyspace.params.valueSize;
  const barrierTimeoutMs = options.barrierTimeoutMs ?? FILL_DEFAULTS.barrierTimeoutMs;
  const failoverTimeoutMs = options.failoverTimeoutMs ?? FILL_DEFAULTS.failoverTimeoutMs;
  const ledger = new FillLedger({
    keyspace: keyspace.params,
    shard,
    masters,
    totalKeys,
    flushed: options.flushed === true,
    acked,
    signal,
  });
  ledger.add(plans);
  // The cap counts from the same start as the reported throughput.
  const rate = options.rateBytesPerSecond
    ? new RateLimiter(options.rateBytesPerSecond, ledger.startedAt)
    : undefined;
  const ticker = setInterval(() => {
    ledger.samplePeakRss();
    options.progress?.update(ledger.snapshot());
  }, 200);
  const replicas = new ReplicaWatch();
  replicas.note(topology);
  const counters = new CounterWatch(transport);
  let resentSlots = 0;
  const waitReplicas = acked && options.waitReplicas === true;
  const resultNow = (): FillResult => ({
    ...ledger.result(),
    server: counters.result(),
    ...(resentSlots > 0 ? { resentSlots } : {}),
    ...(waitReplicas ? { waitedForReplicas: true } : {}),
  });
  const wanted = waitReplicas ? await replicaCounts(transport, masters) : new Map();
  // A master that took over later waits for the replicas the topology lists for it then.
  const replicasOf = (node: NodeInfo): number =>
    wanted.get(node.id) ?? listedReplicas(transport.topology(), node);
  if (waitReplicas) {
    for (const node of masters.filter((master) => replicasOf(master) === 0)) {
      options.logger.warn(
        `${
          formatAddress(node.host, node.port)
        } has no replica: durability: replicas waits for none there; an acknowledged write is only on the master`,
      );
    }
  }
  const failed = (error: unknown) => asFillFailed(error, resultNow(), totalKeys);
  const onEviction = options.onEviction ?? "fail";
  /** At a barrier: rejected writes fail the fill; so do evictions, unless told to warn. */
  const checkCounters = async () => {
    const findings = await counters.read(servingMasters(transport.topology()));
    // Stopped by Ctrl-C: the counters are read for the report; the stop stays the verdict.
    if (signal.aborted) return;
    // In acked mode every rejection came back as a reply, counted per node by the writers.
    const rejections = acked || ledger.fellBack
      ? []
      : findings.filter((entry) => entry.rejected > 0);
    if (rejections.length > 0) throw new FillFailedError(rejectedMessage(rejections), resultNow());
    const evictions = findings.filter((entry) => entry.evicted > 0);
    if (evictions.length > 0 && onEviction === "fail") {
      throw new FillFailedError(evictedMessage(evictions), resultNow());
    }
  };
  await counters.read(masters);
  // Fire-and-forget in a cluster: slots that move during a round lose keys without a word.
  const slotWatch = !acked && topology.mode === "cluster" ? new SlotWatch(masters) : undefined;
  await slotWatch?.start(transport);
  try {
    let round: WriterPlan[] = plans;
    let roundAcked = acked;
    let redirectRounds = 0;
    let failovers = 0;
    while (round.length > 0) {
      const outcome = await runWriters(transport, round, {
        encoder,
        batchBytes,
        acked: roundAcked,
        keyValueBytes,
        signal: stop.signal,
        rate,
        barrierTimeoutMs,
        canFailOver: (node) => replicas.canFailOver(node),
        replicasOf: waitReplicas ? replicasOf : undefined,
        onFallback: () => {
          if (!ledger.fellBack) {
            options.logger.warn(
              "The server refused CLIENT REPLY (renamed or blocked): counting every reply instead (acked mode)",
            );
          }
          ledger.fellBack = true;
        },
      }).catch((error) => {
        throw failed(error);
      });
      await checkCounters();
      if (signal.aborted) break;
      const { redirected, asked } = outcome;
      let lost = outcome.lost;
      let resend: number[] = [];
      if (slotWatch && !roundAcked && !ledger.fellBack && lost.length === 0) {
        const seen = slotWatch.epoch;
        const check = await slotWatch.check(transport).catch((error) => {
          options.logger.warn(
            `Could not read the slot map at the barrier (${
              error instanceof Error ? error.message : String(error)
            }): keys of slots that moved during the fill may be missing; verify counts them`,
          );
          return undefined;
        });
        if (check && check.slots.length > 0) {
          resend = indicesOfSlots(check.slots, range);
          // Each re-sent key counts once, on the node it goes to now.
          check.slots.forEach((slot, k) => {
            ledger.uncount(check.from[k]!, indicesOfSlots([slot], range).length);
          });
          resentSlots += check.slots.length;
          roundAcked = true;
          options.logger.warn(
            `${check.slots.length} slots moved or were migrating during the fill (${check.migrating} still migrating; epoch ${seen} → ${check.epoch}): re-sending their ${resend.length} keys to their owners, acked`,
          );
        }
      }
      if (
        lost.length === 0 && redirected.length === 0 && asked.size === 0 && resend.length === 0 &&
        acked &&
        topology.mode === "cluster"
      ) {
        // A master that died after its writers finished may not have passed their keys on.
        lost = await silentMasters(transport, ledger.plans).catch(() => []);
        for (const node of lost) {
          if (!replicas.canFailOver(node)) {
            throw failed(
              new FillError(
                `Lost node "${
                  formatAddress(node.host, node.port)
                }" at the end of the fill, and it has no replica to take over: the keys it acknowledged may be lost`,
              ),
            );
          }
        }
      }
      let replay: number[] = [];
      let current: Topology | undefined;
      if (lost.length > 0) {
        failovers += lost.length;
        if (failovers > masters.length) {
          throw failed(
            new FillError(
              `Lost ${failovers} masters during the fill (last "${lost[0]!.host}:${
                lost[0]!.port
              }"): the cluster is failing; retry when it is stable`,
            ),
          );
        }
        const names = lost.map((node) => `"${formatAddress(node.host, node.port)}"`).join(", ");
        options.logger.warn(
          `Lost master ${names} mid-fill: waiting up to ${
            failoverTimeoutMs / 1000
          } s for a replica to take over its slots`,
        );
        current = await awaitFailover(transport, lost, failoverTimeoutMs, stop.signal).catch(
          (error) => {
            throw failed(error);
          },
        );
        if (signal.aborted) break;
        replicas.note(current);
        replay = replaceLost(ledger.plans, lost);
        options.logger.warn(
          `Re-sending all ${replay.length} keys meant for ${names} to the master that took over (writes it acknowledged may not have reached its replica); each is counted once`,
        );
      } else if (redirected.length === 0 && asked.size === 0 && resend.length === 0) {
        break;
      } else {
        const askedCount = [...asked.values()].reduce((sum, list) => sum + list.length, 0);
        if (redirected.length + askedCount > 0) {
          if (redirectRounds >= 5) {
            throw new FillFailedError(
              `${
                redirected.length + askedCount
              } keys were still redirected (MOVED/ASK/TRYAGAIN) after 5 rounds: the cluster is resharding or failing over; retry when it is stable`,
              resultNow(),
            );
          }
          redirectRounds++;
          options.logger.info(
            `Re-sending ${
              redirected.length + askedCount
            } redirected keys after a topology refresh (${askedCount} with ASKING)`,
          );
          await sleep(250 * redirectRounds);
        }
      }
      round = await replan(
        transport,
        current,
        [...redirected, ...replay, ...resend],
        asked,
        failoverTimeoutMs,
      )
        .catch((error) => {
          throw failed(error);
        });
      ledger.add(round);
    }
  } finally {
    clearInterval(ticker);
    signal.removeEventListener("abort", onAbort);
    options.progress?.update(ledger.snapshot());
    options.progress?.done();
  }
  const final = resultNow();
  warnEvictions(final, options.logger);
  if (waitReplicas && !final.interrupted) {
    const short = final.nodes.filter((node) =>
      node.replication && node.replication.acknowledged < node.replication.wanted
    );
    if (short.length > 0) {
      const node = short[0]!;
      throw new FillFailedError(
        `Only ${node.replication!.acknowledged} of ${
          node.replication!.wanted
        } replicas of ${node.address} acknowledged its writes within ${
          barrierTimeoutMs / 1000
        } s (WAIT): a failover now could lose acknowledged keys; check the replication links (INFO replication) and retry`,
        final,
      );
    }
  }
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

function asFillFailed(error: unknown, partial: FillResult, totalKeys: number): unknown {
  if (error instanceof FillFailedError) return error;
  if (error instanceof RedfillError) {
    // A connection error before any key was sent stays what it is (exit 3); once keys were
    // written, losing a node is a fill error that carries what each node got.
    if (!(error instanceof FillError) && !(error instanceof ConnectionError && partial.keys > 0)) {
      return error;
    }
    const sent = `${partial.keys.toLocaleString("en-US")} of ${
      totalKeys.toLocaleString("en-US")
    } keys were sent before it failed`;
    // The sentence, not its text, so the options it mentions are still named for the reader.
    return new FillFailedError(sentence`${error.sentence}; ${sent}`, partial, error);
  }
  return error;
}

/** The sentence of writes a server rejected with replies off, counted by its `errorstat_OOM`. */
function rejectedMessage(findings: readonly CounterFinding[]): string {
  const sorted = [...findings].sort((a, b) => b.rejected - a.rejected);
  const worst = sorted[0]!;
  const others = sorted.length > 1
    ? ` (and ${sorted.length - 1} more master${sorted.length > 2 ? "s" : ""})`
    : "";
  return `${worst.node.address}${others} rejected ${
    worst.rejected.toLocaleString("en-US")
  } writes: ${OOM_TEXT} (its errorstat_OOM, a server-wide counter, grew by that much during the fill); raise maxmemory, allow eviction (maxmemory-policy) or fill less`;
}

/** The sentence of keys a server evicted during the fill. */
function evictedMessage(findings: readonly CounterFinding[]): Message {
  const sorted = [...findings].sort((a, b) => b.evicted - a.evicted);
  const worst = sorted[0]!;
  const others = sorted.length > 1
    ? ` (and ${sorted.length - 1} more master${sorted.length > 2 ? "s" : ""})`
    : "";
  return sentence`${worst.node.address}${others} evicted ${
    worst.evicted.toLocaleString("en-US")
  } keys during the fill (its evicted_keys, a server-wide counter): the data does not fit in maxmemory; raise maxmemory, fill less, or set ${
    stepOption("on-eviction")
  } warn to accept evictions`;
}

/** With `on-eviction: warn`, one warning per master that evicted keys. */
function warnEvictions(result: FillResult, logger: Logger): void {
  for (const node of result.server?.nodes ?? []) {
    if (node.evictedKeys > 0) {
      logger.warn(
        `${node.address} evicted ${
          node.evictedKeys.toLocaleString("en-US")
        } keys during the fill (evicted_keys, server-wide): verify will find this fill's evicted keys missing`,
      );
    }
  }
}
