/**
 * A local Redis Cluster: start every node, give each master its slots (`CLUSTER
 * ADDSLOTSRANGE`, so custom splits work), join them (`CLUSTER MEET` with the bus port), attach
 * the replicas (`CLUSTER REPLICATE`) and wait until every readiness condition holds on every
 * node ({@linkcode checkClusterReadiness}).
 *
 * @module
 */

import { LocalRedisError } from "./errors.ts";
import { parseClusterNodes, parseClusterSlots } from "../cluster/nodes.ts";
import { SLOT_COUNT } from "../cluster/slots.ts";
import { parseInfo } from "../resp/info.ts";
import { checkClusterReadiness } from "./readiness.ts";
import {
  connectServer,
  removeServerDir,
  type RunningServer,
  type ServerSettings,
  startServer,
  stopServer,
} from "./server.ts";
import type { RespClient } from "./_resp.ts";
import type { LocalNode, NodeObservation } from "./types.ts";
import { sleep } from "../time.ts";

/** The shape of a cluster to start. */
export interface ClusterPlan {
  /** Number of masters. */
  masters: number;
  /** Replicas per master. */
  replicas: number;
  /** Slot count per master, summing to 16384. */
  slots: number[];
  /** How long to wait for readiness, in milliseconds. */
  readyTimeoutMs: number;
}

/** A started cluster: its nodes (masters first) beside their servers, index for index. */
export interface StartedCluster {
  /** The nodes. */
  nodes: LocalNode[];
  /** The servers. */
  servers: RunningServer[];
}

/**
 * Splits 16384 slots evenly over `masters`, the remainder going to the first masters.
 *
 * @param masters Number of masters.
 * @returns Slot count per master.
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { evenSlotCounts } from "./cluster.ts";
 * deepEqual(evenSlotCounts(3), [5462, 5461, 5461]);
 * ```
 */
export function evenSlotCounts(masters: number): number[] {
  const base = Math.floor(SLOT_COUNT / masters);
  const extra = SLOT_COUNT % masters;
  return Array.from({ length: masters }, (_, i) => base + (i < extra ? 1 : 0));
}

/**
 * Turns slot counts into consecutive inclusive ranges starting at slot 0.
 *
 * @param counts Slot count per master.
 * @returns One `[first, last]` range per master.
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { slotRanges } from "./cluster.ts";
 * deepEqual(slotRanges([8000, 4000, 4384]), [[0, 7999], [8000, 11999], [12000, 16383]]);
 * ```
 */
export function slotRanges(counts: number[]): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let next = 0;
  for (const count of counts) {
    ranges.push([next, next + count - 1]);
    next += count;
  }
  return ranges;
}

function address(server: RunningServer): string {
  return `127.0.0.1:${server.port}`;
}

/**
 * Asks one node everything the readiness check needs.
 *
 * @param client A control connection to the node.
 * @param nodeAddress `127.0.0.1:PORT` of the node.
 * @returns The observation (with `error` when the node did not answer).
 * @example
 * ```ts ignore
 * import { observeNode } from "./cluster.ts";
 * const observation = await observeNode(client, "127.0.0.1:20001");
 * ```
 */
export async function observeNode(
  client: RespClient,
  nodeAddress: string,
): Promise<NodeObservation> {
  try {
    const clusterInfo = parseInfo(await client.text("CLUSTER", "INFO"));
    const nodes = parseClusterNodes(await client.text("CLUSTER", "NODES"));
    const slots = parseClusterSlots(await client.call("CLUSTER", "SLOTS"));
    const replication = parseInfo(await client.text("INFO", "replication"));
    return { address: nodeAddress, clusterInfo, nodes, slots, replication };
  } catch (error) {
    return { address: nodeAddress, error: error instanceof Error ? error.message : String(error) };
  }
}

/** One control connection per node, reopened when it breaks. */
class ControlConnections {
  #settings: ServerSettings;
  #servers: RunningServer[];
  #clients: Array<RespClient | undefined>;

  constructor(settings: ServerSettings, servers: RunningServer[]) {
    this.#settings = settings;
    this.#servers = servers;
    this.#clients = servers.map(() => undefined);
  }

