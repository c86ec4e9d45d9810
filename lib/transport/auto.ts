/**
 * The auto transport: asks the seed node whether cluster support is on, then behaves as the
 * standalone or the cluster transport.
 *
 * @module
 */

import type {
  CommandRoute,
  DataSocket,
  NodeInfo,
  NodeReply,
  RedisArg,
  Target,
  Topology,
  Transport,
  TransportDefinition,
  TransportInit,
} from "../types.ts";
import { ClusterTransport } from "./cluster.ts";
import { isServerError, NodeClients } from "./control.ts";
import { PermissionError } from "../permission.ts";
import { StandaloneTransport } from "./standalone.ts";
import { infoField } from "../resp/info.ts";

/** A transport that picks standalone or cluster by asking the server. */
export class AutoTransport implements Transport {
  readonly #init: TransportInit;
  #inner: Transport | undefined;

  /** @param init The target and logger. */
  constructor(init: TransportInit) {
    this.#init = init;
  }

  /** `"standalone"` or `"cluster"` once connected, `"auto"` before. */
  get name(): string {
    return this.#inner?.name ?? "auto";
  }

  async connect(): Promise<Topology> {
    const { target } = this.#init;
    const probe = new NodeClients(target);
    let cluster: boolean;
    try {
      cluster = await isClusterNode(probe, target);
    } finally {
      await probe.close();
    }
    this.#inner = cluster ? new ClusterTransport(this.#init) : new StandaloneTransport(this.#init);
    return await this.#inner.connect();
  }

  topology(): Topology {
    return this.#connected().topology();
  }

  refresh(): Promise<Topology> {
    return this.#connected().refresh();
  }

  call(args: RedisArg[], route?: CommandRoute): Promise<unknown> {
    return this.#connected().call(args, route);
  }

  callEachMaster(args: RedisArg[]): Promise<NodeReply[]> {
    return this.#connected().callEachMaster(args);
  }

  openWriter(node: NodeInfo): Promise<DataSocket> {
    return this.#connected().openWriter(node);
  }

  async close(): Promise<void> {
    await this.#inner?.close();
  }

  #connected(): Transport {
    if (!this.#inner) throw new Error("AutoTransport used before connect()");
    return this.#inner;
  }
}

/**
 * Whether the seed is a cluster node: `INFO cluster`, or for a user who may not run INFO,
 * `CLUSTER INFO` (refused with "cluster support disabled" by a standalone server).
 */
async function isClusterNode(probe: NodeClients, target: Target): Promise<boolean> {
  try {
    const info = String(await probe.call(target, ["INFO", "cluster"]));
    return infoField(info, "cluster_enabled") === "1";
  } catch (error) {
    if (!(error instanceof PermissionError)) throw error;
    try {
      await probe.call(target, ["CLUSTER", "INFO"]);
      return true;
    } catch (other) {
      if (isServerError(other) && /cluster support disabled/i.test(other.message)) return false;
      // Neither question may be asked: the user is told to allow the first.
      throw error;
    }
  }
}

/** The auto transport plugin. */
export const autoTransport: TransportDefinition = {
  name: "auto",
  description: "Asks the server: a Redis Cluster node gets the cluster transport, else standalone",
  modes: ["auto"],
  create: (init) => new AutoTransport(init),
};
