/**
 * A bulk writer: one data socket, pre-encoded RESP `SET` batches in two reused buffers
 * (generation overlaps the write), `CLIENT REPLY OFF` while streaming and `CLIENT REPLY ON`
 * as the closing barrier — or, in acked mode, every reply counted.
 *
 * @module
 */

import { formatAddress } from "../address.ts";
import { FillError } from "../errors.ts";
import type { DataSocket } from "../types.ts";
import type { CommandEncoder, EncodedBatch, IndexCursor } from "./batch.ts";
import { EXTRA_COMMAND } from "./shape_batch.ts";
import { encodeCommand } from "../resp/encode.ts";
import { ReplyScanner } from "../resp/reply.ts";
import { requestLine } from "../resp/request.ts";
import { sleep } from "../time.ts";

/** A cursor over an explicit list of indices (used to re-send redirected keys). */
export class ListCursor implements IndexCursor {
  readonly #indices: readonly number[];
  #position = 0;

  /** @param indices The indices, in order. */
  constructor(indices: readonly number[]) {
    this.#indices = indices;
  }

  next(): number {
    return this.#position < this.#indices.length ? this.#indices[this.#position++]! : -1;
  }
}

/** Counters a writer updates as batches complete; shared per node. */
export interface WriterCounters {
  /** Keys written. */
  keys: number;
  /** Bytes of keys and values written. */
  bytes: number;
  /** `+OK` replies (acked mode). */
  acked: number;
  /** Error replies (acked mode). */
  errors: number;
  /** The first few distinct error replies. */
  firstErrors: string[];
}

/**
 * Spreads a byte budget over time, shared by every writer of a fill: the `rate` cap.
 *
 * It counts the same bytes the fill reports — keys and values (K + V per key), not the RESP
 * framing around them — so the cap and the reported MiB/s are one measure. A batch may go only
 * once the time since the fill started pays for everything taken so far including it, so at
 * any moment the bytes sent are at most `bytesPerSecond × elapsed`: the throughput a report
 * shows, averaged over the run, never exceeds the cap.
 *
 * @example
 * ```ts ignore
 * const limiter = new RateLimiter(8 * 1024 * 1024, performance.now()); // 8 MiB/s
 * await limiter.take(batch.keys * (keySize + valueSize), signal); // then write the batch
 * ```
 */
export class RateLimiter {
  readonly #bytesPerMs: number;
  readonly #start: number;
  #taken = 0;

  /**
   * @param bytesPerSecond The cap.
   * @param start When the fill started (`performance.now()`; default now).
   */
  constructor(bytesPerSecond: number, start: number = performance.now()) {
    this.#bytesPerMs = bytesPerSecond / 1000;
    this.#start = start;
  }

  /**
   * Waits until `bytes` more may be sent: until the cap allows everything taken so far plus
   * these bytes.
   *
   * @param bytes Bytes of keys and values in the next batch.
   * @param signal Stops the wait.
   */
  async take(bytes: number, signal: AbortSignal): Promise<void> {
    this.#taken += bytes;
    const due = this.#start + this.#taken / this.#bytesPerMs;
    for (let now = performance.now(); now < due && !signal.aborted; now = performance.now()) {
      await sleep(due - now, signal);
    }
  }
}

/** Options for {@linkcode BulkWriter}. */
export interface BulkWriterOptions {
  /** The socket (authenticated). */
  socket: DataSocket;
  /** The encoder of the keyspace. */
  encoder: CommandEncoder;
  /** The writer's share of the key indices. */
  cursor: IndexCursor;
  /** Bytes per batch buffer. */
  batchBytes: number;
  /** Keep replies on and count them. */
  acked: boolean;
  /** Bytes of key + value per key, for the byte counters. */
  keyValueBytes: number;
  /** Counters of the writer's node. */
  counters: WriterCounters;
  /** Stops the writer after the batch in flight; the barrier still runs. */
  signal: AbortSignal;
  /** Rate cap. */
  rate?: RateLimiter | undefined;
  /** How long to wait for the barrier or the last replies. */
  barrierTimeoutMs: number;
  /**
   * Send `ASKING` before each `SET` (acked mode): for keys an `ASK` reply sent to this node,
   * whose slot is being migrated to it.
   */
  asking?: boolean | undefined;
  /**
   * The writer's two batch buffers (from {@linkcode BatchEncoder.allocateShared}, each of at
   * least {@linkcode batchBufferBytes}); by default it makes two of its own.
   */
  buffers?: readonly [Uint8Array, Uint8Array] | undefined;
  /**
   * Acked mode with `durability: replicas`: end with `WAIT replicas barrierTimeoutMs`, so
   * every acknowledged write is on this many replicas too (or the reply says how many).
   */
  waitReplicas?: number | undefined;
  /**
   * Acked mode: the most commands awaiting their reply (a proxy's limit); a batch waits for
   * earlier replies until it fits. Unlimited when absent (TCP backpressure alone).
   */
  maxInFlight?: number | undefined;
}

