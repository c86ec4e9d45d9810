/**
 * Batches of ready RESP for a keyspace of data shapes (hashes, lists, sets, sorted sets,
 * streams, strings of varying sizes, plugin shapes): each key's commands are laid out by its
 * shape's generator, then encoded straight into the batch buffer. A keyspace of plain
 * fixed-size strings keeps the primed `SET` encoder of `batch.ts` (see {@linkcode encoderFor}).
 *
 * @module
 */

import { FillError } from "../errors.ts";
import { builtinShapes } from "../shapes/builtin.ts";
import type { ShapeRegistry } from "../shapes/define.ts";
import { ShapeMix } from "../shapes/mix.ts";
import type { KeyspaceParams } from "../types.ts";
import { BatchEncoder, type CommandEncoder, type EncodedBatch, type IndexCursor } from "./batch.ts";
import type { Keyspace } from "./keyspace.ts";

/**
 * Whether a keyspace is plain: one string shape of a fixed value size, nothing compressible,
 * which the primed `SET` encoder writes byte for byte the same, faster.
 *
 * @param params The keyspace parameters.
 * @returns True for the plain string keyspace.
 */
export function isPlainKeyspace(params: KeyspaceParams): boolean {
  const shapes = params.shapes;
  if (shapes === undefined) return true;
  if (shapes.length !== 1 || (params.compressibility ?? 0) > 0) return false;
  const [shape] = shapes;
  if (shape!.type !== "string") return false;
  const size = shape!.options["value-size"];
  return size === undefined || Number(size) === params.valueSize;
}

/**
 * The shapes of a keyspace: its declared shapes, or one string shape of its value size.
 *
 * @param keyspace The keyspace.
 * @param registry Where shape names are found (default: the built-in shapes).
 * @returns The mix.
 */
export function shapeMixOf(keyspace: Keyspace, registry?: ShapeRegistry): ShapeMix {
  const params = keyspace.params;
  return new ShapeMix(
    params.shapes ??
      [{ type: "string", share: 1, options: { "value-size": params.valueSize } }],
    {
      seed: params.seed,
      keys: {
        keySize: params.keySize,
        writeKey: (index, out, offset) => keyspace.writeKey(index, out, offset),
      },
      ttl: (index) => keyspace.ttl(index),
      compressibility: params.compressibility,
      registry: registry ?? builtinShapes(),
    },
  );
}

/**
 * The encoder of a keyspace: the primed `SET` encoder for plain strings, else the shapes'.
 *
 * @param keyspace The keyspace.
 * @param registry Where shape names are found (default: the built-in shapes).
 * @returns The encoder.
 */
export function encoderFor(keyspace: Keyspace, registry?: ShapeRegistry): CommandEncoder {
  return isPlainKeyspace(keyspace.params)
    ? new BatchEncoder(keyspace)
    : new ShapeBatchEncoder(shapeMixOf(keyspace, registry));
}

/**
 * Where a buffer made by {@linkcode ShapeBatchEncoder.allocate} or `allocateShared` lives: its
 * bytes are `base[offset … offset + usable)`, and `base` holds a copy of the pool at `poolAt`.
 */
interface Arena {
  base: Uint8Array;
  offset: number;
  poolAt: number;
}

/**
 * Encodes a mix of shapes' commands into caller-owned buffers. Its buffers carry one copy of
 * the value pool after them, so the built-in shapes copy each value within one buffer
 * (`copyWithin`, as the primed `SET` encoder does) instead of making a view per value.
 */
export class ShapeBatchEncoder implements CommandEncoder {
  /** The largest encoded size of one key's commands. */
  readonly maxCommandBytes: number;
  readonly #mix: ShapeMix;
  #scratch = new Uint8Array(0);
  /** An index taken from a cursor whose key did not fit the last batch. */
  readonly #pending = new WeakMap<IndexCursor, number>();
  /** The longest pool of the generators that copy from one (every pool of a seed starts alike). */
  readonly #pool: Uint8Array;
  readonly #arenas = new WeakMap<Uint8Array, Arena>();

  /** @param mix The keyspace's shapes. */
  constructor(mix: ShapeMix) {
    this.#mix = mix;
    this.maxCommandBytes = mix.maxCommandBytes;
    let pool: Uint8Array = new Uint8Array(0);
    for (const generator of mix.generators) {
      const own = generator.encodeWithPool === undefined ? undefined : generator.pool;
      if (own !== undefined && own.length > pool.length) pool = own;
    }
    this.#pool = pool;
  }

  encodeOne(index: number, out: Uint8Array, offset: number): number {
    const generator = this.#mix.generatorOf(index);
    generator.layout(index);
    return generator.encode(out, offset);
  }

  payloadBytes(index: number): number {
    const generator = this.#mix.generatorOf(index);
    generator.layout(index);
    return generator.payloadBytes;
  }

  allocate(bytes: number): Uint8Array {
    return this.allocateShared(bytes, 1)[0]!;
  }

