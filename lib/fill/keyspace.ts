/**
 * The keyspace: key i and value i as pure functions of (seed, i).
 *
 * Key i is `prefix` + `{tag}` + zero-padded i + `x` filler up to the key size, where the tag
 * puts key i in slot i mod 16384. Value i is taken from a shared pseudo-random pool of
 * printable bytes at an offset derived from (seed, i).
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { type OptionMention, sentence, stepOption } from "../message.ts";
import type { KeyspaceParams, Shard } from "../types.ts";
import { SLOT_COUNT } from "../cluster/slots.ts";
import { slotTagTable, TAG_LENGTH } from "./slot_tags.ts";
import { makeValuePool, mix } from "../shapes/pool.ts";

export { mix };

const encoder = new TextEncoder();

/**
 * Number of keys for a fill of `size` bytes: N = ceil(size / (keySize + valueSize)).
 *
 * @param size Bytes of keys and values to write.
 * @param keySize Bytes per key.
 * @param valueSize Bytes per value.
 * @returns N.
 */
export function keyCount(size: number, keySize: number, valueSize: number): number {
  return Math.ceil(size / (keySize + valueSize));
}

/**
 * The smallest key size that holds the prefix, a `{tag}` and the zero-padded index of N keys.
 *
 * @param count N.
 * @param prefix The key prefix.
 * @returns Bytes.
 */
export function minimumKeySize(count: number, prefix: string): number {
  return encoder.encode(prefix).length + 2 + TAG_LENGTH + indexWidth(count);
}

/**
 * Digits in the zero-padded index of N keys.
 *
 * @param count N.
 * @returns The width (at least 1).
 */
export function indexWidth(count: number): number {
  return String(Math.max(count - 1, 0)).length;
}

/**
 * A keyspace ready for generation: the derived layout and the value pool, computed once.
 */
export class Keyspace {
  /** The parameters this keyspace was made from. */
  readonly params: Readonly<KeyspaceParams>;
  /** Digits in the zero-padded index. */
  readonly indexWidth: number;
  /** Byte offset of the 3-byte tag inside the key. */
  readonly tagOffset: number;
  /** Byte offset of the index digits inside the key. */
  readonly indexOffset: number;
  /** The key of index 0 with its tag and digits to be overwritten: the template for every key. */
  readonly keyTemplate: Uint8Array;
  readonly #tags: Uint8Array;
  #valuePool: Uint8Array | undefined;

  /**
   * Derives the layout and the value pool of a keyspace.
   *
   * @param params The keyspace parameters.
   * @throws {UsageError} when the key size cannot hold prefix, tag and index, or a parameter
   * is out of range.
   */
  constructor(params: KeyspaceParams) {
    validateParams(params);
    this.params = Object.freeze({ ...params });
    this.indexWidth = Math.max(params.indexWidth ?? 0, indexWidth(params.count));
    const prefix = encoder.encode(params.prefix);
    this.tagOffset = prefix.length + 1;
    this.indexOffset = this.tagOffset + TAG_LENGTH + 1;
    const minimum = minimumKeySize(10 ** (this.indexWidth - 1) + 1, params.prefix);
    if (params.keySize < minimum) {
      throw new UsageError(
        sentence`Key size ${params.keySize} is too small to hold the prefix "${params.prefix}", a slot tag and ${this.indexWidth}-digit indices: use ${
          stepOption("key-size")
        } ${minimum} or more, or a shorter ${stepOption("prefix")}`,
      );
    }
    const key = new Uint8Array(params.keySize).fill(0x78); // "x" filler
    key.set(prefix, 0);
    key[prefix.length] = 0x7b; // "{"
    key[this.indexOffset - 1] = 0x7d; // "}"
    this.keyTemplate = key;
    this.#tags = slotTagTable().bytes;
  }

  /**
   * Printable pseudo-random bytes; value i is a window of it. Made on first use, so a keyspace
   * made only to check its layout costs no pool.
   */
  get valuePool(): Uint8Array {
    return this.#valuePool ??= makeValuePool(this.params.seed, this.params.valueSize);
  }

  /** The number of keys N. */
  get count(): number {
    return this.params.count;
  }

  /**
   * Writes key i into `out` at `offset` (keySize bytes).
   *
   * @param index The key index, 0 ≤ index < N.
   * @param out Where to write.
   * @param offset Where in `out`.
   */
  writeKey(index: number, out: Uint8Array, offset: number): void {
    out.set(this.keyTemplate, offset);
    this.patchKey(index, out, offset);
  }

