/**
 * The built-in data shapes — string, hash, list, set, zset, stream — each made with the same
 * {@linkcode defineShape} a plugin uses, with a generator that encodes key i's commands
 * straight into a batch buffer from (seed, i): counts and sizes drawn from the size forms,
 * bytes copied from the keyspace's pool.
 *
 * - string: `SET k v [EX ttl]`; value i is the same as the plain fill's for a fixed size.
 * - hash: `DEL k`, `HSET k f0 v0 …` (fields named `f0`, `f1`, …).
 * - list: `DEL k`, `RPUSH k e0 e1 …`.
 * - set: `DEL k`, `SADD k m0 …`; member j starts with `j:`, so members are unique.
 * - zset: `DEL k`, `ZADD k s0 m0 …`; members as for a set, integer scores from `scores`.
 * - stream: `DEL k`, then `XADD k 1-<e+1> f0 v0 …` for each entry e (explicit ids).
 *
 * Every type but a string gets `EXPIRE k ttl` after its write when the keyspace has a TTL.
 * `DEL` first makes every write idempotent: a key re-sent after a failover ends the same.
 *
 * @module
 */

import { z } from "zod";
import { type Contents, type RedisType } from "./contents.ts";
import {
  defineShape,
  type ShapeDefinition,
  type ShapeEnv,
  type ShapeGenerator,
  ShapeRegistry,
} from "./define.ts";
import { KeyRandom, mix, VALUE_POOL_BYTES } from "./pool.ts";
import { parseSizeForm, pickSize, type SizeForm, sizeFormProblem } from "./sizes.ts";
import { ReplyParser, type RespValue } from "../resp/parser.ts";

/**
 * A size-form option (`512`, `100-10000`, `64:60,1KiB:30`): its problems are one phrase each,
 * and a flag's message names the flag.
 *
 * @param name The option's name, for messages.
 * @param fallback The default, as written.
 * @param least The smallest size allowed.
 * @returns The schema (output: the parsed form).
 */
export function sizeFormOption(name: string, fallback: string | number, least = 1) {
  return z.union([z.number(), z.string()]).superRefine((value, ctx) => {
    const problem = sizeFormProblem(value, least);
    if (problem === undefined) return;
    ctx.addIssue({
      code: "custom",
      message: problem,
      params: {
        words: (named: (option: string) => string) => `Invalid ${named(name)}: ${problem}`,
      },
    });
  }).default(fallback).transform((value) => parseSizeForm(value, least));
}

const LANE = 7;
const encoder = new TextEncoder();

function digits(value: number): number {
  if (value < 10) return 1;
  if (value < 100) return 2;
  if (value < 1000) return 3;
  if (value < 10000) return 4;
  if (value < 100000) return 5;
  if (value < 1000000) return 6;
  let count = 7;
  for (let rest = Math.floor(value / 1e7); rest >= 1; rest = Math.floor(rest / 10)) count++;
  return count;
}

function bulk(length: number): number {
  return 1 + digits(length) + 2 + length + 2;
}

function header(count: number): number {
  return 1 + digits(count) + 2;
}

function writeNumber(out: Uint8Array, at: number, value: number): number {
  if (value < 10) {
    out[at] = 48 + value;
    return at + 1;
  }
  const width = digits(value);
  let rest = value;
  if (value < 0x80000000) {
    for (let k = at + width - 1; k >= at; k--) {
      const q = (rest / 10) | 0;
      out[k] = 48 + rest - q * 10;
      rest = q;
    }
  } else {
    for (let k = at + width - 1; k >= at; k--) {
      const q = Math.floor(rest / 10);
      out[k] = 48 + rest - q * 10;
      rest = q;
    }
  }
  return at + width;
}

function writeHead(out: Uint8Array, at: number, mark: number, value: number): number {
  out[at] = mark;
  const end = writeNumber(out, at + 1, value);
  out[end] = 0x0d;
  out[end + 1] = 0x0a;
  return end + 2;
}

function writeWord(out: Uint8Array, at: number, word: Uint8Array): number {
  out.set(word, at);
  return at + word.length;
}

function words(...list: string[]): Uint8Array[] {
  return list.map((word) => encoder.encode(`$${word.length}\r\n${word}\r\n`));
}

const [DEL, SET, HSET, RPUSH, SADD, ZADD, XADD, EXPIRE, EX] = words(
  "DEL",
  "SET",
  "HSET",
  "RPUSH",
  "SADD",
  "ZADD",
  "XADD",
  "EXPIRE",
  "EX",
);

