/**
 * The cluster transport: discovers masters, replicas and slot ranges, routes control-plane
 * commands by key (following MOVED and ASK), and opens data sockets to any node.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { ConnectionError, UsageError } from "../errors.ts";
import { drop, sentence } from "../message.ts";
import type {
  CommandRoute,
  DataSocket,
  Logger,
  NodeInfo,
  NodeReply,
  RedisArg,
  Target,
  Topology,
  Transport,
  TransportDefinition,
  TransportInit,
} from "../types.ts";
import { isServerError, NodeClients } from "./control.ts";
import { clusterNodesTopology, servingMasters } from "../cluster/nodes.ts";
import { hashSlot } from "../cluster/slots.ts";
import { formatAddress } from "../address.ts";

const MAX_REDIRECTS = 5;

/** A transport to a Redis Cluster. */
export class ClusterTransport implements Transport {
  readonly name = "cluster";
  readonly #target: Target;
  readonly #logger: Logger;
  readonly #clients: NodeClients;
  #topology: Topology | undefined;

  /** @param init The target and logger. */
  constructor(init: TransportInit) {
    this.#target = init.target;
    this.#logger = init.logger;
    this.#clients = new NodeClients(init.target, init.logger);
  }

  async connect(): Promise<Topology> {
    const { host, port } = this.#target;
    let text: string;
    try {
      text = String(await this.#clients.call({ host, port }, ["CLUSTER", "NODES"]));
    } catch (error) {
      if (isServerError(error) && /cluster support disabled/i.test(error.message)) {
        throw new UsageError(
          sentence`"${
            formatAddress(host, port)
          }" is not a Redis Cluster node (cluster support is disabled): ${
            drop("target.mode", "standalone")
          }`,
        );
      }
      throw error;
    }
    this.#topology = { mode: "cluster", nodes: clusterNodesTopology(text, host) };
    return this.#topology;
  }

  topology(): Topology {
    if (!this.#topology) throw new Error("ClusterTransport.topology() before connect()");
    return this.#topology;
  }

  async refresh(): Promise<Topology> {
    const candidates = [
      ...(this.#topology ? servingMasters(this.#topology) : []),
      ...(this.#topology?.nodes ?? []),
      { host: this.#target.host, port: this.#target.port },
    ];
    let lastError: unknown;
    for (const node of candidates) {
      try {
        const text = String(await this.#clients.call(node, ["CLUSTER", "NODES"]));
        this.#topology = { mode: "cluster", nodes: clusterNodesTopology(text, node.host) };
        this.#logger.debug(
          `Refreshed the cluster topology from ${formatAddress(node.host, node.port)}`,
        );
        return this.#topology;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError instanceof Error
      ? lastError
      : new ConnectionError("No cluster node answered CLUSTER NODES");
  }

  async call(args: RedisArg[], route: CommandRoute = "any"): Promise<unknown> {
    if (route === "any") return this.#clients.call(this.#anyNode(), args);
    if ("node" in route) return this.#clients.call(this.#nodeById(route.node), args);
    const key = typeof route.key === "string" ? route.key : Buffer.from(route.key);
    const slot = hashSlot(key);
    let node: { host: string; port: number } = this.#masterForSlot(slot);
    let asking = false;
    for (let attempt = 0;; attempt++) {
      try {
        if (asking) {
          const client = await this.#clients.client(node.host, node.port);
          const [command, ...rest] = args.map((arg) =>
            arg instanceof Uint8Array ? Buffer.from(arg) : arg
          );
          const results = await client.pipeline([["asking"], [String(command), ...rest]]).exec();
          const [error, reply] = results?.[1] ?? [new Error("ASK retry got no reply"), null];
          if (error) throw error;
          return reply;
        }
        return await this.#clients.call(node, args);
      } catch (error) {
        const redirect = isServerError(error)
          ? /^(MOVED|ASK) \d+ (.+):(\d+)$/.exec(error.message)
          : null;
        if (!redirect || attempt >= MAX_REDIRECTS) throw error;
        node = { host: redirect[2]!, port: Number(redirect[3]) };
        asking = redirect[1] === "ASK";
        if (!asking) await this.refresh();
      }
    }
  }

  async callEachMaster(args: RedisArg[]): Promise<NodeReply[]> {
    const masters = servingMasters(this.topology());
    return await Promise.all(
      masters.map(async (node) => ({ node, reply: await this.#clients.call(node, args) })),
    );
  }

  openWriter(node: NodeInfo): Promise<DataSocket> {
    return this.#clients.openWriter(node);
  }

  close(): Promise<void> {
    return this.#clients.close();
  }

  #anyNode(): { host: string; port: number } {
    return servingMasters(this.topology())[0] ?? this.#target;
  }

  #nodeById(id: string): NodeInfo {
    const node = this.topology().nodes.find((candidate) =>
      candidate.id === id || `${candidate.host}:${candidate.port}` === id
    );
    if (!node) throw new UsageError(`No cluster node has the id or address "${id}"`);
    return node;
  }

  #masterForSlot(slot: number): NodeInfo {
    const master = servingMasters(this.topology()).find((node) =>
      node.slots.some(([start, end]) => slot >= start && slot <= end)
    );
    if (!master) {
      throw new ConnectionError(
        `No reachable master serves slot ${slot}: the cluster is down or resharding`,
      );
    }
    return master;
  }
}

/** The cluster transport plugin. */
export const clusterTransport: TransportDefinition = {
  name: "cluster",
  description: "A Redis Cluster: keys routed by hash slot to their master (plaintext or TLS)",
  modes: ["cluster"],
  create: (init) => new ClusterTransport(init),
};
