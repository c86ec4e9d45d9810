/**
 * The data-plane socket: a node:net or node:tls socket behind the {@linkcode DataSocket}
 * contract, with backpressure, a stall timeout, and AUTH done before it is handed out.
 *
 * @module
 */

import type * as net from "node:net";
import { ConnectionError, FillError } from "../errors.ts";
import { encodeCommand } from "../resp/encode.ts";
import type { LineReply } from "../resp/reply.ts";
import { requestLine } from "../resp/request.ts";
import type { DataSocket, NodeInfo, Target } from "../types.ts";
import { connectSocket } from "./connectors.ts";
import { connectDeno, DenoDataSocket, describeSocketError, lostNode } from "./deno_socket.ts";
import { describeConnectError } from "./errors.ts";
import { formatAddress } from "../address.ts";
import { stallError, StallWatchdog } from "./_stall.ts";

/** Options for {@linkcode openDataSocket}. */
export interface OpenDataSocketOptions {
  /** A write that makes no progress for this long fails the socket (default: the target's command timeout). */
  stallTimeoutMs?: number;
  /** Called when the server has no password set but one was given (the socket is fine). */
  onUnneededPassword?: (() => void) | undefined;
}

/**
 * The reply of a server without a password to `AUTH password`: as redis-cli (and ioredis for
 * the control plane) do, the connection goes on.
 */
export const NO_PASSWORD_SET = /without any password configured|no password is set/i;

/**
 * Opens an authenticated data-plane socket to a node.
 *
 * @param target Address-independent settings: TLS, auth, timeouts.
 * @param node The node to connect to.
 * @param options Stall timeout.
 * @returns The socket, ready for RESP.
 * @throws {ConnectionError} when connecting or AUTH fails.
 */
export async function openDataSocket(
  target: Target,
  node: NodeInfo,
  options: OpenDataSocketOptions = {},
): Promise<DataSocket> {
  const stallTimeoutMs = options.stallTimeoutMs ?? target.commandTimeoutMs;
  // Plaintext goes through Deno.connect (less CPU per byte); TLS through node:tls.
  const data: DataSocket = target.tls
    ? new NodeDataSocket(await connectSocket(target, node.host, node.port), node, stallTimeoutMs)
    : new DenoDataSocket(await connectDeno(target, node), node, stallTimeoutMs);
  if (target.password !== undefined) {
    const args = target.username === undefined
      ? ["AUTH", target.password]
      : ["AUTH", target.username, target.password];
    let reply: LineReply;
    try {
      reply = await requestLine(data, encodeCommand(args), target.connectTimeoutMs);
    } catch (error) {
      data.close();
      throw new ConnectionError(
        describeConnectError(error, formatAddress(node.host, node.port), target),
        { cause: error },
      );
    }
    if (reply.type === "-" && NO_PASSWORD_SET.test(reply.text)) {
      options.onUnneededPassword?.();
    } else if (reply.type === "-") {
      data.close();
      throw new ConnectionError(
        describeConnectError(new Error(reply.text), formatAddress(node.host, node.port), target),
      );
    }
  }
  return data;
}

/** The largest piece handed to node's socket at once (see NodeDataSocket.write). */
const SLICE_BYTES = 1024 * 1024;

/** A {@linkcode DataSocket} over a node:net / node:tls socket. */
export class NodeDataSocket implements DataSocket {
  readonly node: NodeInfo;
  readonly closed: Promise<void>;
  readonly #socket: net.Socket;
  readonly #watchdog: StallWatchdog;
  #listener: (chunk: Uint8Array) => void = () => {};
  #failure: Error | undefined;
  #done = false;
  /** Writes run one after another, so slices of two writes never interleave. */
  #queue: Promise<void> = Promise.resolve();

  /**
   * @param socket A connected socket.
   * @param node The node it talks to.
   * @param stallTimeoutMs How long a write may make no progress.
   */
  constructor(socket: net.Socket, node: NodeInfo, stallTimeoutMs: number) {
    this.#socket = socket;
    this.node = node;
    const address = formatAddress(node.host, node.port);
    this.#watchdog = new StallWatchdog(stallTimeoutMs, () => {
      this.#failure ??= stallError(address, stallTimeoutMs);
      socket.destroy();
    });
    this.closed = new Promise<void>((resolve, reject) => {
      socket.on("error", (error: Error) => {
        this.#failure ??= new FillError(
          `Lost the connection to node "${address}": ${describeSocketError(error)}`,
          { cause: error },
        );
      });
      socket.on("close", () => {
        this.#done = true;
        this.#watchdog.stop();
        if (this.#failure) reject(this.#failure);
        else resolve();
      });
    });
    // A rejection nobody awaits yet must not crash the process.
    this.closed.catch(() => {});
    socket.on("data", (chunk: Uint8Array) => this.#listener(chunk));
  }

  write(chunk: Uint8Array): Promise<void> {
    // Slices of at most 1 MiB, one after another: the stall watchdog then means "no slice was
    // taken for that long", however large the batch, on however slow a link.
    const run = this.#queue.then(async () => {
      this.#watchdog.begin();
      try {
        for (let at = 0; at < chunk.length; at += SLICE_BYTES) {
          await this.#writeSlice(chunk.subarray(at, Math.min(at + SLICE_BYTES, chunk.length)));
          this.#watchdog.progress();
        }
      } finally {
        this.#watchdog.end();
      }
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  #writeSlice(chunk: Uint8Array): Promise<void> {
    const address = formatAddress(this.node.host, this.node.port);
    if (this.#done || this.#socket.destroyed) {
      return Promise.reject(this.#failure ?? lostNode(address));
    }
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      // A stall destroys the socket: the close ends this write with #failure.
      const onClose = () => finish(this.#failure ?? lostNode(address));
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        this.#socket.removeListener("close", onClose);
        if (error) {
          reject(
            this.#failure ??
              new FillError(
                `Lost the connection to node "${address}": ${describeSocketError(error)}`,
                {
                  cause: error,
                },
              ),
          );
        } else {
          resolve();
        }
      };
      this.#socket.once("close", onClose);
      this.#socket.write(chunk, (error) => finish(error ?? undefined));
    });
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.#listener = listener;
  }

  close(): void {
    this.#done = true;
    this.#watchdog.stop();
    this.#socket.destroy();
  }
}
