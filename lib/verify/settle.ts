/**
 * Waiting for a cluster to hold still before verify counts: no slot migrating or importing,
 * every reachable node showing the same slot map, every slot served by a master that
 * answers — and, when a master was lost since the fill, its replica promoted in its place.
 * A migration in flight is then never reported as loss, and a failover is reported as what it
 * is.
 *
 * @module
 */

import { formatAddress } from "../address.ts";
import { clusterNodesTopology, parseSlotMigrations, servingMasters } from "../cluster/nodes.ts";
import { slotOwners, uncoveredSlots } from "../cluster/slots.ts";
import { FILL_DEFAULTS, VERIFY_DEFAULTS } from "../defaults.ts";
import { CheckFailedError, ConnectionError, RedfillError } from "../errors.ts";
import { sentence, stepOption } from "../message.ts";
import { silentLogger } from "../logger.ts";
import { sleep } from "../time.ts";
import type { Logger, NodeInfo, Topology, Transport } from "../types.ts";

/** A master that was replaced by its replica. */
export interface Failover {
  /** `host:port` of the master that was lost. */
  from: string;
  /** `host:port` of the master that serves its slots now. */
  to: string;
}

/** What {@linkcode settleTopology} saw. */
export interface SettledTopology {
  /** The stable topology (also the transport's own now). */
  topology: Topology;
  /** Masters replaced by a replica since the topology the transport held before. */
  failovers: Failover[];
  /** How long it waited, in milliseconds (0 when the map was stable at once). */
  waitedMs: number;
  /** What it waited for, when it waited: "slots 0-99 migrating …", "a failover of …". */
  waitedFor: string[];
}

/** Options for {@linkcode settleTopology}. */
export interface SettleTopologyOptions {
  /** How long to wait for a stable slot map (default 30 s). */
  stableTimeoutMs?: number | undefined;
  /** How long to wait for a replica to take over from a lost master (default 30 s). */
  failoverTimeoutMs?: number | undefined;
  /**
   * How long a map that was seen moving must then stay the same before it counts as stable,
   * in milliseconds (default 300): `redis-cli --cluster reshard` leaves a few milliseconds
   * between two slots.
   */
  quietMs?: number | undefined;
  /** The map was seen moving already (a count found a slot moved): hold it to the quiet period from the first look. */
  moving?: boolean | undefined;
  /** How long one node may take to answer (default 2 s). */
  nodeTimeoutMs?: number | undefined;
  /** Where to log what it waits for. */
  logger?: Logger | undefined;
  /** Stops the wait. */
  signal?: AbortSignal | undefined;
}

/**
 * Waits until the target's slot map is stable and returns it. A standalone server only has
 * to answer.
 *
 * @example
 * ```ts ignore
 * const { topology, failovers } = await settleTopology(transport, { stableTimeoutMs: 30_000 });
 * for (const { from, to } of failovers) logger.warn(`${from} failed over to ${to} before verify`);
 * ```
 *
 * @param transport A connected transport; its topology before the call is what a failover is
 *   measured against.
 * @param options Timeouts and logger.
 * @returns The stable topology, the failovers since, and the wait.
 * @throws {ConnectionError} when a master stopped and no replica took over (or it had none);
 * @throws {CheckFailedError} when slots still migrate, or nodes disagree, at the timeout.
 */
export async function settleTopology(
  transport: Transport,
  options: SettleTopologyOptions = {},
): Promise<SettledTopology> {
  const before = transport.topology();
  if (before.mode !== "cluster") {
    await transport.call(["PING"]);
    return { topology: before, failovers: [], waitedMs: 0, waitedFor: [] };
  }
  const logger = options.logger ?? silentLogger;
  const stableMs = options.stableTimeoutMs ?? VERIFY_DEFAULTS.stableTimeoutMs;
  const failoverMs = options.failoverTimeoutMs ?? FILL_DEFAULTS.failoverTimeoutMs;
  const nodeMs = options.nodeTimeoutMs ?? 2000;
  const started = performance.now();
  const replicated = new Set<string>();
  const noteReplicas = (topology: Topology) => {
    for (const node of topology.nodes) {
      if (node.role === "replica" && node.masterId) replicated.add(node.masterId);
    }
  };
  noteReplicas(before);
  const quietMs = options.quietMs ?? QUIET_MS;
  const waitedFor = new Set<string>();
  let said = "";
  /** The map of the last stable look, and since when it has not changed. */
  let calm: { map: string; since: number } | undefined;
  for (;;) {
    const look = await lookOnce(transport, nodeMs);
    let reason: string;
    let deadline = started + stableMs;
    if (look.topology !== undefined) noteReplicas(look.topology);
    if (look.stable) {
      const topology = look.topology!;
      const map = slotMapOf(topology.nodes);
      const now = performance.now();
      if (calm?.map !== map) calm = { map, since: now };
      // A map stable at the first look is taken at once (a count that sees it move counts
      // again); once it was seen moving, it must hold still for the quiet period.
      if ((waitedFor.size === 0 && !options.moving) || now - calm.since >= quietMs) {
        return {
          topology,
          failovers: failoversBetween(before, topology),
          waitedMs: waitedFor.size > 0 ? now - started : 0,
          waitedFor: [...waitedFor],
        };
      }
      await sleep(Math.min(quietMs, Math.max(10, calm.since + quietMs - now)));
      continue;
    }
    calm = undefined;
    if (look.dead.length > 0) {
      const orphan = look.dead.find((dead) => !replicated.has(dead.node.id));
      if (orphan !== undefined) throw stopped(orphan, "it has no replica to take over its slots");
      deadline = started + Math.max(stableMs, failoverMs);
      reason = `a replica to take over from ${
        look.dead.map((dead) => `"${address(dead.node)}"`).join(", ")
      }`;
      if (performance.now() > deadline) {
        throw stopped(
          look.dead[0]!,
          `no replica took over its slots within ${failoverMs / 1000} s`,
        );
      }
    } else {
      reason = look.reason;
      if (performance.now() > deadline) {
        throw new CheckFailedError(
          sentence`The slot map did not settle within ${
            stableMs / 1000
          } s: ${reason}; verify counts only a stable cluster: wait for the resharding or failover to finish, or raise ${
            stepOption("stable-timeout")
          }`,
        );
      }
    }
    waitedFor.add(reason);
    if (reason !== said) {
      logger.info(`Verify waits for ${reason}`);
      said = reason;
    }
    if (options.signal?.aborted) {
      throw new CheckFailedError(`Verify was stopped while waiting for ${reason}`);
    }
    await sleep(200);
  }
}

