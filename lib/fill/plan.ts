/**
 * The fill's plan: which writer sends which key indices to which node. A first round gives
 * each master's writers the indices of the slots it owns; later rounds re-send redirected keys
 * to the node that owns their slot then, or, for `ASK`, to the node named in the reply.
 *
 * @module
 */

import { FILL_DEFAULTS } from "../defaults.ts";
import { FillError } from "../errors.ts";
import type { Logger, NodeInfo, NodeReplication, Topology, Transport } from "../types.ts";
import { type IndexCursor, SlotCursor } from "./batch.ts";
import { ListCursor, type WriterCounters } from "./bulk_writer.ts";
import { servingMasters } from "../cluster/nodes.ts";
import { SLOT_COUNT, slotOwners } from "../cluster/slots.ts";
import { sleep } from "../time.ts";
import { formatBytes } from "../units.ts";

/** One writer's share of a round: a node, the indices to send there, and its own counters. */
export interface WriterPlan {
  /** The node the writer sends to. */
  node: NodeInfo;
  /** This writer's counters; a node's numbers are the sum over its plans that still count. */
  counters: WriterCounters;
  /** The indices still to send. */
  cursor: IndexCursor;
  /** A fresh cursor over every index the plan was given, to replay it when its node is lost. */
  indices: () => IndexCursor;
  /** Send `ASKING` before each key (keys an `ASK` reply sent to this node). */
  asking: boolean;
  /** Indices the finished writer handed on (redirected or ASK): counted elsewhere, not replayed. */
  handedOn: number[];
  /** Its node was lost: what it wrote was re-sent elsewhere and no longer counts here. */
  replaced: boolean;
  /** With `durability: replicas`: replicas waited for, and how many `WAIT` said had the writes. */
  replication?: NodeReplication | undefined;
}

/**
 * Counters at zero.
 *
 * @returns New counters.
 */
export function newCounters(): WriterCounters {
  return { keys: 0, bytes: 0, acked: 0, errors: 0, firstErrors: [] };
}

/**
 * A plan over the indices in [start, end) whose slot is in `slots`.
 *
 * @param node The node to send to.
 * @param slots The slots, sorted ascending.
 * @param start First index (inclusive).
 * @param end Last index (exclusive).
 * @returns The plan.
 */
