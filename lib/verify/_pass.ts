/**
 * The engine under verify's key passes (exact count, full content): groups of key indices,
 * encoded into batches and pipelined over data sockets to the master that owns them, with
 * each reply handed back to the pass with its group. Private to lib/verify.
 *
 * @module
 */

import { formatAddress } from "../address.ts";
import { SLOT_COUNT } from "../cluster/slots.ts";
import { ReplyPipeline } from "../resp/pipeline.ts";
import { CheckFailedError, InterruptedError } from "../errors.ts";
import { PermissionError } from "../permission.ts";
import { give, sentence, stepOption } from "../message.ts";
import type { RespError, RespValue } from "../resp/parser.ts";
import type { NodeInfo, Transport } from "../types.ts";

/** Key indices `first + k * stride` for k < count: one slot's keys, or a run of indices. */
export interface KeyGroup {
  /** The smallest index. */
  readonly first: number;
  /** 16384 for one slot's keys (i, i + 16384, …), 1 for consecutive indices. */
  readonly stride: number;
  /** How many indices. */
  readonly count: number;
  /** The slot all its keys share, or -1 when they span slots. */
  readonly slot: number;
}

/**
 * The key indices in [start, end) of a set of slots, as groups of at most `maxKeys`: one
 * slot's keys at a time (they may go in one multi-key command, even in a cluster), or, when
 * `slots` is undefined (a server without slots), consecutive runs of indices.
 *
 * @param slots The slots, ascending; undefined for every index regardless of slot.
 * @param start First index (inclusive).
 * @param end Last index (exclusive).
 * @param maxKeys The largest group.
 * @returns The groups, by slot then index (or by index).
 */
export function keyGroups(
  slots: Int32Array | undefined,
  start: number,
  end: number,
  maxKeys: number,
): KeyGroup[] {
  const groups: KeyGroup[] = [];
  const most = Math.max(1, Math.floor(maxKeys));
  if (slots === undefined) {
    for (let first = start; first < end; first += most) {
      groups.push({ first, stride: 1, count: Math.min(most, end - first), slot: -1 });
    }
    return groups;
  }
  for (const slot of slots) {
    const firstRound = Math.max(0, Math.ceil((start - slot) / SLOT_COUNT));
    const endRound = Math.max(0, Math.ceil((end - slot) / SLOT_COUNT));
    for (let round = firstRound; round < endRound; round += most) {
      groups.push({
        first: slot + round * SLOT_COUNT,
        stride: SLOT_COUNT,
        count: Math.min(most, endRound - round),
        slot,
      });
    }
  }
  return groups;
}

/** What a pass sends for each group and does with each reply. */
export interface PassWork {
  /** The most bytes the commands of a group take. */
  groupBytes(group: KeyGroup): number;
  /** How many commands (replies) a group takes. */
  commands(group: KeyGroup): number;
  /** Encodes the group's commands at `offset`; returns the offset after them. */
  encode(group: KeyGroup, out: Uint8Array, offset: number): number;
  /**
   * Handles one reply: the group's id (its position in the list given to
   * {@linkcode runPass}), the group, which of its commands, and the reply (bulk strings are
   * valid only during the call).
   */
  reply(id: number, group: KeyGroup, command: number, value: RespValue): void;
}

/** Options for {@linkcode runPass}. */
export interface RunPassOptions {
  /** Data sockets to the node (default 1). */
  connections?: number | undefined;
  /** Bytes of commands per batch (default 256 KiB); two batches per socket are in flight. */
  batchBytes?: number | undefined;
  /** A socket that gets no reply for this long fails the pass (milliseconds). */
  timeoutMs: number;
  /** Stops the pass (between batches). */
  signal?: AbortSignal | undefined;
}

const DEFAULT_BATCH_BYTES = 256 * 1024;

/**
 * Sends every group's commands to one node over pipelined data sockets and hands each reply
 * to the work; resolves when every reply was handled.
 *
 * @param transport Opens the data sockets.
 * @param node The node that owns the groups' keys.
 * @param groups The groups.
 * @param work What to send and what to do with the replies.
 * @param options Sockets, batch size and timeout.
 * @throws {ConnectionError} when a socket cannot be opened or stops answering; whatever
 *   `work.reply` throws.
 */
