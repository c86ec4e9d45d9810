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
  /** Bytes of keys and contents in the batch, when they vary by key (else keys × (K + V)). */
  bytes?: number;
}

/**
 * What the bulk writers need of an encoder: the primed `SET` encoder below, or the data
 * shapes' (`shape_batch.ts`).
 */
export interface CommandEncoder {
  /** The largest encoded size of one key's commands. */
  readonly maxCommandBytes: number;
  /** Encodes key i's commands at `offset`; returns the offset after them. */
  encodeOne(index: number, out: Uint8Array, offset: number): number;
  /** Makes a batch buffer of `bytes` usable bytes. */
  allocate(bytes: number): Uint8Array;
  /** Makes `count` batch buffers of `bytes` usable bytes each. */
  allocateShared(bytes: number, count: number): Uint8Array[];
  /** How many bytes of a buffer may hold commands. */
  capacity(out: Uint8Array): number;
  /** Fills a buffer with whole keys' commands from a cursor (`sent` gets each in order). */
  fill(out: Uint8Array, cursor: IndexCursor, sent?: number[]): EncodedBatch;
  /** Bytes of key i and its contents, when they vary by key. */
  payloadBytes?(index: number): number;
  /** Fills a buffer with `asking` before each command (keys of several commands). */
  fillAsking?(
    out: Uint8Array,
    cursor: IndexCursor,
    sent: number[] | undefined,
    asking: Uint8Array,
    askingMark: number,
  ): EncodedBatch;
}

/**
 * Where a buffer made by {@linkcode BatchEncoder.allocate} or
 * {@linkcode BatchEncoder.allocateShared} lives: its bytes are `base[offset … offset + usable)`,
 * and `base` holds a copy of the value pool at `poolAt`.
 */
interface Arena {
  base: Uint8Array;
  offset: number;
  usable: number;
  poolAt: number;
}

/**
 * Encodes `SET key value [EX ttl]` commands for a keyspace into caller-owned buffers.
 *
 * Without a TTL every command has the same size, so a buffer is primed once with the command
 * template at every position and each key then only rewrites its tag, index digits and value.
 */
export class BatchEncoder implements CommandEncoder {
  /** The largest encoded size of one command. */
  readonly maxCommandBytes: number;
  readonly #encodeAt: (index: number, out: Uint8Array, offset: number, poolAt: number) => number;
  readonly #patchOne:
    | ((index: number, out: Uint8Array, offset: number, poolAt: number) => number)
    | undefined;
  readonly #template: Uint8Array;
  readonly #primed = new WeakSet<Uint8Array>();
  readonly #pool: Uint8Array;
  /** The buffers made by {@linkcode BatchEncoder.allocate} and `allocateShared`. */
  readonly #arenas = new WeakMap<Uint8Array, Arena>();

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
      this.#encodeAt = (index, out, offset, poolAt) => {
        out.set(template.subarray(0, headLength), offset);
        const end = patch(index, out, offset, poolAt);
        out[end - 2] = 0x0d;
        out[end - 1] = 0x0a;
        return writeExpire(keyspace.ttl(index), out, end);
      };
    } else {
      this.#encodeAt = (index, out, offset, poolAt) => {
        out.set(template, offset);
        return patch(index, out, offset, poolAt);
      };
      this.#patchOne = patch;
    }
  }

  /**
   * Encodes the command for one key into `out` at `offset`.
   *
   * @param index The key index.
   * @param out A buffer, from {@linkcode BatchEncoder.allocate} or any other, with at least
   * {@linkcode BatchEncoder.maxCommandBytes} bytes free at `offset`.
   * @param offset Where the command starts.
   * @returns The offset after it.
   */
  encodeOne(index: number, out: Uint8Array, offset: number): number {
    const arena = this.#arenas.get(out);
    if (!arena) return this.#encodeAt(index, out, offset, -1);
    return this.#encodeAt(index, arena.base, arena.offset + offset, arena.poolAt) - arena.offset;
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
    this.#arenas.set(arena, { base: arena, offset: 0, usable, poolAt: usable });
    return arena;
  }

  /**
   * Makes `count` batch buffers in one piece of memory that holds a single copy of the value
   * pool after them, so values are still copied within one `ArrayBuffer` (no view per key)
   * while the buffers of every writer share one pool copy. Each buffer is a view of exactly its
   * usable bytes; write it (or its start) as is, and fill it with {@linkcode BatchEncoder.fill}.
   *
   * @param bytes Usable bytes of each buffer (at least one command).
   * @param count How many buffers.
   * @returns The buffers, disjoint.
   * @example
   * ```ts
   * import { equal, notEqual } from "node:assert/strict";
   * import { BatchEncoder } from "./batch.ts";
   * import { Keyspace } from "./keyspace.ts";
   * const encoder = new BatchEncoder(
   *   new Keyspace({ count: 10, keySize: 16, valueSize: 16, seed: 1, prefix: "p:" }),
   * );
   * const [a, b] = encoder.allocateShared(4096, 2);
   * equal(a!.length, 4096);
   * equal(encoder.capacity(b!), 4096);
   * equal(a!.buffer, b!.buffer);
   * notEqual(a!.byteOffset, b!.byteOffset);
   * ```
   */
  allocateShared(bytes: number, count: number): Uint8Array[] {
    const usable = Math.max(bytes, this.maxCommandBytes);
    const poolAt = usable * count;
    const base = new Uint8Array(poolAt + this.#pool.length);
    base.set(this.#pool, poolAt);
    const buffers: Uint8Array[] = [];
    for (let k = 0; k < count; k++) {
      const offset = k * usable;
      const buffer = base.subarray(offset, offset + usable);
      this.#arenas.set(buffer, { base, offset, usable, poolAt });
      buffers.push(buffer);
    }
    return buffers;
  }

  /**
   * How many bytes of `out` may hold commands.
   *
   * @param out A buffer, from {@linkcode BatchEncoder.allocate} or any other.
   * @returns Its usable length.
   */
  capacity(out: Uint8Array): number {
    return this.#arenas.get(out)?.usable ?? out.length;
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
    const arena = this.#arenas.get(out);
    // Commands go to base[start …); values come from the pool copy in base, if it has one.
    const base = arena?.base ?? out;
    const start = arena?.offset ?? 0;
    const poolAt = arena?.poolAt ?? -1;
    const limit = start + (arena?.usable ?? out.length) - this.maxCommandBytes;
    let end = start;
    let keys = 0;
    const patch = this.#patchOne;
    if (patch) {
      // Fixed-size commands: prime the buffer once, then rewrite only what differs per key.
      if (!this.#primed.has(out)) {
        for (let at = start; at <= limit; at += this.#template.length) {
          base.set(this.#template, at);
        }
        this.#primed.add(out);
      }
      while (end <= limit) {
        const index = cursor.next();
        if (index < 0) break;
        end = patch(index, base, end, poolAt);
        keys++;
        sent?.push(index);
      }
      return { length: end - start, keys };
    }
    const encode = this.#encodeAt;
    while (end <= limit) {
      const index = cursor.next();
      if (index < 0) break;
      end = encode(index, base, end, poolAt);
      keys++;
      sent?.push(index);
    }
    return { length: end - start, keys };
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