  /**
   * Overwrites the tag and index digits of a key template already copied to `out` at `offset`.
   *
   * @param index The key index.
   * @param out The buffer holding a copy of {@linkcode Keyspace.keyTemplate}.
   * @param offset Where the key starts in `out`.
   */
  patchKey(index: number, out: Uint8Array, offset: number): void {
    const slot = index % SLOT_COUNT;
    const tags = this.#tags;
    const t = offset + this.tagOffset;
    const s = slot * TAG_LENGTH;
    out[t] = tags[s]!;
    out[t + 1] = tags[s + 1]!;
    out[t + 2] = tags[s + 2]!;
    let rest = index;
    const start = offset + this.indexOffset;
    if (rest < 0x80000000) {
      for (let k = start + this.indexWidth - 1; k >= start; k--) {
        const q = (rest / 10) | 0;
        out[k] = 48 + rest - q * 10;
        rest = q;
      }
    } else {
      for (let k = start + this.indexWidth - 1; k >= start; k--) {
        const q = Math.floor(rest / 10);
        out[k] = 48 + rest - q * 10;
        rest = q;
      }
    }
  }

  /**
   * Key i as bytes.
   *
   * @param index The key index.
   * @returns A new array of keySize bytes.
   */
  key(index: number): Uint8Array {
    const out = new Uint8Array(this.params.keySize);
    this.writeKey(index, out, 0);
    return out;
  }

  /**
   * Key i as a string (keys are printable ASCII).
   *
   * @param index The key index.
   * @returns The key.
   */
  keyString(index: number): string {
    return new TextDecoder().decode(this.key(index));
  }

  /**
   * Offset of value i in {@linkcode Keyspace.valuePool}.
   *
   * @param index The key index.
   * @returns The offset.
   */
  valueOffset(index: number): number {
    return mix(this.params.seed, index) % (this.valuePool.length - this.params.valueSize + 1);
  }

  /**
   * Value i: a view into the shared pool (do not modify it).
   *
   * @param index The key index.
   * @returns valueSize bytes.
   */
  value(index: number): Uint8Array {
    const offset = this.valueOffset(index);
    return this.valuePool.subarray(offset, offset + this.params.valueSize);
  }

  /**
   * TTL of key i in seconds, or 0 when the keyspace has none.
   *
   * @param index The key index.
   * @returns Seconds.
   */
  ttl(index: number): number {
    const ttl = this.params.ttl;
    if (!ttl) return 0;
    if (ttl.max === ttl.min) return ttl.min;
    return ttl.min + (mix(this.params.seed, index, 1) % (ttl.max - ttl.min + 1));
  }
}

function validateParams(params: KeyspaceParams): void {
  const integer = (value: number, name: string | OptionMention, min: number) => {
    if (!Number.isSafeInteger(value) || value < min) {
      throw new UsageError(sentence`Invalid ${name} ${value}: expected a whole number ≥ ${min}`);
    }
  };
  integer(params.count, "key count", 0);
  integer(params.keySize, stepOption("key-size"), 1);
  integer(params.valueSize, stepOption("value-size"), 1);
  if (!Number.isSafeInteger(params.seed) || params.seed < 0 || params.seed > 0xffffffff) {
    throw new UsageError(
      sentence`Invalid ${
        stepOption("seed")
      } ${params.seed}: expected a whole number 0 … 4294967295`,
    );
  }
  if (!/^[\x21-\x7a\x7c\x7e]*$/.test(params.prefix)) {
    throw new UsageError(
      sentence`Invalid ${
        stepOption("prefix")
      } "${params.prefix}": use printable ASCII without spaces, "{" or "}"`,
    );
  }
  if (params.ttl) {
    integer(params.ttl.min, stepOption("ttl"), 1);
    integer(params.ttl.max, stepOption("ttl"), params.ttl.min);
  }
}

/**
 * The half-open index range [start, end) of a shard: shard k of n gets a contiguous part, so
 * every shard spreads over every slot, and the union of all shards is exactly 0 … N-1.
 *
 * @param count N.
 * @param shard Which part.
 * @returns The range.
 */
export function shardRange(count: number, shard: Shard): { start: number; end: number } {
  return {
    start: Math.floor((count * shard.index) / shard.count),
    end: Math.floor((count * (shard.index + 1)) / shard.count),
  };
}

/**
 * Parses `k/n` (as in `shard: 1/3`). Its errors mention the running step's `shard` option.
 *
 * @param text The shard as written.
 * @returns The shard.
 * @throws {UsageError} when it is not `k/n` with 0 ≤ k < n.
 */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index >= count) {
    throw new UsageError(
      sentence`Invalid ${stepOption("shard")} "${text}": expected k/n with 0 ≤ k < n, like 0/3`,
    );
  }
  return { index, count };
}

/**
 * Parses a TTL: seconds (`60`) or a range (`60-120`).
 *
 * @param text The TTL as written.
 * @returns The range.
 * @throws {UsageError} when it is not seconds or a range of seconds.
 */
export function parseTtl(text: string | number): { min: number; max: number } {
  const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(String(text));
  const min = Number(match?.[1]);
  const max = match?.[2] === undefined ? min : Number(match[2]);
  if (!match || min < 1 || max < min) {
    throw new UsageError(
      sentence`Invalid ${
        stepOption("ttl")
      } "${text}": expected seconds like 60, or a range like 60-120 (at least 1)`,
    );
  }
  return { min, max };
}