export async function runPass(
  transport: Transport,
  node: NodeInfo,
  groups: readonly KeyGroup[],
  work: PassWork,
  options: RunPassOptions,
): Promise<void> {
  if (groups.length === 0) return;
  const connections = Math.max(1, Math.min(options.connections ?? 1, groups.length));
  const batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
  // Two batches are in flight per socket: each carries at most half of what a proxy takes.
  const batchCommands = transport.maxInFlight === undefined
    ? Infinity
    : Math.max(1, Math.floor(transport.maxInFlight / 2));
  const pipelines: ReplyPipeline[] = [];
  try {
    for (let k = 0; k < connections; k++) {
      pipelines.push(
        new ReplyPipeline(await transport.openWriter(node), { timeoutMs: options.timeoutMs }),
      );
    }
    // Replies come in order: walk the batch's groups and each group's commands.
    const replyRouter = (ids: number[]) => {
      let at = 0;
      let command = 0;
      let group = groups[ids[0]!]!;
      let commands = work.commands(group);
      return (value: RespValue) => {
        work.reply(ids[at]!, group, command, value);
        if (++command === commands && ++at < ids.length) {
          command = 0;
          group = groups[ids[at]!]!;
          commands = work.commands(group);
        }
      };
    };
    let next = 0;
    let failed = false;
    const worker = async (pipeline: ReplyPipeline) => {
      const buffers = [new Uint8Array(batchBytes), new Uint8Array(batchBytes)];
      const inFlight: Array<Promise<void> | undefined> = [undefined, undefined];
      let side = 0;
      while (next < groups.length && !failed && !options.signal?.aborted) {
        await inFlight[side];
        let out = buffers[side]!;
        const ids: number[] = [];
        let offset = 0;
        let commands = 0;
        while (next < groups.length) {
          const group = groups[next]!;
          const need = work.groupBytes(group);
          if (
            offset > 0 &&
            (offset + need > out.length || commands + work.commands(group) > batchCommands)
          ) break;
          if (need > out.length) out = buffers[side] = new Uint8Array(need);
          offset = work.encode(group, out, offset);
          commands += work.commands(group);
          ids.push(next++);
        }
        // Another socket may have taken the last groups while this one waited.
        if (ids.length === 0) break;
        const sent = pipeline.send(out.subarray(0, offset), commands, replyRouter(ids));
        sent.catch(() => {}); // awaited below; never an unhandled rejection meanwhile
        inFlight[side] = sent;
        side ^= 1;
      }
      await Promise.all(inFlight);
    };
    await Promise.all(pipelines.map((pipeline) =>
      worker(pipeline).catch((error) => {
        failed = true;
        for (const other of pipelines) other.close();
        throw error;
      })
    ));
    if (options.signal?.aborted) throw new InterruptedError("Verify was interrupted");
  } finally {
    for (const pipeline of pipelines) pipeline.close();
  }
}

/**
 * A reply that says the key is not served here right now (a slot moved or is moving, a
 * failover, a server loading its data): the pass is to be run again once the slot map is
 * stable.
 */
export class SlotMovedError extends Error {
  /** @param message The node and its reply. */
  constructor(message: string) {
    super(message);
    this.name = "SlotMovedError";
  }
}

/** Error codes that mean "ask again once the cluster is stable". */
const RETRYABLE = new Set(["MOVED", "ASK", "TRYAGAIN", "CLUSTERDOWN", "LOADING", "MASTERDOWN"]);

/**
 * What an error reply to a read means for a pass: a {@linkcode SlotMovedError} to run it
 * again, or an error that ends verify with one sentence naming the node and the command.
 *
 * @param error The reply.
 * @param command The command that got it (`EXISTS`, `GET`).
 * @param node The node that sent it.
 * @returns The error to throw.
 */
export function replyFailure(error: RespError, command: string, node: NodeInfo): Error {
  const address = formatAddress(node.host, node.port);
  const quoted = error.message.replace(/\s+/g, " ").slice(0, 120);
  if (RETRYABLE.has(error.code) || (error.code === "READONLY")) {
    return new SlotMovedError(`"${address}" answered ${command} with "${quoted}"`);
  }
  if (error.code === "NOPERM") {
    return fatal(
      new PermissionError({
        args: [command],
        address,
        reply: error.message,
        otherwise: command === "GET"
          ? sentence`${give(stepOption("sample"), 0)} to skip the content check`
          : sentence`${give(stepOption("count"), "fast")} to count with DBSIZE`,
      }),
    );
  }
  return fatal(
    new CheckFailedError(
      sentence`"${address}" answered ${command} with "${quoted}": verify cannot read this fill's keys there; ${
        give(stepOption("count"), "fast")
      } to count with DBSIZE instead`,
    ),
  );
}

/** Errors from {@linkcode replyFailure} that another attempt would only repeat. */
const fatalReplies = new WeakSet<Error>();

function fatal(error: Error): Error {
  fatalReplies.add(error);
  return error;
}

/**
 * Whether an error came from an error reply that no wait for the cluster can cure (a
 * permission, an unknown command).
 *
 * @param error What a pass threw.
 * @returns True when running the pass again would fail the same way.
 */
export function isFatalReply(error: unknown): boolean {
  return error instanceof Error && fatalReplies.has(error);
}
