/**
 * Exact counts of a fill's own keys, per master: batched `EXISTS` (or the transport's own
 * counting command) of the keys of this keyspace's indices, pipelined over data sockets to
 * the master that owns their slot. Keys i, i + 16384, … share a slot, so one command carries
 * up to 256 of them even in a cluster; whatever else the database holds is never counted.
 *
 * The missing keys are counted exactly by the batches; the first few are then named by
 * asking again, one key per command, only in the batches that came up short.
 *
 * @module
 */

import { SLOT_COUNT, slotCount, slotsOf } from "../cluster/slots.ts";
import { countIndices } from "../fill/batch.ts";
import type { Keyspace } from "../fill/keyspace.ts";
import { RespError, type RespValue } from "../resp/parser.ts";
import type { KeyCounting, NodeInfo, Transport } from "../types.ts";
import { KeyCommands } from "./_encode.ts";
import { type KeyGroup, keyGroups, type PassWork, replyFailure, runPass } from "./_pass.ts";

/** The most keys one counting command carries by default. */
export const COUNT_BATCH_KEYS = 256;

/**
 * How to count keys through a transport: its own {@linkcode KeyCounting}, or batched
 * `EXISTS` of up to {@linkcode COUNT_BATCH_KEYS} keys, of one slot in a cluster.
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { keyCountingFor } from "./count.ts";
 * deepEqual(keyCountingFor({ keyCounting: undefined }, "cluster"), {
 *   command: "EXISTS", maxKeys: 256, sameSlot: true,
 * });
 * ```
 *
 * @param transport The transport (only its `keyCounting` is read).
 * @param mode The topology's mode.
 * @returns The strategy.
 */
export function keyCountingFor(
  transport: Pick<Transport, "keyCounting">,
  mode: "standalone" | "cluster",
): KeyCounting {
  return transport.keyCounting ??
    { command: "EXISTS", maxKeys: COUNT_BATCH_KEYS, sameSlot: mode === "cluster" };
}

/** What the count found on one master. */
export interface MasterCount {
  /** The master. */
  node: NodeInfo;
  /** This fill's keys it should hold: the indices of the range whose slot it owns. */
  expected: number;
  /** Of those, the keys it holds. */
  found: number;
  /** The smallest indices it lacks, ascending (at most `names` of them). */
  missing: number[];
}

/** Options for {@linkcode countKeys}. */
export interface CountKeysOptions {
  /** The counting command and its batching. */
  counting: KeyCounting;
  /** How many missing keys to name per master (default 3). */
  names?: number | undefined;
  /** Data sockets per master (default 1). */
  connections?: number | undefined;
  /** Bytes of commands per batch. */
  batchBytes?: number | undefined;
  /** A socket that gets no reply for this long fails the count (milliseconds). */
  timeoutMs: number;
  /** Stops the count. */
  signal?: AbortSignal | undefined;
}

/**
 * Counts, on each master, the keys of the keyspace's indices in [start, end) whose slot it
 * owns, and names the first few it lacks.
 *
 * @example
 * ```ts ignore
 * const counts = await countKeys(transport, new Keyspace(fill.keyspace), { start: 0, end: N },
 *   servingMasters(transport.topology()), { counting: keyCountingFor(transport, "cluster"), timeoutMs: 10_000 });
 * ```
 *
 * @param transport Opens the data sockets.
 * @param keyspace The keyspace.
 * @param range The indices to count.
 * @param masters The masters serving every slot (the current owners).
 * @param options Strategy, names, sockets and timeout.
 * @returns One entry per master, in order.
 * @throws {SlotMovedError} when a master answers that a slot moved (count again once the
 *   slot map is stable); {@linkcode ConnectionError} or {@linkcode CheckFailedError} naming
 *   the node for a lost socket or an error reply.
 */