/**
 * Usable bytes of each batch buffer of a writer: the batch size, and at least one command
 * (with its `ASKING`, for a writer that sends them).
 *
 * @param encoder The encoder of the keyspace.
 * @param batchBytes Bytes per batch.
 * @param asking Whether the writer sends `ASKING` before each key.
 * @returns Bytes.
 */
export function batchBufferBytes(
  encoder: CommandEncoder,
  batchBytes: number,
  asking: boolean,
): number {
  return Math.max(batchBytes, encoder.maxCommandBytes + (asking ? ASKING.length : 0));
}

/** What a writer did, beyond its counters. */
export interface BulkWriterResult {
  /** Whether the server refused `CLIENT REPLY`, so the writer counted replies instead. */
  fellBackToAcked: boolean;
  /**
   * Indices the server redirected (MOVED/TRYAGAIN/CLUSTERDOWN/…) in acked mode, to re-send to
   * the node that owns their slot after a topology refresh.
   */
  redirected: number[];
  /**
   * Indices answered with `ASK slot host:port` in acked mode (their slot is being migrated), by
   * the `host:port` to re-send them to, with `ASKING`.
   */
  asked: Map<string, number[]>;
  /** With `waitReplicas`: how many replicas `WAIT` said acknowledged the writer's writes. */
  replicasAcknowledged?: number | undefined;
}

const REPLY_ON = encodeCommand(["CLIENT", "REPLY", "ON"]);
const REPLY_OFF = encodeCommand(["CLIENT", "REPLY", "OFF"]);
const ASKING = encodeCommand(["ASKING"]);
/** In `sent`, the place of an `ASKING` command, whose `+OK` is not a key's. */
const ASKING_MARK = -1;
const RETRYABLE = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN|LOADING|MASTERDOWN|READONLY) /;
const ASK_REPLY = /^ASK \d+ (\S+)$/;
const MAX_QUOTED_ERRORS = 5;
/** Replies that mean CLIENT REPLY is unavailable (renamed, not allowed, or a proxy's refusal). */
const NO_CLIENT_REPLY = /unknown (sub)?command|NOPERM|not (supported|allowed|permitted)|disabled/i;

/** Streams one writer's share of the keyspace into one socket. */
export class BulkWriter {
  readonly #options: BulkWriterOptions;
  /** Acked mode: commands sent whose reply has not come yet. */
  #outstanding: () => number = () => 0;
  /** Acked mode: called after every reply (wakes a batch waiting for room). */
  #onReply: (() => void) | undefined;
  /** Why the socket closed, once it did (wakes a batch waiting for room). */
  #gone: Error | undefined;
  #watchingClose = false;

  /** @param options The socket, encoder, cursor and settings. */
  constructor(options: BulkWriterOptions) {
    this.#options = options;
  }

  /**
   * Runs the writer to the end of its cursor (or until the signal aborts), then the barrier.
   *
   * @returns What happened besides the counters.
   * @throws {FillError} when the socket fails or the server stops answering.
   */
  async run(): Promise<BulkWriterResult> {
    const { socket, acked, barrierTimeoutMs } = this.#options;
    let replies = acked;
    let fellBackToAcked = false;
    if (!replies) {
      const probe = await requestLine(socket, REPLY_ON, barrierTimeoutMs);
      if (probe.type === "-" && NO_CLIENT_REPLY.test(probe.text)) {
        replies = true;
        fellBackToAcked = true;
      } else if (probe.type === "-") {
        // LOADING, BUSY, MASTERDOWN…: the node cannot take writes now, whatever the mode.
        throw new FillError(
          `Node "${
            formatAddress(socket.node.host, socket.node.port)
          }" is not ready for writes: it answered "${probe.text.slice(0, 120)}"`,
        );
      } else {
        await socket.write(REPLY_OFF);
      }
    }
    const redirected: number[] = [];
    const asked = new Map<string, number[]>();
    let replicasAcknowledged: number | undefined;
    if (replies) {
      await this.#streamAcked(redirected, asked);
      const wanted = this.#options.waitReplicas;
      if (wanted !== undefined) replicasAcknowledged = await this.#waitReplicas(wanted);
    } else {
      await this.#stream(undefined);
      const reply = await requestLine(socket, REPLY_ON, barrierTimeoutMs);
      if (reply.type === "-") {
        throw new FillError(
          `Node "${
            formatAddress(socket.node.host, socket.node.port)
          }" answered the closing CLIENT REPLY ON with "${reply.text.slice(0, 120)}"`,
        );
      }
    }
    return {
      fellBackToAcked,
      redirected,
      asked,
      ...(replicasAcknowledged === undefined ? {} : { replicasAcknowledged }),
    };
  }

