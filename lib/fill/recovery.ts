/**
 * What the fill does when a node is lost: tells a lost master from a broken socket (`PING`),
 * knows which masters have a replica to take over, waits for a failover to complete, and
 * replays a lost master's keys.
 *
 * @module
 */

import { formatAddress } from "../address.ts";
import { FillError } from "../errors.ts";
import type { NodeInfo, Topology, Transport } from "../types.ts";
import type { WriterPlan } from "./plan.ts";
import { servingMasters } from "../cluster/nodes.ts";
import { slotOwners, uncoveredSlots } from "../cluster/slots.ts";
import { infoField } from "../resp/info.ts";
import { sleep } from "../time.ts";

/** How long a node may take to answer the `PING` that tells whether it is still there. */
const PING_TIMEOUT_MS = 1000;

/**
 * The masters that have a replica to take over from them, from every topology the fill saw.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { ReplicaWatch } from "./recovery.ts";
 * const watch = new ReplicaWatch();
 * watch.note({ mode: "cluster", nodes: [
 *   { id: "m", host: "127.0.0.1", port: 7000, role: "master", slots: [[0, 16383]] },
 *   { id: "r", host: "127.0.0.1", port: 7001, role: "replica", masterId: "m", slots: [] },
 * ] });
 * equal(watch.canFailOver({ id: "m", host: "127.0.0.1", port: 7000, role: "master", slots: [] }), true);
 * ```
 */
export class ReplicaWatch {
  readonly #replicated = new Set<string>();

  /**
   * Notes the replicas of a topology.
   *
   * @param topology A topology seen during the fill.
   */
  note(topology: Topology): void {
    for (const node of topology.nodes) {
      if (node.role === "replica" && node.masterId) this.#replicated.add(node.masterId);
    }
  }

  /**
   * Whether a replica was seen for a master.
   *
   * @param node The master.
   * @returns True when a replica may take over from it.
   */
  canFailOver(node: NodeInfo): boolean {
    return this.#replicated.has(node.id);
  }
}

/** Options for {@linkcode LossVerdicts}. */
export interface LossVerdictsOptions {
  /** Acked mode: only then can a lost master's keys be told apart and replayed. */
  acked: boolean;
  /** Whether a replica may take over from a master. */
  canFailOver: (node: NodeInfo) => boolean;
}

/**
 * Per round, whether a node whose writer failed is gone for good (so that a failover may
 * follow): in acked mode, a master with a replica that does not answer `PING`. Each node is
 * asked once; every writer of the node shares the verdict.
 */
export class LossVerdicts {
  readonly #transport: Transport;
  readonly #options: LossVerdictsOptions;
  readonly #verdicts = new Map<string, Promise<boolean>>();

  /**
   * @param transport The connected transport (for `PING`).
   * @param options Acked mode and which masters can fail over.
   */
  constructor(transport: Transport, options: LossVerdictsOptions) {
    this.#transport = transport;
    this.#options = options;
  }

  /**
   * Whether the node is gone and a replica may take over.
   *
   * @param node The node whose writer failed.
   * @returns True to wait for a failover; false when the failure is the fill's.
   */
  isGone(node: NodeInfo): Promise<boolean> {
    let verdict = this.#verdicts.get(node.id);
    if (!verdict) {
      verdict = this.#options.acked && this.#options.canFailOver(node)
        ? answersPing(this.#transport, node).then((alive) => !alive)
        : Promise.resolve(false);
      this.#verdicts.set(node.id, verdict);
    }
    return verdict;
  }
}

/**
 * Whether a node answers `PING` within a second (a socket lost to a node that still answers
 * is not a failover).
 *
 * @param transport The connected transport.
 * @param node The node.
 * @returns True when it answered.
 */
export async function answersPing(transport: Transport, node: NodeInfo): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      transport.call(["PING"], { node: node.id }).then(() => true, () => false),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The masters this fill wrote to (plans that still count) that are gone now: no longer a
 * serving master in a fresh topology (failed, or demoted by a failover), or not answering
 * `PING`.
 *
 * @param transport The connected transport.
 * @param plans Every plan of the fill.
 * @returns The masters gone.
 */
export async function silentMasters(
  transport: Transport,
  plans: readonly WriterPlan[],
): Promise<NodeInfo[]> {
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
 * @param transport The connected transport.
 * @param lost The masters lost.
 * @param timeoutMs How long to wait.
 * @param signal Ctrl-C: stops the wait (the current topology is returned).
 * @returns The topology then.
 * @throws {FillError} naming the lost node when that takes longer than `timeoutMs`.
 */
export async function awaitFailover(
  transport: Transport,
  lost: readonly NodeInfo[],
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
      const names = lost.map((node) => `"${formatAddress(node.host, node.port)}"`).join(", ");
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
 * each plan was given, less what a finished writer already handed on to another node (those
 * are re-sent, and counted, where they were redirected to).
 *
 * @param plans Every plan of the fill.
 * @param lost The nodes lost.
 * @returns The indices to re-send, plan by plan.
 * @example
 * ```ts
 * import { deepEqual, equal } from "node:assert/strict";
 * import { listPlan } from "./plan.ts";
 * import { replaceLost } from "./recovery.ts";
 * const node = { id: "a", host: "127.0.0.1", port: 7000, role: "master" as const, slots: [] };
 * const plan = listPlan(node, [1, 2, 3], false);
 * plan.handedOn = [2];
 * deepEqual(replaceLost([plan], [node]), [1, 3]);
 * equal(plan.replaced, true);
 * deepEqual(replaceLost([plan], [node]), []);
 * ```
 */
export function replaceLost(plans: readonly WriterPlan[], lost: readonly NodeInfo[]): number[] {
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

/**
 * The replicas each master has, for `WAIT`: in a cluster, those the topology lists; a
 * standalone server's own count (`connected_slaves` of `INFO replication`), or 0 when it
 * cannot be read.
 *
 * @param transport The connected transport.
 * @param masters The masters.
 * @returns Replicas per master id.
 */
export async function replicaCounts(
  transport: Transport,
  masters: readonly NodeInfo[],
): Promise<Map<string, number>> {
  const topology = transport.topology();
  const counts = new Map<string, number>();
  for (const node of masters) {
    if (topology.mode === "cluster") {
      counts.set(node.id, listedReplicas(topology, node));
      continue;
    }
    const info = await transport.call(["INFO", "replication"], { node: node.id }).catch(() => "");
    counts.set(node.id, Number(infoField(String(info), "connected_slaves") ?? 0) || 0);
  }
  return counts;
}

/**
 * The replicas a topology lists for a master.
 *
 * @param topology The topology.
 * @param node The master.
 * @returns How many.
 */
export function listedReplicas(topology: Topology, node: NodeInfo): number {
  return topology.nodes.filter((entry) => entry.role === "replica" && entry.masterId === node.id)
    .length;
}
