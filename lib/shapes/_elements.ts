/**
 * The generator of the built-in shapes: key i's counts, sizes, pool offsets and scores drawn
 * from (seed, i), then its commands written straight into a batch buffer. Private to
 * lib/shapes.
 *
 * @module
 */

import type { Contents, RedisType } from "./contents.ts";
import type { ShapeEnv, ShapeGenerator } from "./define.ts";
import { KeyRandom, mix, VALUE_POOL_BYTES } from "./pool.ts";
import { pickSize } from "./sizes.ts";
import { ReplyParser, type RespValue } from "../resp/parser.ts";
import { contentsOf, type Layout } from "./_layout.ts";

export type { Layout };

const LANE = 7;
const encoder = new TextEncoder();

/** Decimal digits of a whole number ≥ 0. */
export function digits(value: number): number {
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
  if (value < 100) {
    const tens = (value / 10) | 0;
    out[at] = 48 + tens;
    out[at + 1] = 48 + value - tens * 10;
    return at + 2;
  }
  return writeDigits(out, at, value, digits(value));
}

/** "00" … "99": two digits per division. */
const PAIRS = Uint8Array.from(
  { length: 200 },
  (_, k) => 48 + (k & 1 ? (k >> 1) % 10 : (k >> 1) / 10 | 0),
);

