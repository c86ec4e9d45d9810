/**
 * What a key holds, as a shape recomputes it (`Contents`), and how verify reads it back: the
 * read command of each Redis type and the comparison of its reply with the recomputed
 * contents, naming the first difference.
 *
 * @module
 */

import type { RespValue } from "../resp/parser.ts";
import { RespError } from "../resp/parser.ts";

/** The Redis types a shape can write (what `TYPE key` answers). */
export type RedisType = "string" | "hash" | "list" | "set" | "zset" | "stream";

/** Every Redis type a shape can write, in the order reports list them. */
export const REDIS_TYPES: readonly RedisType[] = [
  "string",
  "hash",
  "list",
  "set",
  "zset",
  "stream",
];

/** Key i's contents, recomputed from (seed, i). */
export type Contents =
  | { type: "string"; value: string }
  | { type: "hash"; fields: [string, string][] }
  | { type: "list"; elements: string[] }
  | { type: "set"; members: string[] }
  | { type: "zset"; members: [string, number][] }
  | { type: "stream"; entries: { id: string; fields: [string, string][] }[] };

/**
 * The command that reads a key of a type back whole.
 *
 * @param type The type.
 * @returns The command's words before and after the key (`["HGETALL"]`, `["LRANGE", "0", "-1"]`).
 */
export function readCommand(type: RedisType): { name: string; before: string[]; after: string[] } {
  switch (type) {
    case "string":
      return { name: "GET", before: ["GET"], after: [] };
    case "hash":
      return { name: "HGETALL", before: ["HGETALL"], after: [] };
    case "list":
      return { name: "LRANGE", before: ["LRANGE"], after: ["0", "-1"] };
    case "set":
      return { name: "SMEMBERS", before: ["SMEMBERS"], after: [] };
    case "zset":
      return { name: "ZRANGE", before: ["ZRANGE"], after: ["0", "-1", "WITHSCORES"] };
    case "stream":
      return { name: "XRANGE", before: ["XRANGE"], after: ["-", "+"] };
  }
}

const decoder = new TextDecoder();

