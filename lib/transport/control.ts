/**
 * The control plane: one ioredis client per node, with bounded timeouts and no endless
 * reconnects, and errors turned into one sentence.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { Redis, type RedisOptions } from "ioredis";
import { ConnectionError, RedfillError } from "../errors.ts";
import { give, option, sentence } from "../message.ts";
import { silentLogger } from "../logger.ts";
import type { DataSocket, Logger, NodeInfo, RedisArg, Target } from "../types.ts";
import {
  describeTlsTimeout,
  guardTlsHandshake,
  readTlsMaterial,
  tcpReachable,
  tlsOptions,
} from "./connectors.ts";
import { openDataSocket } from "./data_socket.ts";
import { codeOf, describeConnectError, describeStoppedNode, isGoneError } from "./errors.ts";
import { formatAddress, isUnixSocket } from "../address.ts";
import { aclUser, isNoPermission, PermissionError } from "../permission.ts";

/** The ioredis options redfill sets. */
export type ControlOptions = Pick<
  RedisOptions,
  | "host"
  | "port"
  | "path"
  | "lazyConnect"
  | "protocol"
  | "connectTimeout"
  | "commandTimeout"
  | "maxRetriesPerRequest"
  | "retryStrategy"
  | "enableOfflineQueue"
  | "enableReadyCheck"
  | "autoResubscribe"
  | "username"
  | "password"
  | "tls"
  | "disableClientInfo"
>;

/**
 * The ioredis options for one node of a target.
 *
 * @param target The target.
 * @param host Node host.
 * @param port Node port.
 * @returns Options: lazy connect, RESP2, no retries, bounded timeouts, TLS and auth.
 */
export function controlOptions(target: Target, host: string, port: number): ControlOptions {
  const options: ControlOptions = {
    // A host that is a path is a Unix socket (lib/address.ts): ioredis connects to `path`.
    ...(isUnixSocket(host) ? { path: host } : { host, port }),
    lazyConnect: true,
    protocol: 2,
    connectTimeout: target.connectTimeoutMs,
    commandTimeout: target.commandTimeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: true,
    enableReadyCheck: false,
    autoResubscribe: false,
    // No CLIENT SETINFO before the first command: a proxy closes the connection on it, and
    // "closed right after INFO" is then what tells a proxy (see NodeClients.call).
    disableClientInfo: true,
  };
  if (target.username !== undefined) options.username = target.username;
  if (target.password !== undefined) options.password = target.password;
  if (target.tls) options.tls = tlsOptions(readTlsMaterial(target.tls), host);
  return options;
}

/**
 * What ioredis writes to the console on its own (it calls `console.warn` directly, with no
 * option to stop it): a password given to a server without one, RESP3 not supported, AUTH
 * arguments an old server refuses, an error event nobody listens to. redfill sets the options
 * that avoid the others, listens to every error, and says the first one itself
 * (`NodeClients`' `logger`), so none of these lines reaches the user.
 */
const IOREDIS_CONSOLE =
  /^\[(WARN|ERROR)\] (Redis server does not require a password|This Redis server's `default` user does not require a password|replyMapping "resp3"|The server returned "wrong number of arguments for 'auth' command")|^\[ioredis\] /;

let consoleFiltered = false;

/**
 * Drops ioredis's own console lines ({@linkcode IOREDIS_CONSOLE}) from `console.warn` and
 * `console.error`; every other line passes through. Idempotent.
 */
export function silenceIoredisConsole(): void {
  if (consoleFiltered) return;
  consoleFiltered = true;
  for (const level of ["warn", "error"] as const) {
    const write = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      if (typeof args[0] === "string" && IOREDIS_CONSOLE.test(args[0])) return;
      write(...args);
    };
  }
}

/** A set of control-plane clients and data sockets, keyed by node address. */
export class NodeClients {
  readonly #target: Target;
  readonly #logger: Logger;
  readonly #clients = new Map<string, Promise<Redis>>();
  readonly #sockets = new Set<DataSocket>();
  /** Addresses that answered at least once: a refused connection there means "stopped". */
  readonly #served = new Set<string>();
  #closed = false;
  #toldUnneededPassword = false;

  /**
   * @param target The target whose settings every connection uses.
   * @param logger Where to say what ioredis would have printed (default: nowhere).
   */
  constructor(target: Target, logger: Logger = silentLogger) {
    this.#target = target;
    this.#logger = logger;
    silenceIoredisConsole();
  }

