/**
 * `defineShape`: the one way to make a data shape, for the built-in shapes and a user's plugin
 * alike. A shape names a Redis type, takes options (a zod schema, kebab-case keys as written in
 * pipeline files) and recomputes key i's contents from (seed, i); the fill encodes those
 * contents straight into its batch buffers and verify compares what it reads back with them.
 * Built-in shapes also bring a generator that encodes without building the contents first.
 *
 * @module
 */

import type { z } from "zod";
import { ExitCode, RedfillError, UsageError } from "../errors.ts";
import { contentBytes, type Contents, REDIS_TYPES, type RedisType } from "./contents.ts";
import { KeyRandom, makeValuePool, mix, VALUE_POOL_BYTES } from "./pool.ts";

/** Writes key i (the fill's keys: prefix, slot tag, index, filler). */
export interface KeyWriter {
  /** Bytes of every key. */
  readonly keySize: number;
  /** Writes key i into `out` at `offset` (keySize bytes). */
  writeKey(index: number, out: Uint8Array, offset: number): void;
}

/** What a shape's generator is made with: the keyspace it is part of. */
export interface ShapeEnv {
  /** The keyspace's seed. */
  readonly seed: number;
  /** The keys. */
  readonly keys: KeyWriter;
  /** Fraction (0 … 0.9) of each value that repeats one byte, for compression tests. */
  readonly compressibility: number;
  /** Key i's TTL in seconds, or 0 for none. */
  ttl(index: number): number;
  /**
   * The keyspace's pool of printable pseudo-random bytes, at least {@linkcode VALUE_POOL_BYTES}
   * + `largest` long (its first bytes depend on the seed alone, whatever its length).
   */
  pool(largest: number): Uint8Array;
}

/**
 * Encodes one shape's keys: {@linkcode ShapeGenerator.layout} key i, then
 * {@linkcode ShapeGenerator.encode} it.
 */
export interface ShapeGenerator {
  /** What `TYPE key` answers for its keys. */
  readonly type: RedisType;
  /** The most bytes of RESP one key's commands take. */
  readonly maxCommandBytes: number;
  /** The mean bytes of key and contents per key (what a fill of a size counts). */
  readonly meanPayloadBytes: number;
  /** Lays out key i; returns the bytes of RESP its commands take. */
  layout(index: number): number;
  /** Commands (replies) of the key laid out last. */
  readonly commands: number;
  /** Bytes of key and contents of the key laid out last. */
  readonly payloadBytes: number;
  /** Writes the commands of the key laid out last at `offset`; returns the offset after. */
  encode(out: Uint8Array, offset: number): number;
  /**
   * The pool its values are windows of, when it has
   * {@linkcode ShapeGenerator.encodeWithPool} (the built-in shapes).
   */
  readonly pool?: Uint8Array;
  /**
   * Like {@linkcode ShapeGenerator.encode}, with `out` holding a copy of
   * {@linkcode ShapeGenerator.pool} (or of a longer pool of the same seed, which starts with
   * the same bytes) at `poolAt`: values are copied within `out` (no view per value).
   */
  encodeWithPool?(out: Uint8Array, offset: number, poolAt: number): number;
  /** Key i's contents, recomputed (for verify and tests). */
  contents(index: number): Contents;
}

/** Helpers a plugin shape draws key i's contents with. */
export interface ShapeTools {
  /** Key i's own stream of 32-bit pseudo-random numbers (the same on every call for i). */
  random(index: number): KeyRandom;
  /** `size` printable pseudo-random characters drawn with `random` (a window of the pool). */
  text(random: KeyRandom, size: number): string;
  /** The keyspace's seed. */
  readonly seed: number;
}

/** What {@linkcode defineShape} takes. */
export interface ShapeSpec<TOptions extends z.ZodType = z.ZodType> {
  /** Kebab-case name, used as `type:` in a keyspace entry (or a plugin's own name). */
  name: string;
  /** One line for help and the JSON Schema. */
  description: string;
  /** What `TYPE key` answers for its keys. */
  type: RedisType;
  /** Schema of the options (kebab-case keys); omitted means none. */
  options?: TOptions;
  /**
   * Key i's contents, from (seed, i) only: draw every choice from `tools.random(index)`. The
   * fill writes them (`DEL` first, then one command; a stream one `XADD` per entry).
   */
  contents?(index: number, options: z.output<TOptions>, tools: ShapeTools): Contents;
  /** A faster generator that encodes without building the contents (the built-in shapes). */
  generator?(options: z.output<TOptions>, env: ShapeEnv): ShapeGenerator;
  /** The mean bytes of contents per key (without the key), for a fill of a size; default 512. */
  meanContentBytes?(options: z.output<TOptions>): number;
}

