/**
 * The standalone transport: one Redis server that owns every slot.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { give, sentence } from "../message.ts";
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
import { NodeClients } from "./control.ts";
import { infoField } from "../resp/info.ts";
import { formatAddress } from "../address.ts";
import { PermissionError } from "../permission.ts";

/** A transport to a single Redis server. */
export class StandaloneTransport implements Transport {
  readonly name = "standalone";
  readonly #target: Target;
  readonly #clients: NodeClients;
  readonly #logger: Logger;
  #topology: Topology | undefined;
  #toldNoInfo = false;

  /** @param init The target and logger. */
  constructor(init: TransportInit) {
    this.#target = init.target;
    this.#logger = init.logger;
    this.#clients = new NodeClients(init.target, init.logger);
  }

  async connect(): Promise<Topology> {
    const { host, port } = this.#target;
    const address = formatAddress(host, port);
    const info = await this.#info("cluster");
    if (info !== undefined && infoField(info, "cluster_enabled") === "1") {
      throw new UsageError(
        sentence`"${address}" is a Redis Cluster node: ${
          give("target.mode", "cluster")
        } so every key goes to the master that owns its slot`,
      );
    }
    const replication = await this.#info("replication");
    if (replication !== undefined && infoField(replication, "role") === "slave") {
      throw new UsageError(
        `"${address}" is a read-only replica: point redfill at its master (${
          infoField(replication, "master_host")
        }:${infoField(replication, "master_port")})`,
      );
    }
    const node: NodeInfo = { id: "standalone", host, port, role: "master", slots: [[0, 16383]] };
    this.#topology = { mode: "standalone", nodes: [node] };
    return this.#topology;
  }

  /**
   * `INFO section`, or undefined for a user who may not run INFO: the checks it serves are
   * skipped, once, with a warning (the report then has no memory figures).
   */
  async #info(section: string): Promise<string | undefined> {
    const { host, port } = this.#target;
    try {
      return String(await this.#clients.call({ host, port }, ["INFO", section]));
    } catch (error) {
      if (!(error instanceof PermissionError)) throw error;
      if (!this.#toldNoInfo) {
        this.#toldNoInfo = true;
        this.#logger.warn(
          `${
            error.user === undefined ? "The ACL user" : `The user "${error.user}"`
          } may not run INFO on "${error.address}": redfill cannot check that it is a master, and the report has no memory figures (grant it with ACL SETUSER ${
            error.user ?? "<user>"
          } +info)`,
        );
      }
      return undefined;
    }
  }

  topology(): Topology {
    if (!this.#topology) throw new Error("StandaloneTransport.topology() before connect()");
    return this.#topology;
  }

  refresh(): Promise<Topology> {
    return this.connect();
  }

  call(args: RedisArg[], _route?: CommandRoute): Promise<unknown> {
    return this.#clients.call(this.#target, args);
  }

  async callEachMaster(args: RedisArg[]): Promise<NodeReply[]> {
    const node = this.topology().nodes[0]!;
    return [{ node, reply: await this.#clients.call(node, args) }];
  }

  openWriter(node: NodeInfo): Promise<DataSocket> {
    return this.#clients.openWriter(node);
  }

  close(): Promise<void> {
    return this.#clients.close();
  }
}

/** The standalone transport plugin. */
export const standaloneTransport: TransportDefinition = {
  name: "standalone",
  description: "A single Redis server (plaintext or TLS)",
  modes: ["standalone"],
  create: (init) => new StandaloneTransport(init),
};