/** The default quiet period of a stable map. */
const QUIET_MS = 300;

interface DeadNode {
  node: NodeInfo;
  error: unknown;
}

interface Look {
  stable: boolean;
  topology?: Topology | undefined;
  /** Masters of the topology that did not answer. */
  dead: DeadNode[];
  /** Why it is not stable (when no master is dead). */
  reason: string;
}

/** One look at every node: its view of the slot map and its migrations. */
async function lookOnce(transport: Transport, nodeMs: number): Promise<Look> {
  let topology: Topology;
  try {
    topology = await transport.refresh();
  } catch (error) {
    return { stable: false, dead: [], reason: `a node to answer (${messageOf(error)})` };
  }
  const views = await Promise.all(topology.nodes.map(async (node) => {
    try {
      const text = String(
        await withTimeout(transport.call(["CLUSTER", "NODES"], { node: node.id }), nodeMs),
      );
      return { node, text };
    } catch (error) {
      return { node, error };
    }
  }));
  const dead: DeadNode[] = [];
  for (const view of views) {
    if (view.node.role === "master" && view.node.slots.length > 0 && "error" in view) {
      dead.push({ node: view.node, error: view.error });
    }
  }
  if (dead.length > 0) return { stable: false, topology, dead, reason: "" };
  const masters = servingMasters(topology);
  const uncovered = uncoveredSlots(slotOwners(masters));
  if (uncovered) {
    return { stable: false, topology, dead, reason: `a master to serve slots ${uncovered}` };
  }
  const names = new Map(topology.nodes.map((node) => [node.id, `"${address(node)}"`]));
  const name = (id: string) => names.get(id) ?? id;
  const moving: string[] = [];
  const maps = new Set<string>();
  for (const view of views) {
    if (!("text" in view)) continue;
    for (const { slot, state, nodeId, peerId } of parseSlotMigrations(view.text)) {
      moving.push(
        state === "migrating"
          ? `slot ${slot} to move from ${name(nodeId)} to ${name(peerId)}`
          : `slot ${slot} to finish importing into ${name(nodeId)} from ${name(peerId)}`,
      );
    }
    maps.add(slotMapOf(clusterNodesTopology(view.text, view.node.host)));
  }
  if (moving.length > 0) {
    const more = moving.length > 1 ? ` (and ${moving.length - 1} more slot markers)` : "";
    return { stable: false, topology, dead, reason: `${moving[0]}${more}` };
  }
  if (maps.size > 1 || !maps.has(slotMapOf(topology.nodes))) {
    return { stable: false, topology, dead, reason: "every node to agree on the slot map" };
  }
  return { stable: true, topology, dead, reason: "" };
}

/**
 * A slot map as text — each serving master's id and slot ranges, sorted — so two views of a
 * cluster compare equal exactly when they agree on who serves what.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { slotMapOf } from "./settle.ts";
 * equal(
 *   slotMapOf([{ id: "b", host: "h", port: 2, role: "master", slots: [[100, 16383]] },
 *     { id: "a", host: "h", port: 1, role: "master", slots: [[0, 99]] }]),
 *   "a:0-99 b:100-16383",
 * );
 * ```
 *
 * @param nodes The nodes of a topology.
 * @returns The map as text.
 */
export function slotMapOf(nodes: readonly NodeInfo[]): string {
  return nodes.filter((node) => node.role === "master" && node.slots.length > 0)
    .map((node) => `${node.id}:${node.slots.map(([start, end]) => `${start}-${end}`).join(",")}`)
    .sort().join(" ");
}

/** Masters of `before` that no longer serve slots in `after`, with who serves them now. */
function failoversBetween(before: Topology, after: Topology): Failover[] {
  const now = servingMasters(after);
  const owners = slotOwners(now);
  const failovers: Failover[] = [];
  for (const master of servingMasters(before)) {
    if (now.some((node) => node.id === master.id)) continue;
    const heir = now[owners[master.slots[0]![0]]!];
    if (heir === undefined) continue;
    failovers.push({ from: address(master), to: address(heir) });
  }
  return failovers;
}

function stopped(dead: DeadNode, why: string): RedfillError {
  const said = dead.error instanceof Error ? dead.error.message : String(dead.error);
  const base = dead.error instanceof ConnectionError && / stopped: /.test(said)
    ? said.replace(/; start it again.*$/, "")
    : `Master "${address(dead.node)}" does not answer (${said.replace(/\.$/, "")})`;
  return new ConnectionError(
    `${base}, and ${why}; start it again or check the cluster (CLUSTER NODES), then run verify again`,
    { cause: dead.error },
  );
}

function address(node: { host: string; port: number }): string {
  return formatAddress(node.host, node.port);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
