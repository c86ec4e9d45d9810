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
  Topology,
  Transport,
  TransportDefinition,
  TransportInit,
} from "../types.ts";
import { ClusterTransport } from "./cluster.ts";
import { NodeClients } from "./control.ts";
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
      const info = String(await probe.call(target, ["INFO", "cluster"]));
      cluster = infoField(info, "cluster_enabled") === "1";
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

/** The auto transport plugin. */
export const autoTransport: TransportDefinition = {
  name: "auto",
  description: "Asks the server: a Redis Cluster node gets the cluster transport, else standalone",
  modes: ["auto"],
  create: (init) => new AutoTransport(init),
};
