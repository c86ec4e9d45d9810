/**
 * The fill: splits the keyspace over the masters by the slots they own, runs the bulk
 * writers, re-sends redirected keys in acked mode, and returns what each node got.
 *
 * @module
 */

import { FILL_DEFAULTS } from "../defaults.ts";
import { ConnectionError, FillError, RedfillError } from "../errors.ts";
import { type Message, sentence } from "../message.ts";
import type {
  DataSocket,
  FillResult,
  KeyspaceParams,
  Logger,
  NodeFillResult,
  NodeInfo,
  ProgressReporter,
  Shard,
  Topology,
  Transport,
} from "../types.ts";
import { BatchEncoder, type IndexCursor, SlotCursor } from "./batch.ts";
import { BulkWriter, ListCursor, RateLimiter, type WriterCounters } from "./bulk_writer.ts";
import { Keyspace, shardRange } from "./keyspace.ts";
import { cpuSeconds, peakRssBytes } from "./process_stats.ts";
import { servingMasters } from "../cluster/nodes.ts";
import { SLOT_COUNT, slotOwners, uncoveredSlots } from "../cluster/slots.ts";
import { infoField } from "../resp/info.ts";
import { sleep } from "../time.ts";
import { formatBytes } from "../units.ts";

/** Options for {@linkcode runFill}. */
export interface RunFillOptions {
  /** The keyspace to write. */
  keyspace: KeyspaceParams;
  /** The part of the keyspace to write (default all: 0/1). */
  shard?: Shard | undefined;
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

/** One writer's share of a round: a node, the indices to send there, and its own counters. */
interface WriterPlan {
  node: NodeInfo;
  /** This writer's counters; a node's numbers are the sum over its plans that still count. */
  counters: WriterCounters;
  cursor: IndexCursor;
  /** A fresh cursor over every index the plan was given, to replay it when its node is lost. */
  indices: () => IndexCursor;
  /** Send `ASKING` before each key (keys an `ASK` reply sent to this node). */
  asking: boolean;
  /** Indices the finished writer handed on (redirected or ASK): counted elsewhere, not replayed. */
  handedOn: number[];
  /** Its node was lost: what it wrote was re-sent elsewhere and no longer counts here. */
  replaced: boolean;
}

function newCounters(): WriterCounters {
  return { keys: 0, bytes: 0, acked: 0, errors: 0, firstErrors: [] };
}

function slotPlan(node: NodeInfo, slots: Int32Array, start: number, end: number): WriterPlan {
  return {
    node,
    counters: newCounters(),
    cursor: new SlotCursor(slots, start, end),
    indices: () => new SlotCursor(slots, start, end),
    asking: false,
    handedOn: [],
    replaced: false,
  };
}

function listPlan(node: NodeInfo, list: number[], asking: boolean): WriterPlan {
  return {
    node,
    counters: newCounters(),
    cursor: new ListCursor(list),
    indices: () => new ListCursor(list),
    asking,
    handedOn: [],
    replaced: false,
  };
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
  const topology = transport.topology();
  const masters = servingMasters(topology);
  const owners = slotOwners(masters);
  const missing = uncoveredSlots(owners);
  if (missing) {
    throw new FillError(
      `No reachable master serves slots ${missing}: wait until the cluster is healthy (cluster_state:ok) and retry`,
    );
  }
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener("abort", onAbort);
  if (signal.aborted) stop.abort();
  const perMaster = Math.max(
    1,
    options.connections ??
      (topology.mode === "cluster"
        ? FILL_DEFAULTS.clusterConnections
        : FILL_DEFAULTS.standaloneConnections),
  );
  const writerCount = masters.length * perMaster;
  const batchBytes = batchBufferBytes(encoder.maxCommandBytes, writerCount, options);
  // The nodes in the result, in order: the masters, then any node a later round wrote to.
  const nodes: NodeInfo[] = [...masters];
  const plans: WriterPlan[] = [];
  masters.forEach((node, masterIndex) => {
    const owned: number[] = [];
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (owners[slot] === masterIndex) owned.push(slot);
    }
    for (let w = 0; w < perMaster; w++) {
      const slots = Int32Array.from(owned.filter((_, j) => j % perMaster === w));
      plans.push(slotPlan(node, slots, range.start, range.end));
    }
  });
  const allPlans = [...plans];
  const totalKeys = range.end - range.start;
  const keyValueBytes = keyspace.params.keySize + keyspace.params.valueSize;
  const barrierTimeoutMs = options.barrierTimeoutMs ?? FILL_DEFAULTS.barrierTimeoutMs;
  const failoverTimeoutMs = options.failoverTimeoutMs ?? FILL_DEFAULTS.failoverTimeoutMs;
  const cpuStart = cpuSeconds();
  const started = performance.now();
  // The cap counts from the same start as the reported throughput.
  const rate = options.rateBytesPerSecond
    ? new RateLimiter(options.rateBytesPerSecond, started)
    : undefined;
  let peakRss = Deno.memoryUsage().rss;
  const nodeTotals = (node: NodeInfo): WriterCounters => {
    const total = newCounters();
    for (const plan of allPlans) {
      if (plan.node.id !== node.id || plan.replaced) continue;
      total.keys += plan.counters.keys;
      total.bytes += plan.counters.bytes;
      total.acked += plan.counters.acked;
      total.errors += plan.counters.errors;
      for (const text of plan.counters.firstErrors) {
        if (total.firstErrors.length < 5 && !total.firstErrors.includes(text)) {
          total.firstErrors.push(text);
        }
      }
    }
    return total;
  };
  const snapshot = () => {
    let keys = 0;
    let bytes = 0;
    const perNode: Record<string, number> = {};
    for (const node of nodes) {
      const counters = nodeTotals(node);
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
    const perNode: NodeFillResult[] = nodes.map((node) => {
      const counters = nodeTotals(node);
      return {
        nodeId: node.id,
        address: `${node.host}:${node.port}`,
        keys: counters.keys,
        bytes: counters.bytes,
        acked: counters.acked,
        errors: counters.errors,
        firstErrors: counters.firstErrors,
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
      nodes: perNode,
      errors: perNode.reduce((sum, node) => sum + node.errors, 0),
      interrupted: signal.aborted,
    };
  };
  // Replicas known per master, from every topology seen: whether a lost master can fail over.
  const replicated = new Set<string>();
  const noteReplicas = (seen: Topology) => {
    for (const node of seen.nodes) {
      if (node.role === "replica" && node.masterId) replicated.add(node.masterId);
    }
  };
  noteReplicas(topology);
  const failed = (error: unknown) => asFillFailed(error, result(), totalKeys);
  try {
    let round = plans;
    let redirectRounds = 0;
    let failovers = 0;
    while (round.length > 0) {
      const outcome = await runWriters(transport, round, {
        encoder,
        batchBytes,
        acked,
        keyValueBytes,
        signal: stop.signal,
        rate,
        barrierTimeoutMs,
        canFailOver: (node) => replicated.has(node.id),
        onFallback: () => {
          if (!fellBack) {
            options.logger.warn(
              "The server refused CLIENT REPLY (renamed or blocked): counting every reply instead (acked mode)",
            );
          }
          fellBack = true;
        },
      }).catch((error) => {
        throw failed(error);
      });
      if (signal.aborted) break;
      const { redirected, asked } = outcome;
      let lost = outcome.lost;
      if (
        lost.length === 0 && redirected.length === 0 && asked.size === 0 && acked &&
        topology.mode === "cluster"
      ) {
        // A master that died after its writers finished may not have passed their keys on.
        lost = await silentMasters(transport, allPlans).catch(() => []);
        for (const node of lost) {
          if (!replicated.has(node.id)) {
            throw failed(
              new FillError(
                `Lost node "${node.host}:${node.port}" at the end of the fill, and it has no replica to take over: the keys it acknowledged may be lost`,
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
        const names = lost.map((node) => `"${node.host}:${node.port}"`).join(", ");
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
        noteReplicas(current);
        replay = replaceLost(allPlans, lost);
        options.logger.warn(
          `Re-sending all ${replay.length} keys meant for ${names} to the master that took over (writes it acknowledged may not have reached its replica); each is counted once`,
        );
      } else if (redirected.length === 0 && asked.size === 0) {
        break;
      } else {
        if (redirectRounds >= 5) {
          const count = redirected.length + [...asked.values()].reduce((n, l) => n + l.length, 0);
          throw new FillFailedError(
            `${count} keys were still redirected (MOVED/ASK/TRYAGAIN) after 5 rounds: the cluster is resharding or failing over; retry when it is stable`,
            result(),
          );
        }
        redirectRounds++;
        const askedCount = [...asked.values()].reduce((sum, list) => sum + list.length, 0);
        options.logger.info(
          `Re-sending ${
            redirected.length + askedCount
          } redirected keys after a topology refresh (${askedCount} with ASKING)`,
        );
        await sleep(250 * redirectRounds);
      }
      round = await replan(transport, current, [...redirected, ...replay], asked, failoverTimeoutMs)
        .catch((error) => {
          throw failed(error);
        });
      for (const plan of round) {
        allPlans.push(plan);
        if (!nodes.some((node) => node.id === plan.node.id)) nodes.push(plan.node);
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

/**
 * The size of each batch buffer. By default the 8 MiB budget is shared by every writer's two
 * buffers (each at most 8 MiB, at least 128 KiB). An explicit `batchBytes` sets each buffer,
 * but all of them together (writers × 2) take at most 512 MiB: above that each is shrunk to
 * fit, with a warning. A buffer always holds at least one command.
 */
function batchBufferBytes(
  maxCommandBytes: number,
  writerCount: number,
  options: Pick<RunFillOptions, "batchBytes" | "logger">,
): number {
  const buffers = 2 * writerCount;
  if (options.batchBytes === undefined) {
    const shared = Math.floor(FILL_DEFAULTS.bufferBudgetBytes / buffers);
    return Math.max(
      maxCommandBytes,
      Math.min(FILL_DEFAULTS.batchBytes, Math.max(FILL_DEFAULTS.minBatchBytes, shared)),
    );
  }
  const most = Math.floor(FILL_DEFAULTS.maxBufferBudgetBytes / buffers);
  if (options.batchBytes <= most) return Math.max(maxCommandBytes, options.batchBytes);
  const size = Math.max(maxCommandBytes, most);
  options.logger.warn(
    `Batch buffers of ${formatBytes(options.batchBytes)} for ${writerCount} writer${
      writerCount === 1 ? "" : "s"
    } (two each) would take ${formatBytes(options.batchBytes * buffers)}: using ${
      formatBytes(size)
    } each, ${formatBytes(size * buffers)} in all (the most batch buffers may take)`,
  );
  return size;
}

interface RunWritersOptions {
  encoder: BatchEncoder;
  batchBytes: number;
  acked: boolean;
  keyValueBytes: number;
  signal: AbortSignal;
  rate: RateLimiter | undefined;
  barrierTimeoutMs: number;
  /** Whether a replica may take over from a master (acked mode then waits for it). */
  canFailOver: (node: NodeInfo) => boolean;
  onFallback: () => void;
}

interface RoundOutcome {
  /** Indices to re-send to the owner of their slot. */
  redirected: number[];
  /** Indices to re-send with ASKING, by `host:port`. */
  asked: Map<string, number[]>;
  /** Masters lost in acked mode that a replica may take over. */
  lost: NodeInfo[];
}

async function runWriters(
  transport: Transport,
  plans: WriterPlan[],
  options: RunWritersOptions,
): Promise<RoundOutcome> {
  const sockets: Array<DataSocket | undefined> = [];
  const failFast = new AbortController();
  const relay = () => failFast.abort();
  options.signal.addEventListener("abort", relay);
  // Ctrl-C between rounds (during a sleep or a replan) stops this round before it starts.
  if (options.signal.aborted) failFast.abort();
  const lost = new Map<string, NodeInfo>();
  // Whether a node whose writer failed is gone for good (a failover may follow), per node id.
  const verdicts = new Map<string, Promise<boolean>>();
  const failover = (node: NodeInfo): Promise<boolean> => {
    let verdict = verdicts.get(node.id);
    if (!verdict) {
      verdict = options.acked && options.canFailOver(node)
        ? answersPing(transport, node).then((alive) => !alive)
        : Promise.resolve(false);
      verdicts.set(node.id, verdict);
    }
    return verdict;
  };
  const describe = (error: unknown, node: NodeInfo) =>
    error instanceof RedfillError ? error : new FillError(
      `Lost the connection to node "${node.host}:${node.port}": ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  try {
    const opened = await Promise.allSettled(plans.map((plan) => transport.openWriter(plan.node)));
    let firstError: unknown;
    for (const [index, outcome] of opened.entries()) {
      if (outcome.status === "fulfilled") {
        sockets[index] = outcome.value;
      } else if (!firstError) {
        const node = plans[index]!.node;
        if (await failover(node)) lost.set(node.id, node);
        else firstError = outcome.reason;
      }
    }
    if (firstError !== undefined) throw firstError;
    const outcomes = await Promise.all(plans.map(async (plan, index) => {
      const socket = sockets[index];
      if (!socket) return undefined;
      try {
        const writer = new BulkWriter({
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
        });
        const outcome = await writer.run();
        if (outcome.fellBackToAcked) options.onFallback();
        plan.handedOn = [...outcome.redirected, ...[...outcome.asked.values()].flat()];
        return outcome;
      } catch (error) {
        if (!failFast.signal.aborted && await failover(plan.node)) {
          // Acked mode: the others go on; the node's keys are re-sent once a replica took over.
          lost.set(plan.node.id, plan.node);
          return undefined;
        }
        firstError ??= describe(error, plan.node);
        // One node failed: stop the others; they still run their barrier.
        failFast.abort();
        return undefined;
      }
    }));
    if (firstError !== undefined) throw firstError;
    const redirected: number[] = [];
    const asked = new Map<string, number[]>();
    for (const outcome of outcomes) {
      // A finished writer's hand-ons (MOVED/ASK keys) are re-sent here even when its node was
      // lost later: replaceLost() replays that node's keys less exactly these.
      if (!outcome) continue;
      redirected.push(...outcome.redirected);
      for (const [address, list] of outcome.asked) {
        const into = asked.get(address);
        if (into) into.push(...list);
        else asked.set(address, [...list]);
      }
    }
    return { redirected, asked, lost: [...lost.values()] };
  } finally {
    options.signal.removeEventListener("abort", relay);
    for (const socket of sockets) socket?.close();
  }
}

/**
 * Whether a node answers `PING` within a second (a socket lost to a node that still answers
 * is not a failover).
 */
async function answersPing(transport: Transport, node: NodeInfo): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      transport.call(["PING"], { node: node.id }).then(() => true, () => false),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), 1000)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The masters this fill wrote to (plans that still count) that are gone now: no longer a
 * serving master in a fresh topology (failed, or demoted by a failover), or not answering
 * `PING`.
 */
async function silentMasters(transport: Transport, plans: WriterPlan[]): Promise<NodeInfo[]> {
  const written = new Map<string, NodeInfo>();
  for (const plan of plans) if (!plan.replaced) written.set(plan.node.id, plan.node);
  const topology = await transport.refresh();
  const gone: NodeInfo[] = [];
  for (const node of written.values()) {
    const now = topology.nodes.find((candidate) =>
      candidate.id === node.id || (candidate.host === node.host && candidate.port === node.port)
    );
    if (!now || now.role !== "master" || !(await answersPing(transport, now))) gone.push(node);
  }
  return gone;
}

/**
 * Waits until masters other than the lost ones serve every slot and report
 * `cluster_state:ok`.
 *
 * @returns The topology then.
 * @throws {FillError} naming the lost node when that takes longer than `timeoutMs`.
 */
async function awaitFailover(
  transport: Transport,
  lost: NodeInfo[],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Topology> {
  const gone = new Set(lost.map((node) => node.id));
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      const topology = await transport.refresh();
      const masters = servingMasters(topology).filter((node) => !gone.has(node.id));
      if (!uncoveredSlots(slotOwners(masters))) {
        const states = await Promise.all(
          masters.map((node) =>
            transport.call(["CLUSTER", "INFO"], { node: node.id }).then(
              (reply) => infoField(String(reply), "cluster_state"),
              () => undefined,
            )
          ),
        );
        if (states.every((state) => state === "ok")) return topology;
      }
    } catch {
      // Nodes may not answer while the cluster fails over: ask again.
    }
    if (signal.aborted) return transport.topology();
    if (performance.now() > deadline) {
      const names = lost.map((node) => `"${node.host}:${node.port}"`).join(", ");
      throw new FillError(
        `Lost the connection to node ${names} and no replica took over its slots within ${
          timeoutMs / 1000
        } s: check the cluster (CLUSTER NODES) and retry`,
      );
    }
    await sleep(200);
  }
}

/**
 * Marks every plan of the lost nodes replaced and returns the indices to send again: all
 * each plan was given, less what a finished writer already handed on to another node.
 */
function replaceLost(plans: WriterPlan[], lost: NodeInfo[]): number[] {
  const gone = new Set(lost.map((node) => node.id));
  const replay: number[] = [];
  for (const plan of plans) {
    if (plan.replaced || !gone.has(plan.node.id)) continue;
    plan.replaced = true;
    const handedOn = new Set(plan.handedOn);
    const cursor = plan.indices();
    for (let index = cursor.next(); index >= 0; index = cursor.next()) {
      if (!handedOn.has(index)) replay.push(index);
    }
  }
  return replay;
}

async function replan(
  transport: Transport,
  current: Topology | undefined,
  indices: number[],
  asked: Map<string, number[]>,
  timeoutMs: number,
): Promise<WriterPlan[]> {
  let topology = current ?? await transport.refresh();
  // A key whose slot no master serves (mid-failover) must wait, not be dropped.
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const owners = slotOwners(servingMasters(topology));
    const orphan = indices.find((index) => owners[index % SLOT_COUNT]! < 0);
    if (orphan === undefined) break;
    if (performance.now() > deadline) {
      throw new FillError(
        `No master serves slot ${orphan % SLOT_COUNT} after ${
          timeoutMs / 1000
        } s: ${indices.length} keys could not be re-sent; check the cluster (CLUSTER NODES) and retry`,
      );
    }
    await sleep(200);
    topology = await transport.refresh().catch(() => topology);
  }
  const masters = servingMasters(topology);
  const owners = slotOwners(masters);
  const byMaster = new Map<number, number[]>();
  for (const index of indices.sort((a, b) => a - b)) {
    const owner = owners[index % SLOT_COUNT]!;
    let list = byMaster.get(owner);
    if (!list) byMaster.set(owner, list = []);
    list.push(index);
  }
  const plans = [...byMaster].map(([owner, list]) => listPlan(masters[owner]!, list, false));
  for (const [address, list] of asked) {
    const colon = address.lastIndexOf(":");
    const host = address.slice(0, colon);
    const port = Number(address.slice(colon + 1));
    const node = topology.nodes.find((candidate) =>
      candidate.host === host && candidate.port === port
    ) ?? { id: address, host, port, role: "master" as const, slots: [] };
    plans.push(listPlan(node, list.sort((a, b) => a - b), true));
  }
  return plans;
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
