/**
 * A mix of shapes with shares of the key count: which shape key i has is a pure function of
 * (seed, i) — a golden-ratio (Weyl) sequence over i, offset by the seed, against the
 * cumulative shares — so every contiguous range of indices (a shard, a slot's keys) holds each
 * shape within a few keys of its share.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import type { KeyspaceShape } from "../types.ts";
import { REDIS_TYPES, type RedisType } from "./contents.ts";
import {
  type KeyWriter,
  poolSource,
  type ShapeDefinition,
  type ShapeGenerator,
  type ShapeRegistry,
} from "./define.ts";
import { mix } from "./pool.ts";

/** One shape of a keyspace, as a pipeline file declares it (options as written). */
export type KeyspaceShapeSpec = KeyspaceShape;

/** Options for {@linkcode ShapeMix}. */
export interface ShapeMixOptions {
  /** The keyspace's seed. */
  seed: number;
  /** The keys. */
  keys: KeyWriter;
  /** Key i's TTL in seconds, or 0. */
  ttl: (index: number) => number;
  /** Fraction of each value that repeats (0 … 0.9). */
  compressibility?: number | undefined;
  /** Where the shapes' names are found. */
  registry: ShapeRegistry;
}

/** The shapes of a keyspace, their generators, and which one key i has. */
export class ShapeMix {
  /** The shapes' names, in declaration order. */
  readonly names: readonly string[];
  /** The shapes' Redis types, in declaration order. */
  readonly types: readonly RedisType[];
  /** One generator per shape. */
  readonly generators: readonly ShapeGenerator[];
  /** The most bytes one key's commands take, over every shape. */
  readonly maxCommandBytes: number;
  /** Mean bytes of key and contents per key, weighted by share. */
  readonly meanPayloadBytes: number;
  readonly #below: Uint32Array;
  readonly #offset: number;

  /**
   * @param specs The shapes and their shares.
   * @param options Seed, keys, TTL, compressibility and registry.
   * @throws {UsageError} for an unknown shape, shares that are all zero, or options a shape
   * refuses.
   */
  constructor(specs: readonly KeyspaceShapeSpec[], options: ShapeMixOptions) {
    if (specs.length === 0) throw new UsageError("A keyspace needs at least one shape");
    const total = specs.reduce((sum, spec) => sum + Math.max(0, spec.share), 0);
    if (!(total > 0)) {
      throw new UsageError(
        "The shares of the keyspace's shapes are all zero: give at least one a share above 0",
      );
    }
    const pool = poolSource(options.seed);
    const env = {
      seed: options.seed,
      keys: options.keys,
      compressibility: options.compressibility ?? 0,
      ttl: options.ttl,
      pool,
    };
    const definitions = specs.map((spec) => shapeNamed(options.registry, spec.type));
    this.names = definitions.map((definition) => definition.name);
    this.types = definitions.map((definition) => definition.type);
    this.generators = definitions.map((definition, k) =>
      definition.create(parseShapeOptions(definition, specs[k]!.options), env)
    );
    this.maxCommandBytes = Math.max(...this.generators.map((g) => g.maxCommandBytes));
    let cumulative = 0;
    this.#below = Uint32Array.from(specs.map((spec, k) => {
      cumulative += Math.max(0, spec.share);
      return k === specs.length - 1 ? 0xffffffff : Math.round((cumulative / total) * 0xffffffff);
    }));
    this.meanPayloadBytes = this.generators.reduce(
      (sum, generator, k) => sum + generator.meanPayloadBytes * Math.max(0, specs[k]!.share),
      0,
    ) / total;
    this.#offset = mix(options.seed, 0, 5);
  }

  /**
   * Which shape key i has (its position in the declaration).
   *
   * @param index The key index.
   * @returns The shape's position.
   */
  shapeOf(index: number): number {
    const u = (Math.imul(index, 0x9e3779b9) + this.#offset) >>> 0;
    const below = this.#below;
    for (let k = 0; k < below.length - 1; k++) if (u < below[k]!) return k;
    return below.length - 1;
  }

  /**
   * The generator of key i's shape.
   *
   * @param index The key index.
   * @returns The generator.
   */
  generatorOf(index: number): ShapeGenerator {
    return this.generators[this.shapeOf(index)]!;
  }

  /**
   * Keys of each shape in [start, end).
   *
   * @param start First index (inclusive).
   * @param end Last index (exclusive).
   * @returns Counts, in declaration order.
   */
  counts(start: number, end: number): number[] {
    const counts = new Array<number>(this.generators.length).fill(0);
    if (this.generators.length === 1) {
      counts[0] = Math.max(0, end - start);
      return counts;
    }
    for (let index = start; index < end; index++) counts[this.shapeOf(index)]!++;
    return counts;
  }
}

function shapeNamed(registry: ShapeRegistry, name: string): ShapeDefinition {
  const shape = registry.get(name);
  if (shape) return shape;
  const known = registry.names();
  throw new UsageError(
    `Unknown shape "${name}": expected one of ${
      known.join(", ")
    }, or uses: a module that exports a shape`,
  );
}

/**
 * A shape's options parsed by its schema.
 *
 * @param shape The shape.
 * @param options The options as written.
 * @returns The parsed options.
 * @throws {UsageError} naming the shape and the first problem.
 */
export function parseShapeOptions(shape: ShapeDefinition, options: Record<string, unknown>) {
  if (!shape.options) return options;
  const parsed = shape.options.safeParse(options);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length > 0 ? ` option "${issue.path.join(".")}"` : "";
  throw new UsageError(`Invalid ${shape.name} shape${where}: ${issue.message}`);
}

/** Whether a name is one of the Redis types (and so a built-in shape's name). */
export function isRedisType(name: string): name is RedisType {
  return (REDIS_TYPES as readonly string[]).includes(name);
}