  /** `WAIT wanted timeout` once every reply is in: how many replicas have every write. */
  async #waitReplicas(wanted: number): Promise<number> {
    const { socket, barrierTimeoutMs } = this.#options;
    const command = encodeCommand(["WAIT", String(wanted), String(barrierTimeoutMs)]);
    // The server answers WAIT after at most its timeout; give the reply a barrier more.
    const reply = await requestLine(socket, command, 2 * barrierTimeoutMs);
    if (reply.type !== ":") {
      throw new FillError(
        `Node "${socket.node.host}:${socket.node.port}" answered WAIT with "${
          reply.text.slice(0, 120)
        }": its replicas' acknowledgement cannot be checked`,
      );
    }
    return Number(reply.text);
  }

  async #stream(sent: number[] | undefined): Promise<void> {
    const { socket, encoder, cursor, signal, counters, keyValueBytes, rate } = this.#options;
    const asking = this.#options.asking === true;
    const size = batchBufferBytes(encoder, this.#options.batchBytes, asking);
    const given = this.#options.buffers;
    const buffers = given && given.every((buffer) => encoder.capacity(buffer) >= size)
      ? given
      : [encoder.allocate(size), encoder.allocate(size)];
    const pending: Array<Promise<void> | undefined> = [undefined, undefined];
    let turn = 0;
    try {
      while (!signal.aborted) {
        const buffer = buffers[turn]!;
        await pending[turn];
        const batch = asking
          ? fillAsking(encoder, buffer, cursor, sent)
          : encoder.fill(buffer, cursor, sent);
        if (batch.keys === 0) break;
        // The cap counts keys and values, as the reported throughput does (not RESP framing).
        const bytes = batch.bytes ?? batch.keys * keyValueBytes;
        if (rate) {
          await rate.take(bytes, signal);
          // Stopped while the cap held this batch back: it was not due, so it is not sent and a
          // stopped fill never reports more than the cap. (In acked mode its indices already
          // await replies, so it goes out.)
          if (signal.aborted && sent === undefined) break;
        }
        if (sent !== undefined && this.#options.maxInFlight !== undefined) {
          await this.#room(this.#options.maxInFlight);
        }
        pending[turn] = socket.write(buffer.subarray(0, batch.length)).then(() => {
          counters.keys += batch.keys;
          counters.bytes += bytes;
        });
        // Keep a failure from going unobserved while the other buffer is being filled.
        pending[turn]!.catch(() => {});
        turn ^= 1;
      }
    } finally {
      await Promise.allSettled(pending);
    }
    for (const write of pending) await write;
  }

  #noteError(text: string): void {
    const counters = this.#options.counters;
    counters.errors++;
    const quoted = text.slice(0, 200);
    if (
      counters.firstErrors.length < MAX_QUOTED_ERRORS && !counters.firstErrors.includes(quoted)
    ) {
      counters.firstErrors.push(quoted);
    }
  }

  /**
   * Waits until at most `limit` commands (the batch just encoded included) await a reply; fails
   * when no reply comes for the barrier timeout or the socket closes.
   */
  async #room(limit: number): Promise<void> {
    if (this.#outstanding() <= limit) return;
    const { socket, barrierTimeoutMs } = this.#options;
    const address = `${socket.node.host}:${socket.node.port}`;
    if (!this.#watchingClose) {
      // One listener per writer: a closed socket wakes the batch that waits for room.
      this.#watchingClose = true;
      socket.closed.then(
        () => {
          this.#gone ??= new FillError(
            `Lost the connection to node "${address}": it closed the connection (the node may have stopped or restarted)`,
          );
          this.#onReply?.();
        },
        (error) => {
          this.#gone ??= error instanceof Error ? error : new Error(String(error));
          this.#onReply?.();
        },
      );
    }
    await new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.#onReply = undefined;
        if (error) reject(error);
        else resolve();
      };
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() =>
          done(
            new FillError(
              `Node "${address}" stopped answering: ${this.#outstanding()} replies outstanding after ${
                barrierTimeoutMs / 1000
              } s`,
            ),
          ), barrierTimeoutMs);
      };
      this.#onReply = () => {
        if (this.#gone) done(this.#gone);
        else if (this.#outstanding() <= limit) done();
        else arm();
      };
      if (this.#gone) return done(this.#gone);
      arm();
    });
  }

  async #streamAcked(redirected: number[], asked: Map<string, number[]>): Promise<void> {
    const { socket, counters, barrierTimeoutMs } = this.#options;
    const sent: number[] = [];
    let answered = 0;
    /** Replies in all; never reset, so the stall check below sees progress across trims. */
    let replies = 0;
    let settle: (() => void) | undefined;
    const scanner = new ReplyScanner((reply) => {
      const index = sent[answered++]!;
      replies++;
      if (index === ASKING_MARK) {
        // The +OK of an ASKING: the reply of the SET after it tells what happened to the key.
      } else if (index <= EXTRA_COMMAND) {
        // A command of a key before its last (a shape's DEL, an XADD): only its errors count;
        // a redirect comes again with the key's last command, which re-sends the whole key.
        if (reply.type === "-" && !RETRYABLE.test(reply.text)) this.#noteError(reply.text);
      } else if (reply.type === "-" && RETRYABLE.test(reply.text)) {
        const ask = ASK_REPLY.exec(reply.text);
        if (ask) {
          let list = asked.get(ask[1]!);
          if (!list) asked.set(ask[1]!, list = []);
          list.push(index);
        } else {
          redirected.push(index);
        }
        // Counted again when it is re-sent to the node that owns it now.
        counters.keys--;
        counters.bytes -= this.#options.encoder.payloadBytes?.(index) ??
          this.#options.keyValueBytes;
      } else if (reply.type === "-") {
        this.#noteError(reply.text);
      } else {
        counters.acked++;
      }
      if (answered === sent.length) settle?.();
      this.#onReply?.();
      // Drop answered indices now and then so the queue stays small.
      if (answered > 65536) {
        sent.splice(0, answered);
        answered = 0;
      }
    });
    socket.onData((chunk) => scanner.push(chunk));
    this.#outstanding = () => sent.length - answered;
    await this.#stream(sent);
    if (answered < sent.length) {
      await new Promise<void>((resolve, reject) => {
        let last = replies;
        const timer = setInterval(() => {
          if (replies === last) {
            clearInterval(timer);
            reject(
              new FillError(
                `Node "${formatAddress(socket.node.host, socket.node.port)}" stopped answering: ${
                  sent.length - answered
                } replies outstanding after ${barrierTimeoutMs / 1000} s`,
              ),
            );
          }
          last = replies;
        }, barrierTimeoutMs);
        settle = () => {
          clearInterval(timer);
          resolve();
        };
        socket.closed.then(
          () =>
            reject(
              new FillError(
                `Lost the connection to node "${
                  formatAddress(socket.node.host, socket.node.port)
                }": it closed the connection (the node may have stopped or restarted)`,
              ),
            ),
          reject,
        ).finally(() => clearInterval(timer));
        if (answered === sent.length) settle();
      });
    }
  }
}

/**
 * Like {@linkcode BatchEncoder.fill}, with an `ASKING` before each `SET` (marked in `sent`).
 */
function fillAsking(
  encoder: CommandEncoder,
  out: Uint8Array,
  cursor: IndexCursor,
  sent: number[] | undefined,
): EncodedBatch {
  if (encoder.fillAsking) return encoder.fillAsking(out, cursor, sent, ASKING, ASKING_MARK);
  const limit = encoder.capacity(out) - encoder.maxCommandBytes - ASKING.length;
  let length = 0;
  let keys = 0;
  while (length <= limit) {
    const index = cursor.next();
    if (index < 0) break;
    out.set(ASKING, length);
    length += ASKING.length;
    sent?.push(ASKING_MARK);
    length = encoder.encodeOne(index, out, length);
    keys++;
    sent?.push(index);
  }
  return { length, keys };
}