function text(value: RespValue): string | undefined {
  if (value instanceof Uint8Array) return decoder.decode(value);
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

function shown(value: string): string {
  return JSON.stringify(value.length > 24 ? `${value.slice(0, 24)}…` : value);
}

/** The element word of each type, for messages. */
const COUNTED: Record<RedisType, string> = {
  string: "bytes",
  hash: "fields",
  list: "elements",
  set: "members",
  zset: "members",
  stream: "entries",
};

/**
 * Compares a read reply with the recomputed contents.
 *
 * @param expected What key i should hold.
 * @param reply The reply of {@linkcode readCommand}'s command for its type (bulk strings are
 * read during the call only). A missing key reads as `null` (GET) or an empty array.
 * @returns `"missing"`, `"match"`, or one phrase naming the first difference
 * (`field "f3" differs`, `has 9 elements, expected 10`, `member "2:ab" has score 5, expected 3`).
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { compareContents } from "./contents.ts";
 * const bytes = (text: string) => new TextEncoder().encode(text);
 * const hash = { type: "hash" as const, fields: [["f0", "a"], ["f1", "b"]] as [string, string][] };
 * equal(compareContents(hash, [bytes("f1"), bytes("b"), bytes("f0"), bytes("a")]), "match");
 * equal(compareContents(hash, [bytes("f0"), bytes("a"), bytes("f1"), bytes("c")]), 'field "f1" differs');
 * equal(compareContents(hash, []), "missing");
 * ```
 */
export function compareContents(expected: Contents, reply: RespValue): string {
  if (reply instanceof RespError) {
    return reply.code === "WRONGTYPE"
      ? `holds another type, not a ${expected.type}`
      : reply.message;
  }
  if (expected.type === "string") {
    if (reply === null) return "missing";
    const value = text(reply);
    if (value === undefined) return "holds another type, not a string";
    if (value.length !== expected.value.length) {
      return `has ${value.length} bytes, expected ${expected.value.length}`;
    }
    return value === expected.value ? "match" : "its value differs";
  }
  if (!Array.isArray(reply)) return `holds another type, not a ${expected.type}`;
  if (reply.length === 0) return "missing";
  const word = COUNTED[expected.type];
  switch (expected.type) {
    case "hash": {
      const got = pairs(reply);
      if (got.size !== expected.fields.length) {
        return `has ${got.size} ${word}, expected ${expected.fields.length}`;
      }
      for (const [field, value] of expected.fields) {
        const found = got.get(field);
        if (found === undefined) return `field ${shown(field)} is missing`;
        if (found !== value) return `field ${shown(field)} differs`;
      }
      return "match";
    }
    case "list": {
      if (reply.length !== expected.elements.length) {
        return `has ${reply.length} ${word}, expected ${expected.elements.length}`;
      }
      for (let k = 0; k < reply.length; k++) {
        if (text(reply[k]!) !== expected.elements[k]) return `element ${k} differs`;
      }
      return "match";
    }
    case "set": {
      if (reply.length !== expected.members.length) {
        return `has ${reply.length} ${word}, expected ${expected.members.length}`;
      }
      const got = new Set(reply.map((entry) => text(entry)));
      for (const member of expected.members) {
        if (!got.has(member)) return `member ${shown(member)} is missing`;
      }
      return "match";
    }
    case "zset": {
      const got = pairs(reply);
      if (got.size !== expected.members.length) {
        return `has ${got.size} ${word}, expected ${expected.members.length}`;
      }
      for (const [member, score] of expected.members) {
        const found = got.get(member);
        if (found === undefined) return `member ${shown(member)} is missing`;
        if (Number(found) !== score) {
          return `member ${shown(member)} has score ${found}, expected ${score}`;
        }
      }
      return "match";
    }
    case "stream": {
      if (reply.length !== expected.entries.length) {
        return `has ${reply.length} ${word}, expected ${expected.entries.length}`;
      }
      for (let k = 0; k < reply.length; k++) {
        const entry = reply[k];
        const want = expected.entries[k]!;
        if (!Array.isArray(entry) || text(entry[0] ?? null) !== want.id) {
          return `entry ${k} is not ${want.id}`;
        }
        const fields = Array.isArray(entry[1]) ? entry[1] : [];
        if (fields.length !== 2 * want.fields.length) {
          return `entry ${want.id} has ${fields.length / 2} fields, expected ${want.fields.length}`;
        }
        for (let f = 0; f < want.fields.length; f++) {
          if (
            text(fields[2 * f]!) !== want.fields[f]![0] ||
            text(fields[2 * f + 1]!) !== want.fields[f]![1]
          ) {
            return `field ${shown(want.fields[f]![0])} of entry ${want.id} differs`;
          }
        }
      }
      return "match";
    }
  }
}

function pairs(reply: RespValue[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let k = 0; k + 1 < reply.length; k += 2) {
    map.set(text(reply[k]!) ?? "", text(reply[k + 1]!) ?? "");
  }
  return map;
}

/**
 * Bytes of payload in contents (what a fill counts: the key is added by the caller).
 *
 * @param contents What a key holds.
 * @returns Bytes of values, fields and members (scores and stream ids not counted).
 */
export function contentBytes(contents: Contents): number {
  const utf8 = (value: string) => new TextEncoder().encode(value).length;
  switch (contents.type) {
    case "string":
      return utf8(contents.value);
    case "hash":
      return contents.fields.reduce((sum, [f, v]) => sum + utf8(f) + utf8(v), 0);
    case "list":
      return contents.elements.reduce((sum, e) => sum + utf8(e), 0);
    case "set":
      return contents.members.reduce((sum, m) => sum + utf8(m), 0);
    case "zset":
      return contents.members.reduce((sum, [m]) => sum + utf8(m), 0);
    case "stream":
      return contents.entries.reduce(
        (sum, entry) => sum + entry.fields.reduce((s, [f, v]) => s + utf8(f) + utf8(v), 0),
        0,
      );
  }
}