  async get(index: number): Promise<RespClient> {
    const existing = this.#clients[index];
    if (existing) return existing;
    const server = this.#servers[index];
    if (!server) throw new Error(`No node ${index}`);
    const client = await connectServer(this.#settings, server.port);
    this.#clients[index] = client;
    return client;
  }

  drop(index: number): void {
    this.#clients[index]?.close();
    this.#clients[index] = undefined;
  }

  async observe(index: number): Promise<NodeObservation> {
    const server = this.#servers[index];
    const nodeAddress = server ? address(server) : `node ${index}`;
    let client: RespClient;
    try {
      client = await this.get(index);
    } catch (error) {
      return {
        address: nodeAddress,
        error: error instanceof Error ? error.message : String(error),
      };
    }
    const observation = await observeNode(client, nodeAddress);
    if (observation.error !== undefined) this.drop(index);
    return observation;
  }

  closeAll(): void {
    for (let i = 0; i < this.#clients.length; i++) this.drop(i);
  }
}

/**
 * Starts a cluster per `plan` and returns once it is ready on every node; on any failure the
 * nodes started so far are stopped before the error is thrown.
 *
 * @param settings The run's settings (cluster mode set).
 * @param plan Masters, replicas, slot split and readiness timeout.
 * @param signal Aborts the start.
 * @returns The nodes (masters first) and their servers.
 * @throws {LocalRedisError} When a node fails or a readiness condition stays unmet.
 * @example
 * ```ts ignore
 * import { evenSlotCounts, startCluster } from "./cluster.ts";
 * const cluster = await startCluster(
 *   { clusterNodeTimeout: 2000, extraArgs: [] },
 *   { masters: 3, replicas: 1, slots: evenSlotCounts(3), readyTimeoutMs: 30_000 },
 * );
 * ```
 */
export async function startCluster(
  settings: ServerSettings,
  plan: ClusterPlan,
  signal?: AbortSignal,
): Promise<StartedCluster> {
  const total = plan.masters * (1 + plan.replicas);
  const results = await Promise.allSettled(
    Array.from({ length: total }, () => startServer(settings, signal)),
  );
  const servers = results.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
  const control = new ControlConnections(settings, servers);
  try {
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    return { nodes: await formCluster(control, servers, plan, signal), servers };
  } catch (error) {
    control.closeAll();
    await Promise.all(servers.map((s) => stopServer(settings, s, 200)));
    await Promise.all(servers.map((s) => removeServerDir(s)));
    throw error;
  } finally {
    control.closeAll();
  }
}

async function formCluster(
  control: ControlConnections,
  servers: RunningServer[],
  plan: ClusterPlan,
  signal: AbortSignal | undefined,
): Promise<LocalNode[]> {
  const ids: string[] = [];
  for (let i = 0; i < servers.length; i++) {
    const client = await control.get(i);
    await client.call("CLUSTER", "SET-CONFIG-EPOCH", String(i + 1));
    ids.push(String(await client.call("CLUSTER", "MYID")));
  }
  const ranges = slotRanges(plan.slots);
  for (let m = 0; m < plan.masters; m++) {
    const [first, last] = ranges[m] ?? [0, -1];
    await (await control.get(m)).call("CLUSTER", "ADDSLOTSRANGE", String(first), String(last));
  }
  const seed = await control.get(0);
  for (const server of servers.slice(1)) {
    await seed.call("CLUSTER", "MEET", "127.0.0.1", String(server.port), String(server.busPort));
  }

  const nodes: LocalNode[] = [];
  for (let m = 0; m < plan.masters; m++) {
    nodes.push(localNode(servers[m]!, ids[m]!, { role: "master", slots: [ranges[m]!] }));
  }
  const attach: Promise<void>[] = [];
  for (let m = 0; m < plan.masters; m++) {
    for (let r = 0; r < plan.replicas; r++) {
      const index = plan.masters + m * plan.replicas + r;
      const server = servers[index]!;
      nodes.push(localNode(server, ids[index]!, { role: "replica", masterId: ids[m]!, slots: [] }));
      attach.push(attachReplica(control, index, server.port, ids[m]!, plan.readyTimeoutMs, signal));
    }
  }
  await Promise.all(attach);
  await waitUntilReady(control, servers, plan, signal);
  return nodes;
}

/** Waits until the replica knows its master (handshake done), then replicates it. */
async function attachReplica(
  control: ControlConnections,
  index: number,
  port: number,
  masterId: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "it never learned of its master";
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    const client = await control.get(index);
    const known = parseClusterNodes(await client.text("CLUSTER", "NODES"))
      .find((n) => n.id === masterId);
    if (known && !known.flags.includes("handshake")) {
      const reply = await client.send("CLUSTER", "REPLICATE", masterId);
      if (reply === "OK") return;
      last = String(reply);
    }
    await sleep(25);
  }
  throw new LocalRedisError(
    `Local cluster replica on port ${port} could not replicate master ${masterId}: ${last}`,
  );
}

async function waitUntilReady(
  control: ControlConnections,
  servers: RunningServer[],
  plan: ClusterPlan,
  signal: AbortSignal | undefined,
): Promise<void> {
  const deadline = Date.now() + plan.readyTimeoutMs;
  let problems: string[] = [];
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    const observations = await Promise.all(servers.map((_, i) => control.observe(i)));
    problems = checkClusterReadiness(observations, plan);
    if (problems.length === 0) return;
    await sleep(100);
  }
  const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : "";
  throw new LocalRedisError(
    `Local cluster not ready after ${plan.readyTimeoutMs / 1000} s: ${
      problems.slice(0, 3).join("; ")
    }${more}`,
  );
}

/** The LocalNode of a started server, with its cluster id, role and slots. */
function localNode(
  server: RunningServer,
  id: string,
  place: Pick<LocalNode, "role" | "slots" | "masterId">,
): LocalNode {
  return {
    id,
    host: "127.0.0.1",
    port: server.port,
    ...(server.plainPort === undefined ? {} : { plainPort: server.plainPort }),
    ...(server.busPort === undefined ? {} : { busPort: server.busPort }),
    pid: server.process.pid,
    dir: server.dir,
    ...place,
  };
}
