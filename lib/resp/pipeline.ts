/**
 * Pipelined requests on a data-plane socket: batches of ready RESP commands are written
 * back to back and their replies, parsed by {@linkcode ReplyParser}, are handed to each
 * batch's listener in order. Verify reads keys this way (batched `EXISTS`, `GET`), at the
 * server's pace rather than one round trip per command.
 *
 * @module
 */

import { formatAddress } from "../address.ts";
import { ConnectionError } from "../errors.ts";
import type { DataSocket } from "../types.ts";
import { ReplyParser, type RespValue } from "./parser.ts";

/** Options for {@linkcode ReplyPipeline}. */
export interface ReplyPipelineOptions {
  /** A batch fails when no reply arrives for this long while replies are owed (milliseconds). */
  timeoutMs: number;
}

interface PendingBatch {
  count: number;
  received: number;
  onReply: (value: RespValue, position: number) => void;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Batches of commands in flight on one socket, with their replies matched to them in order.
 * The caller bounds how many batches it keeps in flight (two is enough to hide the round
 * trip); each batch resolves once all its replies were handed to its listener.
 *
 * @example
 * ```ts ignore
 * const pipeline = new ReplyPipeline(await transport.openWriter(node), { timeoutMs: 10_000 });
 * let found = 0;
 * await pipeline.send(encodeCommand(["EXISTS", "a", "b"]), 1, (reply) => found += Number(reply));
 * pipeline.close();
 * ```
 */
export class ReplyPipeline {
  readonly #socket: DataSocket;
  readonly #timeoutMs: number;
  readonly #queue: PendingBatch[] = [];
  #failure: unknown;
  #lastProgress = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  /**
   * Takes over a socket's incoming bytes.
   *
   * @param socket An authenticated data socket with no reply outstanding.
   * @param options The reply timeout.
   */
  constructor(socket: DataSocket, options: ReplyPipelineOptions) {
    this.#socket = socket;
    this.#timeoutMs = options.timeoutMs;
    const parser = new ReplyParser((value) => this.#dispatch(value));
    socket.onData((chunk) => {
      if (this.#failure !== undefined) return;
      try {
        parser.push(chunk);
      } catch (error) {
        this.#fail(
          new ConnectionError(
            `"${this.#address}" sent a reply that is not RESP: ${
              error instanceof Error ? error.message : String(error)
            }`,
            { cause: error },
          ),
        );
      }
    });
    socket.closed.then(
      () => this.#fail(this.#lost()),
      (error) => this.#fail(error),
    );
  }

  /** The node's `host:port`. */
  get #address(): string {
    return formatAddress(this.#socket.node.host, this.#socket.node.port);
  }

  /**
   * Writes a batch of `count` commands and resolves when all their replies arrived.
   *
   * @param commands Ready RESP: exactly `count` commands (the buffer may be reused once this
   *   resolves).
   * @param count How many commands the bytes hold (one reply each).
   * @param onReply Called with each reply and its position in the batch, in order; a bulk
   *   string is valid only until it returns.
   * @returns Settles once every reply was handled.
   * @throws {ConnectionError} when the node stops answering for the timeout or the socket
   *   fails (the socket's own error is passed on as is).
   */
  send(
    commands: Uint8Array,
    count: number,
    onReply: (value: RespValue, position: number) => void,
  ): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (count === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      if (this.#queue.length === 0) this.#lastProgress = performance.now();
      this.#queue.push({ count, received: 0, onReply, resolve, reject });
      this.#watch();
      this.#socket.write(commands).catch((error) => this.#fail(error));
    });
  }

  /** Closes the socket; batches still in flight reject. */
  close(): void {
    this.#fail(new ConnectionError(`The pipeline to "${this.#address}" was closed`));
    this.#socket.close();
  }

  #dispatch(value: RespValue): void {
    const batch = this.#queue[0];
    if (batch === undefined) {
      this.#fail(new ConnectionError(`"${this.#address}" sent a reply nobody asked for`));
      return;
    }
    this.#lastProgress = performance.now();
    const position = batch.received++;
    try {
      batch.onReply(value, position);
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (batch.received === batch.count) {
      this.#queue.shift();
      batch.resolve();
      if (this.#queue.length === 0) this.#unwatch();
    }
  }

  #watch(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      if (performance.now() - this.#lastProgress > this.#timeoutMs) {
        this.#fail(
          new ConnectionError(
            `"${this.#address}" did not answer within ${
              this.#timeoutMs / 1000
            } s; check the node (it may be overloaded or stopped)`,
          ),
        );
        this.#socket.close();
      }
    }, Math.max(10, Math.min(1000, this.#timeoutMs / 4)));
  }

  #unwatch(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #fail(error: unknown): void {
    this.#failure ??= error;
    this.#unwatch();
    for (const batch of this.#queue.splice(0)) batch.reject(this.#failure);
  }

  #lost(): ConnectionError {
    return new ConnectionError(
      `Lost the connection to node "${this.#address}": it closed the connection (the node may have stopped or restarted)`,
    );
  }
}