/** A data shape, made by {@linkcode defineShape}. */
export interface ShapeDefinition<TOptions extends z.ZodType = z.ZodType> {
  /** The name. */
  readonly name: string;
  /** One line of description. */
  readonly description: string;
  /** Its Redis type. */
  readonly type: RedisType;
  /** Its options' schema, if any. */
  readonly options: TOptions | undefined;
  /** Makes the generator of its keys. */
  create(options: z.output<TOptions>, env: ShapeEnv): ShapeGenerator;
}

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Makes a data shape.
 *
 * @param spec Name, type, options and how key i's contents are drawn.
 * @returns The shape, to export from a module (`uses:` in a keyspace entry) or register.
 * @throws {UsageError} for a name that is not kebab-case, an unknown type, or neither
 * `contents` nor `generator`.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { defineShape } from "./define.ts";
 * const session = defineShape({
 *   name: "session",
 *   description: "A session hash",
 *   type: "hash",
 *   contents: (index, _options, tools) => ({
 *     type: "hash",
 *     fields: [["user", `user-${index}`], ["token", tools.text(tools.random(index), 16)]],
 *   }),
 * });
 * equal(session.type, "hash");
 * ```
 */
export function defineShape<TOptions extends z.ZodType = z.ZodType>(
  spec: ShapeSpec<TOptions>,
): ShapeDefinition<TOptions> {
  if (!KEBAB.test(spec.name)) {
    throw new UsageError(`Invalid shape name "${spec.name}": use kebab-case, like "session-hash"`);
  }
  if (!REDIS_TYPES.includes(spec.type)) {
    throw new UsageError(
      `Shape "${spec.name}" has type "${spec.type}": expected one of ${REDIS_TYPES.join(", ")}`,
    );
  }
  const { generator, contents } = spec;
  if (!generator && !contents) {
    throw new UsageError(`Shape "${spec.name}" needs contents(index, options, tools)`);
  }
  return {
    name: spec.name,
    description: spec.description,
    type: spec.type,
    options: spec.options,
    create(options, env) {
      if (generator) return generator(options, env);
      const mean = spec.meanContentBytes?.(options) ?? 512;
      return new ContentsGenerator(spec, (index, tools) => contents!(index, options, tools), {
        env,
        mean,
      });
    },
  };
}

const utf8 = new TextEncoder();
const CRLF = [0x0d, 0x0a];
/** The most bytes one key of a plugin shape may take in RESP (a batch buffer holds one). */
export const PLUGIN_MAX_COMMAND_BYTES = 1 << 20;

/** The generator of a shape that gives contents: encodes them through a scratch buffer. */
class ContentsGenerator implements ShapeGenerator {
  readonly type: RedisType;
  readonly maxCommandBytes = PLUGIN_MAX_COMMAND_BYTES;
  readonly meanPayloadBytes: number;
  commands = 0;
  payloadBytes = 0;
  readonly #name: string;
  readonly #draw: (index: number, tools: ShapeTools) => Contents;
  readonly #env: ShapeEnv;
  readonly #tools: ShapeTools;
  #scratch = new Uint8Array(4096);
  #length = 0;

  constructor(
    spec: { name: string; type: RedisType },
    draw: (index: number, tools: ShapeTools) => Contents,
    options: { env: ShapeEnv; mean: number },
  ) {
    this.type = spec.type;
    this.#name = spec.name;
    this.#draw = draw;
    this.#env = options.env;
    this.meanPayloadBytes = options.env.keys.keySize + options.mean;
    const pool = options.env.pool(4096);
    const seed = options.env.seed;
    const random = new KeyRandom(0);
    this.#tools = {
      seed,
      random: (index) => random.reset(mix(seed, index, 11)),
      text(stream, size) {
        let out = "";
        while (out.length < size) {
          const take = Math.min(4096, size - out.length);
          const at = stream.next() % (VALUE_POOL_BYTES + 1);
          out += String.fromCharCode(...pool.subarray(at, at + take));
        }
        return out;
      },
    };
  }

  contents(index: number): Contents {
    let contents: Contents;
    try {
      contents = this.#draw(index, this.#tools);
    } catch (error) {
      const said = error instanceof Error ? error.message : String(error);
      throw new ShapeContentsError(
        `Shape "${this.#name}" failed on key ${index}: ${said.split("\n")[0]}`,
        error,
      );
    }
    if (contents?.type !== this.type) {
      throw new ShapeContentsError(
        `Shape "${this.#name}" returned ${
          contents?.type === undefined ? "no contents" : `a ${contents.type}`
        } for key ${index}, not the ${this.type} it declares`,
      );
    }
    return contents;
  }

  layout(index: number): number {
    const contents = this.contents(index);
    const ttl = this.#env.ttl(index);
    const commands = commandsOf(contents, ttl);
    this.commands = commands.length;
    this.payloadBytes = this.#env.keys.keySize + contentBytes(contents);
    let at = 0;
    for (const words of commands) {
      at = this.#put([0x2a, ...utf8.encode(String(words.length)), ...CRLF], at);
      for (const word of words) {
        if (word === KEY) {
          const size = this.#env.keys.keySize;
          at = this.#put([0x24, ...utf8.encode(String(size)), ...CRLF], at);
          this.#room(at + size + 2);
          this.#env.keys.writeKey(index, this.#scratch, at);
          at = this.#put(CRLF, at + size);
        } else {
          const bytes = utf8.encode(word);
          at = this.#put([0x24, ...utf8.encode(String(bytes.length)), ...CRLF], at);
          this.#room(at + bytes.length + 2);
          this.#scratch.set(bytes, at);
          at = this.#put(CRLF, at + bytes.length);
        }
      }
    }
    if (at > this.maxCommandBytes) {
      throw new ShapeContentsError(
        `Shape "${this.#name}" gave key ${index} ${at} bytes of commands, more than the ${this.maxCommandBytes} a key may take: make its contents smaller`,
      );
    }
    this.#length = at;
    return at;
  }

  encode(out: Uint8Array, offset: number): number {
    out.set(this.#scratch.subarray(0, this.#length), offset);
    return offset + this.#length;
  }

  #room(size: number): void {
    if (size <= this.#scratch.length) return;
    const bigger = new Uint8Array(Math.max(size, 2 * this.#scratch.length));
    bigger.set(this.#scratch);
    this.#scratch = bigger;
  }

  #put(bytes: ArrayLike<number>, at: number): number {
    this.#room(at + bytes.length);
    this.#scratch.set(bytes, at);
    return at + bytes.length;
  }
}

/**
 * A plugin shape threw, or returned contents it may not write: the plugin's error (exit 5),
 * one sentence naming the shape and the key; what it threw is the cause.
 */
export class ShapeContentsError extends RedfillError {
  /**
   * @param message One sentence naming the shape and the key.
   * @param cause What the shape threw, if it threw.
   */
  constructor(message: string, cause?: unknown) {
    super(message, ExitCode.PluginFailed, { cause });
    this.name = "ShapeContentsError";
  }
}

/** Stands for the key in {@linkcode commandsOf}'s words. */
const KEY = "\u0000key";

function commandsOf(contents: Contents, ttl: number): string[][] {
  const expire = ttl > 0 ? [["EXPIRE", KEY, String(ttl)]] : [];
  switch (contents.type) {
    case "string":
      return [["SET", KEY, contents.value, ...(ttl > 0 ? ["EX", String(ttl)] : [])]];
    case "hash":
      return [["DEL", KEY], ["HSET", KEY, ...contents.fields.flat()], ...expire];
    case "list":
      return [["DEL", KEY], ["RPUSH", KEY, ...contents.elements], ...expire];
    case "set":
      return [["DEL", KEY], ["SADD", KEY, ...contents.members], ...expire];
    case "zset":
      return [
        ["DEL", KEY],
        ["ZADD", KEY, ...contents.members.flatMap(([member, score]) => [String(score), member])],
        ...expire,
      ];
    case "stream":
      return [
        ["DEL", KEY],
        ...contents.entries.map((entry) => ["XADD", KEY, entry.id, ...entry.fields.flat()]),
        ...expire,
      ];
  }
}

/** A registry of shapes by name: the built-ins register here as a plugin would. */
export class ShapeRegistry {
  readonly #shapes = new Map<string, ShapeDefinition>();

  /**
   * Adds a shape.
   *
   * @param shape The shape.
   * @returns This registry.
   * @throws {UsageError} when a shape of that name is registered already.
   */
  register(shape: ShapeDefinition): this {
    if (this.#shapes.has(shape.name)) {
      throw new UsageError(`A shape named "${shape.name}" is registered already`);
    }
    this.#shapes.set(shape.name, shape);
    return this;
  }

  /**
   * The shape of a name.
   *
   * @param name The name.
   * @returns The shape, or undefined.
   */
  get(name: string): ShapeDefinition | undefined {
    return this.#shapes.get(name);
  }

  /**
   * The names, in registration order.
   *
   * @returns The names.
   */
  names(): string[] {
    return [...this.#shapes.keys()];
  }
}

/**
 * A pool source for {@linkcode ShapeEnv.pool}: one pool per seed, made again larger when a
 * shape asks for more (its first bytes stay the same).
 *
 * @param seed The seed.
 * @returns The `pool(largest)` function.
 */
export function poolSource(seed: number): (largest: number) => Uint8Array {
  let pool: Uint8Array | undefined;
  return (largest) => {
    if (!pool || pool.length < VALUE_POOL_BYTES + largest) pool = makeValuePool(seed, largest);
    return pool;
  };
}
