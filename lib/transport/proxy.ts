/**
 * The proxy transport: a twemproxy-style endpoint (nutcracker) in front of Redis servers. It
 * answers PING and forwards key commands, but has no INFO, CLIENT, CLUSTER, FLUSHALL, DBSIZE
 * or SCAN (twemproxy closes the connection when asked). So redfill never sends those: they
 * are refused here with {@linkcode UnavailableCommandError}, which a check that can do without
 * them turns into a note. The fill writes acked (no `CLIENT REPLY OFF`) over a few
 * connections, at most {@linkcode PROXY_MAX_IN_FLIGHT} commands in flight on each; verify
 * counts with `TOUCH` (twemproxy splits a multi-key TOUCH over its servers and sums the
 * replies; a multi-key EXISTS it forwards whole to one server) and reads with `GET`.
 *
 * @module
 */

import type {
  CommandRoute,
  DataSocket,
  KeyCounting,
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
import { formatAddress } from "../address.ts";
import { UnavailableCommandError } from "../permission.ts";

/** Commands a proxy does not have (twemproxy closes the connection on each). */
export const PROXY_UNAVAILABLE: ReadonlySet<string> = new Set([
  "INFO",
  "CLIENT",
  "CLUSTER",
  "FLUSHALL",
  "FLUSHDB",
  "DBSIZE",
  "SCAN",
  "KEYS",
  "WAIT",
  "ACL",
  "CONFIG",
  "MULTI",
  "EXEC",
  "ASKING",
  "READONLY",
  "ROLE",
  "HELLO",
  "MEMORY",
]);

/** Commands in flight per connection that twemproxy takes reliably. */
export const PROXY_MAX_IN_FLIGHT = 1024;

/** A transport to a twemproxy-style proxy: one endpoint that owns every slot. */
export class ProxyTransport implements Transport {
  readonly name = "proxy";
  readonly keyCounting: KeyCounting = { command: "TOUCH", maxKeys: 256, sameSlot: false };
  readonly maxInFlight = PROXY_MAX_IN_FLIGHT;
  readonly #target: Target;
  readonly #clients: NodeClients;
  #topology: Topology | undefined;

  /** @param init The target and logger. */
  constructor(init: TransportInit) {
    this.#target = init.target;
    this.#clients = new NodeClients(init.target, init.logger);
  }

  async connect(): Promise<Topology> {
    const { host, port } = this.#target;
    // The proxy answers PING itself; a key round trip proves it reaches a server.
    await this.#clients.call({ host, port }, ["PING"]);
    await this.#clients.call({ host, port }, ["EXISTS", "redfill:proxy-probe"]);
    const node: NodeInfo = { id: "proxy", host, port, role: "master", slots: [[0, 16383]] };
    this.#topology = { mode: "standalone", nodes: [node] };
    return this.#topology;
  }

  topology(): Topology {
    if (!this.#topology) throw new Error("ProxyTransport.topology() before connect()");
    return this.#topology;
  }

  refresh(): Promise<Topology> {
    return Promise.resolve(this.topology());
  }

  call(args: RedisArg[], _route?: CommandRoute): Promise<unknown> {
    this.#refuse(args);
    return this.#clients.call(this.#target, args);
  }

  async callEachMaster(args: RedisArg[]): Promise<NodeReply[]> {
    this.#refuse(args);
    const node = this.topology().nodes[0]!;
    return [{ node, reply: await this.#clients.call(node, args) }];
  }

  openWriter(node: NodeInfo): Promise<DataSocket> {
    return this.#clients.openWriter(node);
  }

  close(): Promise<void> {
    return this.#clients.close();
  }

  /** Throws for a command the proxy does not have, before it can close the connection. */
  #refuse(args: RedisArg[]): void {
    const command = String(args[0] ?? "").toUpperCase();
    if (PROXY_UNAVAILABLE.has(command)) {
      throw new UnavailableCommandError(
        command,
        formatAddress(this.#target.host, this.#target.port),
      );
    }
  }
}

/** The proxy transport plugin. */
export const proxyTransport: TransportDefinition = {
  name: "proxy",
  description:
    "A twemproxy-style proxy: no INFO, CLIENT, CLUSTER or FLUSHALL; acked writes, verify by TOUCH and GET",
  modes: ["proxy"],
  create: (init) => new ProxyTransport(init),
};