export async function countKeys(
  transport: Transport,
  keyspace: Keyspace,
  range: { start: number; end: number },
  masters: readonly NodeInfo[],
  options: CountKeysOptions,
): Promise<MasterCount[]> {
  const commands = new KeyCommands(keyspace);
  const names = options.names ?? 3;
  return await Promise.all(masters.map(async (node) => {
    const groups = masterGroups(node, masters.length, range, options.counting);
    const found = new Int32Array(groups.length);
    await runPass(
      transport,
      node,
      groups,
      existsWork(commands, node, options.counting, {
        keysPerCommand: options.counting.maxKeys,
        onCount: (id, _group, _command, count) => found[id] = found[id]! + count,
      }),
      options,
    );
    let total = 0;
    const short: KeyGroup[] = [];
    groups.forEach((group, id) => {
      total += found[id]!;
      if (found[id]! < group.count) short.push(group);
    });
    const missing = short.length === 0 || names === 0
      ? []
      : await nameMissing(transport, node, short, commands, names, options);
    return {
      node,
      expected: countIndices(slotsOf(node.slots), range.start, range.end),
      found: total,
      missing,
    };
  }));
}

/**
 * A master's keys as groups: runs of consecutive indices when it alone serves every slot
 * and the counting command may mix slots, otherwise one slot's keys at a time.
 */
function masterGroups(
  node: NodeInfo,
  masters: number,
  range: { start: number; end: number },
  counting: KeyCounting,
): KeyGroup[] {
  const whole = masters === 1 && slotCount(node.slots) === SLOT_COUNT && !counting.sameSlot;
  return keyGroups(
    whole ? undefined : slotsOf(node.slots),
    range.start,
    range.end,
    counting.maxKeys,
  );
}

/**
 * The smallest missing indices among the keys of short groups: asks again one key per
 * command, 64 groups at a time in order of their first index, until the smallest `names`
 * missing keys are known (no later group can hold a smaller one).
 */
async function nameMissing(
  transport: Transport,
  node: NodeInfo,
  short: KeyGroup[],
  commands: KeyCommands,
  names: number,
  options: CountKeysOptions,
): Promise<number[]> {
  short.sort((a, b) => a.first - b.first);
  const missing: number[] = [];
  for (let from = 0; from < short.length; from += 64) {
    const chunk = short.slice(from, from + 64);
    await runPass(
      transport,
      node,
      chunk,
      existsWork(commands, node, { ...options.counting, maxKeys: 1 }, {
        keysPerCommand: 1,
        onCount: (_id, group, command, count) => {
          if (count === 0) missing.push(group.first + command * group.stride);
        },
      }),
      options,
    );
    missing.sort((a, b) => a - b);
    missing.length = Math.min(missing.length, names);
    const next = short[from + 64];
    if (missing.length === names && (next === undefined || next.first > missing.at(-1)!)) break;
  }
  return missing;
}

interface ExistsHandlers {
  /** Keys per command (the group's keys split in order). */
  keysPerCommand: number;
  /** A command's count of existing keys among its `keys`. */
  onCount(id: number, group: KeyGroup, command: number, count: number, keys: number): void;
}

/** The pass that sends a counting command for each group's keys and reads the counts. */
function existsWork(
  commands: KeyCommands,
  node: NodeInfo,
  counting: KeyCounting,
  handlers: ExistsHandlers,
): PassWork {
  const per = Math.max(1, Math.min(handlers.keysPerCommand, counting.maxKeys));
  const name = counting.command;
  const commandsOf = (group: KeyGroup) => Math.ceil(group.count / per);
  return {
    commands: commandsOf,
    groupBytes: (group) =>
      commandsOf(group) * commands.head(name, per).length + group.count * commands.entryBytes,
    encode(group, out, offset) {
      let at = offset;
      for (let done = 0; done < group.count; done += per) {
        const keys = Math.min(per, group.count - done);
        at = commands.encode(name, group.first + done * group.stride, group.stride, keys, out, at);
      }
      return at;
    },
    reply(id, group, command, value: RespValue) {
      if (typeof value === "number") {
        const keys = Math.min(per, group.count - command * per);
        handlers.onCount(id, group, command, value, keys);
        return;
      }
      if (value instanceof RespError) throw replyFailure(value, name, node);
      throw replyFailure(new RespError(`ERR unexpected reply to ${name}`), name, node);
    },
  };
}