  allocateShared(bytes: number, count: number): Uint8Array[] {
    const usable = Math.max(bytes, this.maxCommandBytes);
    const poolAt = usable * count;
    const base = new Uint8Array(poolAt + this.#pool.length);
    base.set(this.#pool, poolAt);
    return Array.from({ length: count }, (_, k) => {
      const buffer = base.subarray(k * usable, (k + 1) * usable);
      this.#arenas.set(buffer, { base, offset: k * usable, poolAt });
      return buffer;
    });
  }

  capacity(out: Uint8Array): number {
    return out.length;
  }

  /**
   * Like {@linkcode ShapeBatchEncoder.fill}, with `asking` (the `ASKING` command) before every
   * command of every key, marked `askingMark` in `sent`: a migrating slot's node takes each
   * command only right after an `ASKING`.
   *
   * @param out The buffer.
   * @param cursor Where the indices come from.
   * @param sent Receives each command's index or mark, in order.
   * @param asking The encoded `ASKING`.
   * @param askingMark The mark of an `ASKING` in `sent`.
   * @returns What was written.
   */
  fillAsking(
    out: Uint8Array,
    cursor: IndexCursor,
    sent: number[] | undefined,
    asking: Uint8Array,
    askingMark: number,
  ): EncodedBatch {
    const mix = this.#mix;
    let end = 0;
    let keys = 0;
    let bytes = 0;
    let index = this.#pending.get(cursor) ?? cursor.next();
    this.#pending.delete(cursor);
    while (index >= 0) {
      const generator = mix.generatorOf(index);
      const size = generator.layout(index);
      if (end + size + generator.commands * asking.length > out.length) {
        if (end === 0) {
          throw new FillError(
            `Key ${index} takes ${size} bytes with an ASKING before each of its ${generator.commands} commands, more than a batch buffer of ${out.length}: give pipeline a larger size and retry`,
          );
        }
        this.#pending.set(cursor, index);
        break;
      }
      const scratch = this.#scratch.length >= size
        ? this.#scratch
        : (this.#scratch = new Uint8Array(size));
      generator.encode(scratch, 0);
      let from = 0;
      const ends = commandEnds(scratch, 0, size);
      ends.forEach((to, k) => {
        out.set(asking, end);
        end += asking.length;
        out.set(scratch.subarray(from, to), end);
        end += to - from;
        from = to;
        sent?.push(askingMark, k === ends.length - 1 ? index : EXTRA_COMMAND - index);
      });
      keys++;
      bytes += generator.payloadBytes;
      index = cursor.next();
    }
    return { length: end, keys, bytes };
  }

  fill(out: Uint8Array, cursor: IndexCursor, sent?: number[]): EncodedBatch {
    const mix = this.#mix;
    const limit = out.length;
    // In one of its buffers, built-in shapes write to the base, copying values from its pool.
    const arena = this.#arenas.get(out);
    const base = arena?.base ?? out;
    const start = arena?.offset ?? 0;
    const poolAt = arena?.poolAt ?? -1;
    let end = 0;
    let keys = 0;
    let bytes = 0;
    let index = this.#pending.get(cursor) ?? cursor.next();
    this.#pending.delete(cursor);
    while (index >= 0) {
      const generator = mix.generatorOf(index);
      const size = generator.layout(index);
      if (end + size > limit) {
        this.#pending.set(cursor, index);
        break;
      }
      end = poolAt >= 0 && generator.encodeWithPool !== undefined
        ? generator.encodeWithPool(base, start + end, poolAt) - start
        : generator.encode(out, end);
      keys++;
      bytes += generator.payloadBytes;
      if (sent) {
        // The key's last command answers for it; the ones before count only their errors.
        for (let k = 1; k < generator.commands; k++) sent.push(EXTRA_COMMAND - index);
        sent.push(index);
      }
      index = cursor.next();
    }
    return { length: end, keys, bytes };
  }
}

/**
 * Bytes of each RESP command (an array of bulk strings) in `bytes[start, end)`, in order.
 *
 * @param bytes Encoded commands.
 * @param start Where the first starts.
 * @param end Where the last ends.
 * @returns The end offset of each command.
 */
export function commandEnds(bytes: Uint8Array, start: number, end: number): number[] {
  const ends: number[] = [];
  let at = start;
  const number = () => {
    let value = 0;
    at++; // the type byte
    while (at < end && bytes[at] !== 0x0d) value = value * 10 + bytes[at++]! - 48;
    at += 2;
    return value;
  };
  while (at < end) {
    const words = number();
    for (let k = 0; k < words; k++) {
      const length = number(); // read before `at` moves past the bulk string
      at += length + 2;
    }
    ends.push(at);
  }
  return ends;
}

/**
 * In a writer's `sent` list, `EXTRA_COMMAND - i` marks a command of key i before its last one:
 * its error replies count, its other replies do not.
 */
export const EXTRA_COMMAND = -2;