export function slotPlan(
  node: NodeInfo,
  slots: Int32Array,
  start: number,
  end: number,
): WriterPlan {
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

/**
 * A plan over an explicit list of indices.
 *
 * @param node The node to send to.
 * @param list The indices, in the order to send them.
 * @param asking Whether each key goes after an `ASKING`.
 * @returns The plan.
 */
export function listPlan(node: NodeInfo, list: number[], asking: boolean): WriterPlan {
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
 * Writers per master: as asked (at least one), else the default of the topology's mode.
 *
 * @param mode Standalone or cluster.
 * @param connections Writers asked for, if any.
 * @returns The number of writers per master.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { writersPerMaster } from "./plan.ts";
 * equal(writersPerMaster("cluster"), 2);
 * equal(writersPerMaster("standalone", 0), 1);
 * ```
 */
export function writersPerMaster(mode: Topology["mode"], connections?: number): number {
  const fallback = mode === "cluster"
    ? FILL_DEFAULTS.clusterConnections
    : FILL_DEFAULTS.standaloneConnections;
  return Math.max(1, connections ?? fallback);
}

/**
 * The size of each batch buffer. By default the 8 MiB budget is shared by every writer's two
 * buffers (each at most 8 MiB, at least 128 KiB). An explicit `batchBytes` sets each buffer,
 * but all of them together (writers × 2) take at most 512 MiB: above that each is shrunk to
 * fit, with a warning. A buffer always holds at least one command.
 *
 * @param maxCommandBytes The largest encoded command.
 * @param writerCount Writers in all.
 * @param options The size asked for, if any, and where to warn.
 * @returns Bytes per buffer.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { silentLogger } from "../logger.ts";
 * import { batchBytesFor } from "./plan.ts";
 * equal(batchBytesFor(1100, 8, { logger: silentLogger }), 512 * 1024);
 * equal(batchBytesFor(1100, 8, { batchBytes: 4096, logger: silentLogger }), 4096);
 * ```
 */
export function batchBytesFor(
  maxCommandBytes: number,
  writerCount: number,
  options: { batchBytes?: number | undefined; logger: Logger },
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

/**
 * The first round: each master's slots dealt over its writers (slot j of a master to writer
 * j mod `perMaster`), each writer walking the indices in [start, end) of its slots.
 *
 * @param masters The serving masters.
 * @param range The indices to write.
 * @param perMaster Writers per master.
 * @returns The plans, master by master.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { slotPlans } from "./plan.ts";
 * const master = { id: "a", host: "127.0.0.1", port: 6379, role: "master" as const, slots: [[0, 16383] as [number, number]] };
 * const plans = slotPlans([master], { start: 0, end: 10 }, 2);
 * equal(plans.length, 2);
 * equal(plans[0]!.cursor.next(), 0);
 * equal(plans[1]!.cursor.next(), 1);
 * ```
 */
export function slotPlans(
  masters: readonly NodeInfo[],
  range: { start: number; end: number },
  perMaster: number,
): WriterPlan[] {
  const owners = slotOwners(masters);
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
  return plans;
}

/**
 * The plans of a re-send: redirected indices grouped by the serving master that owns their
 * slot in `topology`, ascending; `ASK`ed ones to the node at each `host:port` (one the topology
 * does not list yet is named by its address), ascending, with `ASKING`.
 *
 * @param topology The topology to route by; every slot of `indices` must be served.
 * @param indices Indices to re-send to the owner of their slot (sorted in place).
 * @param asked Indices to re-send with `ASKING`, by `host:port` (each list sorted in place).
 * @returns One plan per master that gets redirected keys, then one per `ASK` address.
 * @example
 * ```ts
 * import { deepEqual, equal } from "node:assert/strict";
 * import { redirectPlans } from "./plan.ts";
 * const node = (id: string, port: number, slots: [number, number][]) =>
 *   ({ id, host: "127.0.0.1", port, role: "master" as const, slots });
 * const topology = { mode: "cluster" as const, nodes: [node("a", 7000, [[0, 8191]]), node("b", 7001, [[8192, 16383]])] };
 * const plans = redirectPlans(topology, [9000, 5, 16389], new Map([["127.0.0.1:7002", [7]]]));
 * deepEqual(plans.map((plan) => [plan.node.id, plan.asking]), [["a", false], ["b", false], ["127.0.0.1:7002", true]]);
 * equal(plans[0]!.cursor.next(), 5);
 * ```
 */
export function redirectPlans(
  topology: Topology,
  indices: number[],
  asked: ReadonlyMap<string, number[]>,
): WriterPlan[] {
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

/**
 * Plans the next round after a topology refresh (or on the topology given): waits until some
 * master serves the slot of every index (mid-failover a slot may be served by none; its keys
 * wait rather than being dropped), then routes them with {@linkcode redirectPlans}.
 *
 * @param transport The connected transport.
 * @param current A fresh topology, if the caller has one.
 * @param indices Indices to re-send to the owner of their slot.
 * @param asked Indices to re-send with `ASKING`, by `host:port`.
 * @param timeoutMs How long a slot may stay unserved.
 * @returns The plans of the round.
 * @throws {FillError} naming the slot when no master serves it within `timeoutMs`.
 */
export async function replan(
  transport: Transport,
  current: Topology | undefined,
  indices: number[],
  asked: ReadonlyMap<string, number[]>,
  timeoutMs: number,
): Promise<WriterPlan[]> {
  let topology = current ?? await transport.refresh();
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
  return redirectPlans(topology, indices, asked);
}