/** Writes `value` (≥ 0) as `width` = digits(value) decimal digits. */
function writeDigits(out: Uint8Array, at: number, value: number, width: number): number {
  if (value < 0x80000000) {
    // In int32 arithmetic (`rest / 100` truncated is one multiply, not a float division), two
    // digits at a time.
    let rest = value | 0;
    let k = at + width;
    while (k - at >= 2) {
      const q = (rest / 100) | 0;
      const pair = (rest - q * 100) << 1;
      out[k - 1] = PAIRS[pair + 1]!;
      out[k - 2] = PAIRS[pair]!;
      rest = q;
      k -= 2;
    }
    if (k > at) out[at] = 48 + rest;
  } else {
    let rest = value;
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

/** Writes `value` (≥ 0) as a bulk string of its decimal digits. */
function writeBulkNumber(out: Uint8Array, at: number, value: number): number {
  const width = digits(value);
  out[at] = 0x24;
  let to = writeNumber(out, at + 1, width);
  out[to] = 0x0d;
  out[to + 1] = 0x0a;
  to = writeDigits(out, to + 2, value, width);
  out[to] = 0x0d;
  out[to + 1] = 0x0a;
  return to + 2;
}

function writeWord(out: Uint8Array, at: number, word: Uint8Array): number {
  // The words are a few bytes: a loop beats the call into TypedArray.prototype.set.
  const length = word.length;
  for (let k = 0; k < length; k++) out[at + k] = word[k]!;
  return at + length;
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

/**
 * The generator of a built-in shape: key i's counts, sizes, pool offsets and scores are drawn
 * into scratch arrays by `layout(i)`, then `encode` writes them.
 */
export class ElementsGenerator implements ShapeGenerator {
  readonly type: RedisType;
  readonly maxCommandBytes: number;
  readonly meanPayloadBytes: number;
  commands = 0;
  payloadBytes = 0;
  readonly #layout: Layout;
  readonly #env: ShapeEnv;
  /** The pool its values are windows of. */
  readonly pool: Uint8Array;
  readonly #random = new KeyRandom(0);
  readonly #keySize: number;
  /** Bytes of a key's bulk string: `$<size>\r\n<key>\r\n`. */
  readonly #keyBulkBytes: number;
  #sizes = new Int32Array(64);
  #offsets = new Int32Array(64);
  /** Scores fit an int32: the `scores` option takes at most 512 MiB (536,870,912). */
  #scores = new Int32Array(64);
  #index = -1;
  #count = 0;
  #fields = 0;
  #ttl = 0;
  readonly #compressibility: number;
  /** A view of the last buffer given to `encodeWithPool`, for 4- and 8-byte copies. */
  #view: DataView = new DataView(new ArrayBuffer(0));
  #viewOf: Uint8Array | undefined;
  /** Every element's size when the size form is one number, else -1. */
  readonly #fixedSize: number;

  constructor(layout: Layout, env: ShapeEnv) {
    this.type = layout.type;
    this.#layout = layout;
    this.#env = env;
    this.#keySize = env.keys.keySize;
    this.#keyBulkBytes = bulk(this.#keySize);
    this.pool = env.pool(layout.size.max);
    this.#compressibility = env.compressibility;
    this.#fixedSize = layout.size.buckets === undefined && layout.size.min === layout.size.max
      ? layout.size.min
      : -1;
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
    const random = this.#random.reset(mix(seed, index, LANE));
    const count = pickSize(layout.count, random.next());
    const fields = layout.fields ? pickSize(layout.fields, random.next()) : 1;
    const items = count * fields;
    this.#grow(items);
    this.#count = count;
    this.#fields = fields;
    const sizes = this.#sizes;
    const offsets = this.#offsets;
    let body = 0;
    const fixed = this.#fixedSize;
    if (fixed >= 0) {
      // One size: its draw is skipped (the stream still moves past it), the sums multiplied.
      for (let j = 0; j < items; j++) {
        random.skip();
        sizes[j] = fixed;
        offsets[j] = random.next() & (VALUE_POOL_BYTES - 1);
      }
      payload += items * fixed;
      body += items * bulk(fixed);
    } else {
      for (let j = 0; j < items; j++) {
        const size = pickSize(layout.size, random.next());
        sizes[j] = size;
        offsets[j] = random.next() & (VALUE_POOL_BYTES - 1);
        payload += size;
        body += bulk(size);
      }
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
    return this.encodeWithPool(out, offset, -1);
  }

  encodeWithPool(out: Uint8Array, offset: number, poolAt: number): number {
    if (out !== this.#viewOf) {
      this.#view = new DataView(out.buffer, out.byteOffset, out.byteLength);
      this.#viewOf = out;
    }
    const type = this.type;
    let at = offset;
    if (type === "string") {
      at = writeHead(out, at, 0x2a, this.#ttl > 0 ? 5 : 3);
      at = writeWord(out, at, SET!);
      at = this.#key(out, at);
      at = this.#value(out, at, 0, -1, poolAt);
      if (this.#ttl > 0) {
        at = writeWord(out, at, EX!);
        at = writeBulkNumber(out, at, this.#ttl);
      }
      return at;
    }
    at = writeHead(out, at, 0x2a, 2);
    at = writeWord(out, at, DEL!);
    const key = at;
    at = this.#key(out, at);
    const count = this.#count;
    switch (type) {
      case "hash":
        at = writeHead(out, at, 0x2a, 2 + 2 * count);
        at = writeWord(out, at, HSET!);
        at = this.#keyAgain(out, at, key);
        for (let j = 0; j < count; j++) {
          at = this.#name(out, at, j);
          at = this.#value(out, at, j, -1, poolAt);
        }
        break;
      case "list":
      case "set":
        at = writeHead(out, at, 0x2a, 2 + count);
        at = writeWord(out, at, type === "list" ? RPUSH! : SADD!);
        at = this.#keyAgain(out, at, key);
        if (type === "set") {
          for (let j = 0; j < count; j++) at = this.#value(out, at, j, j, poolAt);
        } else {
          for (let j = 0; j < count; j++) at = this.#value(out, at, j, -1, poolAt);
        }
        break;
      case "zset":
        at = writeHead(out, at, 0x2a, 2 + 2 * count);
        at = writeWord(out, at, ZADD!);
        at = this.#keyAgain(out, at, key);
        for (let j = 0; j < count; j++) {
          at = writeBulkNumber(out, at, this.#scores[j]!);
          at = this.#value(out, at, j, j, poolAt);
        }
        break;
      case "stream": {
        const fields = this.#fields;
        for (let e = 0; e < count; e++) {
          at = writeHead(out, at, 0x2a, 3 + 2 * fields);
          at = writeWord(out, at, XADD!);
          at = this.#keyAgain(out, at, key);
          at = writeHead(out, at, 0x24, 2 + digits(e + 1));
          out[at++] = 0x31; // "1-<e+1>"
          out[at++] = 0x2d;
          at = this.#crlf(out, writeNumber(out, at, e + 1));
          for (let f = 0; f < fields; f++) {
            at = this.#name(out, at, f);
            at = this.#value(out, at, e * fields + f, -1, poolAt);
          }
        }
        break;
      }
    }
    if (this.#ttl > 0) {
      at = writeHead(out, at, 0x2a, 3);
      at = writeWord(out, at, EXPIRE!);
      at = this.#keyAgain(out, at, key);
      at = writeBulkNumber(out, at, this.#ttl);
    }
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
    this.#scores = new Int32Array(size);
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

  /** Key i's bulk string again, copied from `first`, where `#key` wrote it in `out`. */
  #keyAgain(out: Uint8Array, at: number, first: number): number {
    const length = this.#keyBulkBytes;
    const view = this.#view;
    let k = 0;
    for (; k + 4 <= length; k += 4) view.setUint32(at + k, view.getUint32(first + k, true), true);
    for (; k < length; k++) out[at + k] = out[first + k]!;
    return at + length;
  }

  #name(out: Uint8Array, at: number, j: number): number {
    let to = writeHead(out, at, 0x24, 1 + digits(j));
    out[to++] = 0x66; // "f"
    return this.#crlf(out, writeNumber(out, to, j));
  }

  /**
   * Element j's bytes; `member` ≥ 0 starts them with `member:` (unique members). With
   * `poolAt` ≥ 0, `out` holds a copy of the pool there.
   */
  #value(out: Uint8Array, at: number, j: number, member: number, poolAt: number): number {
    const size = this.#sizes[j]!;
    let to = writeHead(out, at, 0x24, size);
    const repeat = this.#compressibility > 0 ? Math.floor(this.#compressibility * size) : 0;
    const unique = size - repeat;
    const from = this.#offsets[j]!;
    if (poolAt < 0) {
      const pool = this.pool;
      if (unique <= 16) {
        for (let k = 0; k < unique; k++) out[to + k] = pool[from + k]!;
      } else {
        out.set(pool.subarray(from, from + unique), to);
      }
    } else if (unique < 64) {
      // Below 64 bytes, 8-byte moves beat a call to copyWithin. They go through float64, which
      // copies every bit pattern but a NaN's: the pool's bytes are printable (0x2b…0x7a), so
      // the top byte of any 8 of them is at most 0x7a and the exponent is never all ones.
      const view = this.#view;
      const start = poolAt + from;
      let k = 0;
      for (; k + 8 <= unique; k += 8) {
        view.setFloat64(to + k, view.getFloat64(start + k, true), true);
      }
      if (k + 4 <= unique) {
        view.setUint32(to + k, view.getUint32(start + k, true), true);
        k += 4;
      }
      for (; k < unique; k++) out[to + k] = out[start + k]!;
    } else {
      out.copyWithin(to, poolAt + from, poolAt + from + unique);
    }
    if (repeat > 0) out.fill(0x2e, to + unique, to + size); // "."
    if (member >= 0) {
      const end = writeNumber(out, to, member);
      out[end] = 0x3a; // ":"
    }
    to += size;
    out[to] = 0x0d;
    out[to + 1] = 0x0a;
    return to + 2;
  }
}