/** How a built-in type lays out its elements. */
interface Layout {
  type: RedisType;
  /** Elements (stream: entries). */
  count: SizeForm;
  /** Bytes of each element (hash: of each value; stream: of each field value). */
  size: SizeForm;
  /** Stream: fields per entry. */
  fields?: SizeForm;
  /** Zset: scores. */
  scores?: SizeForm;
}

/**
 * The generator of a built-in shape: key i's counts, sizes, pool offsets and scores are drawn
 * into scratch arrays by `layout(i)`, then `encode` writes them.
 */
class ElementsGenerator implements ShapeGenerator {
  readonly type: RedisType;
  readonly maxCommandBytes: number;
  readonly meanPayloadBytes: number;
  commands = 0;
  payloadBytes = 0;
  readonly #layout: Layout;
  readonly #env: ShapeEnv;
  readonly #pool: Uint8Array;
  readonly #random = new KeyRandom(0);
  readonly #keySize: number;
  #sizes = new Int32Array(64);
  #offsets = new Int32Array(64);
  #scores = new Float64Array(64);
  #index = -1;
  #count = 0;
  #fields = 0;
  #ttl = 0;

  constructor(layout: Layout, env: ShapeEnv) {
    this.type = layout.type;
    this.#layout = layout;
    this.#env = env;
    this.#keySize = env.keys.keySize;
    this.#pool = env.pool(layout.size.max);
    const items = layout.count.max * (layout.fields?.max ?? 1);
    const K = bulk(this.#keySize);
    const value = bulk(layout.size.max);
    const name = bulk(1 + digits(items));
    const ttl = 8 + 2 * 13 + 4 + header(3) + EXPIRE!.length + K;
    const del = header(2) + DEL!.length + K;
    let most: number;
    switch (layout.type) {
      case "string":
        most = header(5) + SET!.length + K + value + EX!.length + 16;
        break;
      case "hash":
        most = del + header(2 + 2 * items) + HSET!.length + K + items * (name + value) + ttl;
        break;
      case "list":
      case "set":
        most = del + header(2 + items) + RPUSH!.length + K + items * value + ttl;
        break;
      case "zset":
        most = del + header(2 + 2 * items) + ZADD!.length + K +
          items * (bulk(digits(layout.scores!.max)) + value) + ttl;
        break;
      case "stream": {
        const fields = layout.fields!.max;
        most = del + ttl + layout.count.max *
            (header(3 + 2 * fields) + XADD!.length + K + bulk(2 + 2 * 10) +
              fields * (name + value));
        break;
      }
    }
    this.maxCommandBytes = most;
    const perItem = layout.type === "hash" || layout.type === "stream"
      ? layout.size.mean + 1 + digits(Math.max(0, (layout.fields ?? layout.count).mean))
      : layout.size.mean;
    this.meanPayloadBytes = this.#keySize +
      layout.count.mean * (layout.fields?.mean ?? 1) * perItem;
  }

  layout(index: number): number {
    const layout = this.#layout;
    const seed = this.#env.seed;
    const random = this.#random.reset(mix(seed, index, LANE));
    this.#index = index;
    this.#ttl = this.#env.ttl(index);
    const K = bulk(this.#keySize);
    let bytes: number;
    let payload = this.#keySize;
    if (layout.type === "string") {
      // The plain fill's value for a fixed size: offset mix(seed, i) in the pool.
      const size = pickSize(layout.size, mix(seed, index, 2));
      this.#grow(1);
      this.#sizes[0] = size;
      this.#offsets[0] = mix(seed, index) % (VALUE_POOL_BYTES + 1);
      this.#count = 1;
      this.commands = 1;
      payload += size;
      bytes = header(this.#ttl > 0 ? 5 : 3) + SET!.length + K + bulk(size) +
        (this.#ttl > 0 ? EX!.length + bulk(digits(this.#ttl)) : 0);
      this.payloadBytes = payload;
      return bytes;
    }
    const count = pickSize(layout.count, random.next());
    const fields = layout.fields ? pickSize(layout.fields, random.next()) : 1;
    const items = count * fields;
    this.#grow(items);
    this.#count = count;
    this.#fields = fields;
    const sizes = this.#sizes;
    const offsets = this.#offsets;
    let body = 0;
    for (let j = 0; j < items; j++) {
      const size = pickSize(layout.size, random.next());
      sizes[j] = size;
      offsets[j] = random.next() & (VALUE_POOL_BYTES - 1);
      payload += size;
      body += bulk(size);
    }
    bytes = header(2) + DEL!.length + K;
    this.commands = 2;
    switch (layout.type) {
      case "hash":
        for (let j = 0; j < items; j++) {
          const name = 1 + digits(j);
          payload += name;
          body += bulk(name);
        }
        bytes += header(2 + 2 * items) + HSET!.length + K + body;
        break;
      case "list":
      case "set":
        bytes += header(2 + items) + RPUSH!.length - (layout.type === "set" ? 1 : 0) + K + body;
        break;
      case "zset":
        for (let j = 0; j < items; j++) {
          const score = pickSize(layout.scores!, random.next());
          this.#scores[j] = score;
          body += bulk(digits(score));
        }
        bytes += header(2 + 2 * items) + ZADD!.length + K + body;
        break;
      case "stream":
        for (let j = 0; j < fields; j++) {
          const name = 1 + digits(j);
          payload += name * count;
          body += bulk(name) * count;
        }
        for (let e = 0; e < count; e++) {
          bytes += header(3 + 2 * fields) + XADD!.length + K + bulk(2 + digits(e + 1));
        }
        bytes += body;
        this.commands = 1 + count;
        break;
    }
    if (this.#ttl > 0) {
      bytes += header(3) + EXPIRE!.length + K + bulk(digits(this.#ttl));
      this.commands++;
    }
    this.payloadBytes = payload;
    return bytes;
  }

  encode(out: Uint8Array, offset: number): number {
    const index = this.#index;
    const type = this.type;
    let at = offset;
    if (type === "string") {
      at = writeHead(out, at, 0x2a, this.#ttl > 0 ? 5 : 3);
      at = writeWord(out, at, SET!);
      at = this.#key(out, at);
      at = this.#value(out, at, 0, -1);
      if (this.#ttl > 0) {
        at = writeWord(out, at, EX!);
        at = writeHead(out, at, 0x24, digits(this.#ttl));
        at = this.#crlf(out, writeNumber(out, at, this.#ttl));
      }
      return at;
    }
    at = writeHead(out, at, 0x2a, 2);
    at = writeWord(out, at, DEL!);
    at = this.#key(out, at);
    const count = this.#count;
    switch (type) {
      case "hash":
        at = writeHead(out, at, 0x2a, 2 + 2 * count);
        at = writeWord(out, at, HSET!);
        at = this.#key(out, at);
        for (let j = 0; j < count; j++) {
          at = this.#name(out, at, j);
          at = this.#value(out, at, j, -1);
        }
        break;
      case "list":
      case "set":
        at = writeHead(out, at, 0x2a, 2 + count);
        at = writeWord(out, at, type === "list" ? RPUSH! : SADD!);
        at = this.#key(out, at);
        for (let j = 0; j < count; j++) at = this.#value(out, at, j, type === "set" ? j : -1);
        break;
      case "zset":
        at = writeHead(out, at, 0x2a, 2 + 2 * count);
        at = writeWord(out, at, ZADD!);
        at = this.#key(out, at);
        for (let j = 0; j < count; j++) {
          const score = this.#scores[j]!;
          at = writeHead(out, at, 0x24, digits(score));
          at = this.#crlf(out, writeNumber(out, at, score));
          at = this.#value(out, at, j, j);
        }
        break;
      case "stream": {
        const fields = this.#fields;
        for (let e = 0; e < count; e++) {
          at = writeHead(out, at, 0x2a, 3 + 2 * fields);
          at = writeWord(out, at, XADD!);
          at = this.#key(out, at);
          at = writeHead(out, at, 0x24, 2 + digits(e + 1));
          out[at++] = 0x31; // "1-<e+1>"
          out[at++] = 0x2d;
          at = this.#crlf(out, writeNumber(out, at, e + 1));
          for (let f = 0; f < fields; f++) {
            at = this.#name(out, at, f);
            at = this.#value(out, at, e * fields + f, -1);
          }
        }
        break;
      }
    }
    if (this.#ttl > 0) {
      at = writeHead(out, at, 0x2a, 3);
      at = writeWord(out, at, EXPIRE!);
      at = this.#key(out, at);
      at = writeHead(out, at, 0x24, digits(this.#ttl));
      at = this.#crlf(out, writeNumber(out, at, this.#ttl));
    }
    void index;
    return at;
  }

  contents(index: number): Contents {
    this.layout(index);
    const out = new Uint8Array(this.maxCommandBytes + 64);
    const end = this.encode(out, 0);
    const commands: string[][] = [];
    const decoder = new TextDecoder();
    new ReplyParser((value: RespValue) => {
      commands.push((value as Uint8Array[]).map((word) => decoder.decode(word)));
    }).push(out.subarray(0, end));
    return contentsOf(this.type, commands);
  }

  #grow(items: number): void {
    if (items <= this.#sizes.length) return;
    const size = Math.max(items, 2 * this.#sizes.length);
    this.#sizes = new Int32Array(size);
    this.#offsets = new Int32Array(size);
    this.#scores = new Float64Array(size);
  }

  #crlf(out: Uint8Array, at: number): number {
    out[at] = 0x0d;
    out[at + 1] = 0x0a;
    return at + 2;
  }

  #key(out: Uint8Array, at: number): number {
    const size = this.#keySize;
    let to = writeHead(out, at, 0x24, size);
    this.#env.keys.writeKey(this.#index, out, to);
    to += size;
    return this.#crlf(out, to);
  }

  #name(out: Uint8Array, at: number, j: number): number {
    let to = writeHead(out, at, 0x24, 1 + digits(j));
    out[to++] = 0x66; // "f"
    return this.#crlf(out, writeNumber(out, to, j));
  }

  /** Element j's bytes; `member` ≥ 0 starts them with `member:` (unique members). */
  #value(out: Uint8Array, at: number, j: number, member: number): number {
    const size = this.#sizes[j]!;
    let to = writeHead(out, at, 0x24, size);
    const repeat = Math.floor(this.#env.compressibility * size);
    const unique = size - repeat;
    const from = this.#offsets[j]!;
    const pool = this.#pool;
    if (unique <= 32) {
      for (let k = 0; k < unique; k++) out[to + k] = pool[from + k]!;
    } else {
      out.set(pool.subarray(from, from + unique), to);
    }
    if (repeat > 0) out.fill(0x2e, to + unique, to + size); // "."
    if (member >= 0) {
      const end = writeNumber(out, to, member);
      out[end] = 0x3a; // ":"
    }
    to += size;
    return this.#crlf(out, to);
  }
}

/**
 * Contents from the commands a built-in generator wrote (each as its words).
 *
 * @param type The type.
 * @param commands The commands, in order.
 * @returns What the key holds after them.
 */
function contentsOf(type: RedisType, commands: string[][]): Contents {
  const writes = commands.filter((words) => words[0] !== "DEL" && words[0] !== "EXPIRE");
  const args = (words: string[]) => words.slice(2);
  const pairs = (list: string[]) => {
    const out: [string, string][] = [];
    for (let k = 0; k + 1 < list.length; k += 2) out.push([list[k]!, list[k + 1]!]);
    return out;
  };
  switch (type) {
    case "string":
      return { type, value: writes[0]![2]! };
    case "hash":
      return { type, fields: pairs(args(writes[0]!)) };
    case "list":
      return { type, elements: args(writes[0]!) };
    case "set":
      return { type, members: args(writes[0]!) };
    case "zset":
      return {
        type,
        members: pairs(args(writes[0]!)).map(([score, member]) => [member, Number(score)]),
      };
    case "stream":
      return {
        type,
        entries: writes.map((words) => ({ id: words[2]!, fields: pairs(words.slice(3)) })),
      };
  }
}

/** Members must hold `j:` for every member index j: the smallest size that does. */
function refineMembers(
  options: { members: SizeForm; "member-size": SizeForm },
  ctx: z.RefinementCtx,
): void {
  const least = digits(Math.max(0, options.members.max - 1)) + 1;
  if (options["member-size"].min >= least) return;
  const problem = `members of ${
    options["member-size"].min
  } bytes cannot be unique among ${options.members.max}: use member-size ${least} or more`;
  ctx.addIssue({
    code: "custom",
    path: ["member-size"],
    message: `expected at least ${least} bytes (members start with their number, to be unique)`,
    params: {
      words: (named: (option: string) => string) =>
        `Invalid ${named("member-size")}: ${problem.replace("member-size", named("member-size"))}`,
    },
  });
}

/** The string shape: `SET k v`, value sizes in any size form. */
export const stringShape: ShapeDefinition = defineShape({
  name: "string",
  description: "Strings: SET key value, value-size in any size form",
  type: "string",
  options: z.strictObject({
    "value-size": sizeFormOption("value-size", 512).describe(
      "Bytes per value: 512, 100-10000 or 64:60,1KiB:30,64KiB:10 (default 512)",
    ),
  }),
  generator: (options, env) =>
    new ElementsGenerator({
      type: "string",
      count: parseSizeForm(1),
      size: options["value-size"],
    }, env),
});

/** The hash shape: `HSET k f0 v0 …`. */
export const hashShape: ShapeDefinition = defineShape({
  name: "hash",
  description: "Hashes: HSET key f0 v0 f1 v1 …",
  type: "hash",
  options: z.strictObject({
    fields: sizeFormOption("fields", 10).describe("Fields per hash, e.g. 10-50 (default 10)"),
    "field-size": sizeFormOption("field-size", 64).describe(
      "Bytes per field value, e.g. 16-128 (default 64)",
    ),
  }),
  generator: (options, env) =>
    new ElementsGenerator(
      { type: "hash", count: options.fields, size: options["field-size"] },
      env,
    ),
});

/** The list shape: `RPUSH k e0 e1 …`. */
export const listShape: ShapeDefinition = defineShape({
  name: "list",
  description: "Lists: RPUSH key e0 e1 …",
  type: "list",
  options: z.strictObject({
    elements: sizeFormOption("elements", 10).describe("Elements per list (default 10)"),
    "element-size": sizeFormOption("element-size", 64).describe(
      "Bytes per element (default 64)",
    ),
  }),
  generator: (options, env) =>
    new ElementsGenerator(
      { type: "list", count: options.elements, size: options["element-size"] },
      env,
    ),
});

/** The set shape: `SADD k m0 m1 …`. */
export const setShape: ShapeDefinition = defineShape({
  name: "set",
  description: "Sets: SADD key m0 m1 … (member j starts with j:, so members are unique)",
  type: "set",
  options: z.strictObject({
    members: sizeFormOption("members", 10).describe("Members per set (default 10)"),
    "member-size": sizeFormOption("member-size", 64).describe("Bytes per member (default 64)"),
  }).superRefine(refineMembers),
  generator: (options, env) =>
    new ElementsGenerator(
      { type: "set", count: options.members, size: options["member-size"] },
      env,
    ),
});

/** The sorted-set shape: `ZADD k s0 m0 …`. */
export const zsetShape: ShapeDefinition = defineShape({
  name: "zset",
  description: "Sorted sets: ZADD key s0 m0 s1 m1 … (integer scores)",
  type: "zset",
  options: z.strictObject({
    members: sizeFormOption("members", 10).describe("Members per sorted set (default 10)"),
    "member-size": sizeFormOption("member-size", 64).describe("Bytes per member (default 64)"),
    scores: sizeFormOption("scores", "0-1000000", 0).describe(
      "Integer scores, a range like 0-1000000 (the default)",
    ),
  }).superRefine(refineMembers),
  generator: (options, env) =>
    new ElementsGenerator({
      type: "zset",
      count: options.members,
      size: options["member-size"],
      scores: options.scores,
    }, env),
});

/** The stream shape: `XADD k 1-<e> f0 v0 …` per entry. */
export const streamShape: ShapeDefinition = defineShape({
  name: "stream",
  description: "Streams: XADD key 1-<n> f0 v0 … per entry, with explicit ids",
  type: "stream",
  options: z.strictObject({
    entries: sizeFormOption("entries", 10).describe("Entries per stream (default 10)"),
    fields: sizeFormOption("fields", 2).describe("Fields per entry (default 2)"),
    "field-size": sizeFormOption("field-size", 64).describe(
      "Bytes per field value (default 64)",
    ),
  }),
  generator: (options, env) =>
    new ElementsGenerator({
      type: "stream",
      count: options.entries,
      size: options["field-size"],
      fields: options.fields,
    }, env),
});

/** The built-in shapes, in the order help lists them. */
export const BUILTIN_SHAPES: readonly ShapeDefinition[] = [
  stringShape,
  hashShape,
  listShape,
  setShape,
  zsetShape,
  streamShape,
];

/**
 * A registry holding the built-in shapes (registered as a plugin would be).
 *
 * @returns The registry.
 */
export function builtinShapes(): ShapeRegistry {
  const registry = new ShapeRegistry();
  for (const shape of BUILTIN_SHAPES) registry.register(shape);
  return registry;
}
