/**
 * Reading every key of a fill back (`verify: { content: full }`): one read command per key,
 * pipelined over data sockets to the master that owns its slot, each reply compared with the
 * value recomputed from (seed, i). The read and the comparison belong to a
 * {@linkcode ContentReader}, so a data shape brings its own (`HGETALL` and a field-by-field
 * comparison for a hash); the string shape's reader is {@linkcode stringContent}.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { SLOT_COUNT, slotOwners, slotsOf } from "../cluster/slots.ts";
import { countIndices } from "../fill/batch.ts";
import type { Keyspace } from "../fill/keyspace.ts";
import { RespError, type RespValue } from "../resp/parser.ts";
import type { NodeInfo, Transport } from "../types.ts";
import { KeyCommands } from "./_encode.ts";
import { keyGroups, type PassWork, replyFailure, runPass } from "./_pass.ts";

/** What a key holds against what the fill wrote. */
export type ContentVerdict = "match" | "missing" | "differs";

/** How a data shape reads key i back and judges the reply. */
export interface ContentReader {
  /** The read command's name, for messages (`GET`). */
  readonly command: string;
  /** The most bytes key i's read command takes. */
  readonly commandBytes: number;
  /** Writes key i's read command (one command, one reply) at `offset`; returns the offset after. */
  encode(index: number, out: Uint8Array, offset: number): number;
  /**
   * Judges key i's reply: `missing` for no key, `differs` for another value or type (a
   * `WRONGTYPE` error reply comes here), else `match`. Bulk strings are valid only during
   * the call.
   */
  compare(index: number, reply: RespValue): ContentVerdict;
}

/**
 * The string shape's reader: `GET key`, compared byte for byte with value i.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { Keyspace } from "../fill/keyspace.ts";
 * import { stringContent } from "./content.ts";
 * const keyspace = new Keyspace({ count: 10, keySize: 32, valueSize: 8, seed: 1, prefix: "p:" });
 * const reader = stringContent(keyspace);
 * equal(reader.compare(3, keyspace.value(3)), "match");
 * equal(reader.compare(3, keyspace.value(4)), "differs");
 * equal(reader.compare(3, null), "missing");
 * ```
 *
 * @param keyspace The keyspace.
 * @returns The reader.
 */
export function stringContent(keyspace: Keyspace): ContentReader {
  const commands = new KeyCommands(keyspace);
  return {
    command: "GET",
    commandBytes: commands.commandBytes("GET", 1),
    encode: (index, out, offset) => commands.encode("GET", index, 1, 1, out, offset),
    compare(index, reply) {
      if (reply === null) return "missing";
      if (!(reply instanceof Uint8Array)) return "differs";
      return Buffer.compare(reply, keyspace.value(index)) === 0 ? "match" : "differs";
    },
  };
}

/** What reading every key found on one master. */
export interface MasterContent {
  /** The master. */
  node: NodeInfo;
  /** This fill's keys it should hold. */
  expected: number;
  /** Keys that exist (with the right value or not). */
  found: number;
  /** Keys that exist with another value or type. */
  differing: number;
  /** The smallest missing indices, ascending (at most `names`). */
  missing: number[];
  /** The smallest indices whose contents differ, ascending (at most `names`). */
  wrong: number[];
}

/** Options for {@linkcode readKeys}. */
export interface ReadKeysOptions {
  /** Read only these indices of the range (a sample), each from the master owning its slot. */
  indices?: readonly number[] | undefined;
  /** How many missing and differing keys to name per master (default 3). */
  names?: number | undefined;
  /** Data sockets per master (default 1). */
  connections?: number | undefined;
  /** Bytes of commands per batch. */
  batchBytes?: number | undefined;
  /** A socket that gets no reply for this long fails the read (milliseconds). */
  timeoutMs: number;
  /** Stops the read. */
  signal?: AbortSignal | undefined;
}

/** Keys per group of reads (each its own command). */
const READ_GROUP_KEYS = 256;

/**
 * Reads every key of [start, end) — or only the given indices of it — from the master that
 * owns its slot, and judges it.
 *
 * @example
 * ```ts ignore
 * const masters = servingMasters(transport.topology());
 * const content = await readKeys(transport, stringContent(keyspace), { start: 0, end: N }, masters,
 *   { timeoutMs: 10_000 });
 * ```
 *
 * @param transport Opens the data sockets.
 * @param reader Reads and judges one key.
 * @param range The indices to read.
 * @param masters The masters serving every slot (the current owners).
 * @param options Names, sockets and timeout.
 * @returns One entry per master, in order.
 * @throws {SlotMovedError} when a master answers that a slot moved (read again once the slot
 *   map is stable); {@linkcode ConnectionError} or {@linkcode CheckFailedError} naming the
 *   node for a lost socket or an error reply.
 */
export async function readKeys(
  transport: Transport,
  reader: ContentReader,
  range: { start: number; end: number },
  masters: readonly NodeInfo[],
  options: ReadKeysOptions,
): Promise<MasterContent[]> {
  const names = options.names ?? 3;
  const owners = slotOwners(masters);
  return await Promise.all(masters.map(async (node, master) => {
    const slots = slotsOf(node.slots);
    const groups = options.indices === undefined
      ? keyGroups(masters.length === 1 ? undefined : slots, range.start, range.end, READ_GROUP_KEYS)
      : options.indices.filter((index) => owners[index % SLOT_COUNT] === master)
        .map((index) => ({ first: index, stride: 1, count: 1, slot: index % SLOT_COUNT }));
    const result: MasterContent = {
      node,
      expected: options.indices === undefined
        ? countIndices(slots, range.start, range.end)
        : groups.length,
      found: 0,
      differing: 0,
      missing: [],
      wrong: [],
    };
    const note = (list: number[], index: number) => {
      list.push(index);
      if (list.length >= 64 * Math.max(1, names)) trim(list, names);
    };
    const work: PassWork = {
      commands: (group) => group.count,
      groupBytes: (group) => group.count * reader.commandBytes,
      encode(group, out, offset) {
        let at = offset;
        for (let k = 0; k < group.count; k++) {
          at = reader.encode(group.first + k * group.stride, out, at);
        }
        return at;
      },
      reply(_id, group, command, value) {
        const index = group.first + command * group.stride;
        if (value instanceof RespError && value.code !== "WRONGTYPE") {
          throw replyFailure(value, reader.command, node);
        }
        const verdict = reader.compare(index, value);
        if (verdict === "missing") {
          if (names > 0) note(result.missing, index);
          return;
        }
        result.found++;
        if (verdict === "differs") {
          result.differing++;
          if (names > 0) note(result.wrong, index);
        }
      },
    };
    await runPass(transport, node, groups, work, options);
    trim(result.missing, names);
    trim(result.wrong, names);
    return result;
  }));
}

/** Keeps the `size` smallest numbers of a list, ascending. */
function trim(list: number[], size: number): void {
  list.sort((a, b) => a - b);
  list.length = Math.min(list.length, size);
}
