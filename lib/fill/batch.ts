/**
 * Batches of ready RESP `SET` commands for a writer's share of the keyspace.
 *
 * @module
 */

import { type Keyspace, mix } from "./keyspace.ts";
import { SLOT_COUNT } from "../cluster/slots.ts";
import { slotTagTable, TAG_LENGTH } from "./slot_tags.ts";

const encoder = new TextEncoder();

/** Where a writer's key indices come from. */
export interface IndexCursor {
  /** The next index, or -1 when there are no more. */
  next(): number;
}

/**
 * Walks the key indices in [start, end) whose slot (i mod 16384) is in a set of slots, in
 * increasing order.
 */
export class SlotCursor implements IndexCursor {
  readonly #slots: Int32Array;
  readonly #start: number;
  readonly #end: number;
  #round: number;
  #position = 0;

  /**
   * @param slots The slots, sorted ascending, without duplicates.
   * @param start First index (inclusive).
   * @param end Last index (exclusive).
   */
  constructor(slots: Int32Array, start: number, end: number) {
    this.#slots = slots;
    this.#start = start;
    this.#end = end;
    this.#round = Math.floor(start / SLOT_COUNT);
  }

  /**
   * The next index, or -1 when the walk is over.
   *
   * @returns An index.
   */
  next(): number {
    const slots = this.#slots;
    if (slots.length === 0) return -1;
    for (;;) {
      if (this.#position === slots.length) {
        this.#position = 0;
        this.#round++;
      }
      const index = this.#round * SLOT_COUNT + slots[this.#position]!;
      if (index >= this.#end) {
        if (this.#position === 0) return -1;
        this.#position = slots.length;
        continue;
      }
      this.#position++;
      if (index >= this.#start) return index;
    }
  }

  /**
   * How many indices the walk yields in all.
   *
   * @returns The count.
   */
  total(): number {
    return countIndices(this.#slots, this.#start, this.#end);
  }
}

/**
 * Counts the indices in [start, end) whose slot is in `slots`.
 *
 * @param slots The slots.
 * @param start First index (inclusive).
 * @param end Last index (exclusive).
 * @returns The count.
 */
export function countIndices(slots: Int32Array, start: number, end: number): number {
  let total = 0;
  for (const slot of slots) {
    const first = Math.ceil((start - slot) / SLOT_COUNT);
    const last = Math.ceil((end - slot) / SLOT_COUNT);
    total += Math.max(0, last - Math.max(first, 0));
  }
  return total;
}

/** What one call of {@linkcode BatchEncoder.fill} produced. */
export interface EncodedBatch {
  /** Bytes of RESP written into the buffer. */
  length: number;
  /** Commands (keys) in the batch. */
  keys: number;
}

/**
 * Encodes `SET key value [EX ttl]` commands for a keyspace into caller-owned buffers.
 *
 * Without a TTL every command has the same size, so a buffer is primed once with the command
 * template at every position and each key then only rewrites its tag, index digits and value.
 */
export class BatchEncoder {
  /** The largest encoded size of one command. */
  readonly maxCommandBytes: number;
  /** Encodes the command for one key at `offset` and returns the offset after it. */
  readonly encodeOne: (index: number, out: Uint8Array, offset: number) => number;
  readonly #patchOne:
    | ((index: number, out: Uint8Array, offset: number, poolAt: number) => number)
    | undefined;
  readonly #template: Uint8Array;
  readonly #primed = new WeakSet<Uint8Array>();
  readonly #pool: Uint8Array;
  /** Usable bytes of each buffer made by {@linkcode BatchEncoder.allocate}. */
  readonly #arenas = new WeakMap<Uint8Array, number>();

  /** @param keyspace The keyspace to encode. */
  constructor(keyspace: Keyspace) {
    const { keySize, valueSize, ttl, seed } = keyspace.params;
    const hasTtl = ttl !== undefined;
    const head = encoder.encode(`*${hasTtl ? 5 : 3}\r\n$3\r\nSET\r\n$${keySize}\r\n`);
    const middle = encoder.encode(`\r\n$${valueSize}\r\n`);
    const template = new Uint8Array(head.length + keySize + middle.length + valueSize + 2);
    template.set(head, 0);
    template.set(keyspace.keyTemplate, head.length);
    template.set(middle, head.length + keySize);
    template[template.length - 2] = 0x0d;
    template[template.length - 1] = 0x0a;
    this.#template = template;
    // "$2\r\nEX\r\n$<digits>\r\n<digits>\r\n" with a TTL.
    this.maxCommandBytes = template.length + (hasTtl ? 8 + 2 * 11 + 4 : 0);
    const tags = slotTagTable().bytes;
    const pool = keyspace.valuePool;
    const span = pool.length - valueSize + 1;
    const tagAt = head.length + keyspace.tagOffset;
    const indexAt = head.length + keyspace.indexOffset;
    const width = keyspace.indexWidth;
    const valueAt = head.length + keySize + middle.length;
    const headLength = valueAt;
    this.#pool = pool;
    // `poolAt` ≥ 0: `out` is an arena holding a copy of the pool there, so the value is copied
    // inside one buffer (copyWithin: no view allocated per key); else from the shared pool.
    const patch = (index: number, out: Uint8Array, offset: number, poolAt: number): number => {
      const s = (index % SLOT_COUNT) * TAG_LENGTH;
      const t = offset + tagAt;
      out[t] = tags[s]!;
      out[t + 1] = tags[s + 1]!;
      out[t + 2] = tags[s + 2]!;
      let rest = index;
      const first = offset + indexAt;
      for (let k = first + width - 1; k >= first; k--) {
        const q = rest < 0x80000000 ? (rest / 10) | 0 : Math.floor(rest / 10);
        out[k] = 48 + rest - q * 10;
        rest = q;
      }
      const from = mix(seed, index) % span;
      if (poolAt >= 0) {
        out.copyWithin(offset + valueAt, poolAt + from, poolAt + from + valueSize);
      } else {
        out.set(pool.subarray(from, from + valueSize), offset + valueAt);
      }
      return offset + template.length;
    };
    if (hasTtl) {
      this.encodeOne = (index, out, offset) => {
        out.set(template.subarray(0, headLength), offset);
        const end = patch(index, out, offset, this.#poolAt(out));
        out[end - 2] = 0x0d;
        out[end - 1] = 0x0a;
        return writeExpire(keyspace.ttl(index), out, end);
      };
    } else {
      this.encodeOne = (index, out, offset) => {
        out.set(template, offset);
        return patch(index, out, offset, this.#poolAt(out));
      };
      this.#patchOne = patch;
    }
  }

  /**
   * Makes a batch buffer: `bytes` usable bytes followed by a private copy of the value pool,
   * so each value is copied within the buffer. Pass it whole to {@linkcode BatchEncoder.fill}.
   *
   * @param bytes Usable bytes (at least one command).
   * @returns The buffer; only its first {@linkcode BatchEncoder.capacity} bytes hold commands.
   */
  allocate(bytes: number): Uint8Array {
    const usable = Math.max(bytes, this.maxCommandBytes);
    const arena = new Uint8Array(usable + this.#pool.length);
    arena.set(this.#pool, usable);
    this.#arenas.set(arena, usable);
    return arena;
  }

  /**
   * How many bytes of `out` may hold commands.
   *
   * @param out A buffer, from {@linkcode BatchEncoder.allocate} or any other.
   * @returns Its usable length.
   */
  capacity(out: Uint8Array): number {
    return this.#arenas.get(out) ?? out.length;
  }

  #poolAt(out: Uint8Array): number {
    return this.#arenas.get(out) ?? -1;
  }

  /**
   * Fills `out` with whole commands for the next indices of `cursor`.
   *
   * @param out The buffer (at least one command long).
   * @param cursor Where the indices come from.
   * @param sent When given, receives each index encoded, in order (acked mode).
   * @returns What was written; `keys` is 0 when the cursor is done.
   */
  fill(out: Uint8Array, cursor: IndexCursor, sent?: number[]): EncodedBatch {
    const limit = this.capacity(out) - this.maxCommandBytes;
    const poolAt = this.#poolAt(out);
    let length = 0;
    let keys = 0;
    const patch = this.#patchOne;
    if (patch) {
      // Fixed-size commands: prime the buffer once, then rewrite only what differs per key.
      if (!this.#primed.has(out)) {
        for (let at = 0; at <= limit; at += this.#template.length) out.set(this.#template, at);
        this.#primed.add(out);
      }
      while (length <= limit) {
        const index = cursor.next();
        if (index < 0) break;
        length = patch(index, out, length, poolAt);
        keys++;
        sent?.push(index);
      }
      return { length, keys };
    }
    while (length <= limit) {
      const index = cursor.next();
      if (index < 0) break;
      length = this.encodeOne(index, out, length);
      keys++;
      sent?.push(index);
    }
    return { length, keys };
  }
}

const EX = encoder.encode("$2\r\nEX\r\n$");

function writeExpire(seconds: number, out: Uint8Array, offset: number): number {
  out.set(EX, offset);
  let at = offset + EX.length;
  const digits = String(seconds);
  const size = String(digits.length);
  for (let k = 0; k < size.length; k++) out[at++] = size.charCodeAt(k);
  out[at++] = 0x0d;
  out[at++] = 0x0a;
  for (let k = 0; k < digits.length; k++) out[at++] = digits.charCodeAt(k);
  out[at++] = 0x0d;
  out[at++] = 0x0a;
  return at;
}