  /**
   * The connected client for `host:port`, connecting on first use.
   *
   * @param host Node host.
   * @param port Node port.
   * @returns The client.
   * @throws {ConnectionError} when connecting or authenticating fails.
   */
  async client(host: string, port: number): Promise<Redis> {
    const address = formatAddress(host, port);
    const cached = this.#clients.get(address);
    if (cached) {
      const redis = await cached;
      // A client whose connection ended (the node stopped or restarted) is not reused: the
      // "end" event that forgets it may not have run yet.
      if (redis.status !== "end" && redis.status !== "close") return redis;
      if (this.#clients.get(address) === cached) this.#clients.delete(address);
    }
    return await this.#cachedConnect(host, port);
  }

  #cachedConnect(host: string, port: number): Promise<Redis> {
    const address = formatAddress(host, port);
    let client = this.#clients.get(address);
    if (!client) {
      client = this.#connect(host, port);
      this.#clients.set(address, client);
      client.then(
        // ioredis does not reconnect here (no retries), so a client whose connection ended
        // (a server `timeout`, a restart) is forgotten and the next call connects anew.
        (redis) =>
          redis.once("end", () => {
            if (this.#clients.get(address) === client) this.#clients.delete(address);
          }),
        () => this.#clients.delete(address),
      );
    }
    return client;
  }

  async #connect(host: string, port: number): Promise<Redis> {
    const target = this.#target;
    const address = formatAddress(host, port);
    const redis = new Redis(controlOptions(target, host, port));
    // ioredis rejects connect() with a bare "Connection is closed" when the socket fails; the
    // socket's own error (ECONNREFUSED, a TLS alert, …) says why, so keep the first one.
    let socketError: unknown;
    redis.on("error", (error: unknown) => {
      socketError ??= error;
    });
    // "connect" is the socket (and TLS handshake) being up, before any reply.
    let connected = false;
    redis.once("connect", () => connected = true);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const release = target.tls ? guardTlsHandshake() : () => {};
    try {
      await Promise.race([
        (async () => {
          await redis.connect();
          // A round trip proves the peer speaks Redis and accepted our credentials.
          await redis.call("PING");
        })(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })),
            target.connectTimeoutMs,
          );
        }),
      ]);
    } catch (error) {
      redis.disconnect();
      if (connected && codeOf(error) === "ETIMEDOUT") {
        throw new ConnectionError(
          target.tls
            ? sentence`"${address}" accepted the connection but did not answer within ${
              target.connectTimeoutMs / 1000
            } s: check that it is a Redis server`
            : sentence`"${address}" accepted the connection but did not answer within ${
              target.connectTimeoutMs / 1000
            } s: check that it is a Redis server and whether it needs ${option("target.tls")}`,
          { cause: error },
        );
      }
      if (target.tls && !connected && codeOf(error) === "ETIMEDOUT") {
        const reachable = await tcpReachable(host, port, Math.min(target.connectTimeoutMs, 2000));
        throw new ConnectionError(describeTlsTimeout(target, address, reachable), {
          cause: error,
        });
      }
      const cause = isServerError(error) ? error : socketError ?? error;
      if (isServerError(cause) && isNoPermission(cause)) {
        throw new PermissionError({
          user: aclUser(target),
          args: ["PING"],
          address,
          reply: cause.message,
        }, { cause });
      }
      if (this.#served.has(address) && isGoneError(cause)) {
        throw new ConnectionError(describeStoppedNode(cause, address), { cause });
      }
      throw new ConnectionError(describeConnectError(cause, address, target), { cause });
    } finally {
      clearTimeout(timer);
      release();
    }
    this.#served.add(address);
    return redis;
  }

  /**
   * Sends one command to a node.
   *
   * @param node The node.
   * @param args The command.
   * @returns The reply.
   * @throws {RedfillError} for connection failures; the server's error reply as an Error.
   */
  async call(node: { host: string; port: number }, args: RedisArg[]): Promise<unknown> {
    const address = formatAddress(node.host, node.port);
    const [command, ...rest] = args;
    for (let attempt = 0;; attempt++) {
      const cached = this.#clients.has(address);
      const client = await this.client(node.host, node.port);
      try {
        return await client.call(String(command), ...rest.map(toArg));
      } catch (error) {
        if (error instanceof RedfillError) throw error;
        if (isServerError(error) && isNoPermission(error)) {
          throw new PermissionError({
            user: aclUser(this.#target),
            args,
            address,
            reply: error.message,
          }, { cause: error });
        }
        const proxy = this.#target.mode === "proxy" ? undefined : looksLikeProxy(args, error);
        if (proxy !== undefined && (!cached || attempt > 0 || isServerError(error))) {
          // A connection that had just answered PING, closed on INFO (or the command unknown):
          // what twemproxy-style proxies do.
          throw new ConnectionError(
            sentence`"${address}" ${proxy}: this looks like a proxy (no INFO, CLIENT or CLUSTER): ${
              give("target.mode", "proxy")
            }`,
            { cause: error },
          );
        }
        if (isServerError(error)) throw error;
        if (this.#served.has(address) && isGoneError(error)) {
          // A connection that was already open may have died with a node that restarted
          // since: one fresh connection tells a restart from a stop.
          if (cached && attempt === 0) {
            await this.#forget(address, client);
            continue;
          }
          throw new ConnectionError(describeStoppedNode(error, address), { cause: error });
        }
        throw new ConnectionError(describeConnectError(error, address, this.#target), {
          cause: error,
        });
      }
    }
  }

  /** Drops `client` from the cache (if it is still the one there) and disconnects it. */
  async #forget(address: string, client: Redis): Promise<void> {
    const pending = this.#clients.get(address);
    if (pending !== undefined && await pending.catch(() => undefined) === client) {
      if (this.#clients.get(address) === pending) this.#clients.delete(address);
    }
    client.disconnect();
  }

  /**
   * Opens a data-plane socket to a node; it is closed with the others on {@linkcode close}.
   *
   * @param node The node.
   * @returns The socket.
   */
  async openWriter(node: NodeInfo): Promise<DataSocket> {
    const address = formatAddress(node.host, node.port);
    let socket: DataSocket;
    try {
      socket = await openDataSocket(this.#target, node, {
        onUnneededPassword: () => {
          if (this.#toldUnneededPassword) return;
          this.#toldUnneededPassword = true;
          this.#logger.warn(`"${address}" has no password set: the password given is not used`);
        },
      });
    } catch (error) {
      const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
      if (this.#served.has(address) && isGoneError(cause)) {
        throw new ConnectionError(describeStoppedNode(cause, address), { cause });
      }
      throw error;
    }
    if (this.#closed) {
      socket.close();
      throw new ConnectionError("The transport is closed");
    }
    this.#sockets.add(socket);
    socket.closed.finally(() => this.#sockets.delete(socket)).catch(() => {});
    return socket;
  }

  /** Closes every client and socket. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const socket of this.#sockets) socket.close();
    this.#sockets.clear();
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(clients.map(async (pending) => {
      try {
        const client = await pending;
        await closeClient(client);
      } catch {
        // A client that never connected has nothing to close.
      }
    }));
  }
}

async function closeClient(client: Redis): Promise<void> {
  if (client.status === "end") return;
  const ended = new Promise<void>((resolve) => client.once("end", () => resolve()));
  client.disconnect();
  await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 1000))]);
}

function toArg(arg: RedisArg): string | number | Buffer {
  return arg instanceof Uint8Array ? Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength) : arg;
}

/** Commands a proxy lacks that redfill asks a server before the fill. */
const PROXY_TELLS = new Set(["INFO", "CLIENT", "CLUSTER"]);

/**
 * How a command's failure looks like a proxy's (`closed the connection on INFO`, `does not
 * know CLIENT`), or undefined.
 */
function looksLikeProxy(args: RedisArg[], error: unknown): string | undefined {
  const command = String(args[0] ?? "").toUpperCase();
  if (!PROXY_TELLS.has(command)) return undefined;
  if (isServerError(error)) {
    return /unknown command/i.test(error.message) ? `does not know ${command}` : undefined;
  }
  return isGoneError(error) ? `closed the connection on ${command}` : undefined;
}

/**
 * Whether an error is a reply from the server (`-ERR …`), not a connection problem.
 *
 * @param error What was thrown.
 * @returns True for a server error reply.
 */
export function isServerError(error: unknown): error is Error {
  return error instanceof Error && error.name === "ReplyError";
}
