/**
 * Reading a shaped keyspace back: each key by the read command of its type (`GET`, `HGETALL`,
 * `LRANGE 0 -1`, `SMEMBERS`, `ZRANGE 0 -1 WITHSCORES`, `XRANGE - +`), its reply compared with
 * the contents its shape recomputes from (seed, i) — type, cardinality and every element —
 * and the first difference kept, to name it.
 *
 * @module
 */

import type { Keyspace } from "../fill/keyspace.ts";
import { isPlainKeyspace, shapeMixOf } from "../fill/shape_batch.ts";
import { compareContents, readCommand, type RedisType } from "../shapes/contents.ts";
import { registryFor } from "../shapes/load.ts";
import type { RespValue } from "../resp/parser.ts";
import type { Transport, VerifyCheck } from "../types.ts";
import { formatBytes } from "../units.ts";
import { type ContentReader, type ContentVerdict, stringContent } from "./content.ts";

const encoder = new TextEncoder();
/** Differences kept to name, at most. */
const KEPT = 4096;

/** A reader that also says what differs in a key it judged `differs`. */
export interface ExplainingReader extends ContentReader {
  /** The first difference found in key i, if it was judged `differs`. */
  explain(index: number): string | undefined;
}

/**
 * The content reader of a keyspace: `GET` for plain strings, else each key by its shape.
 *
 * @param keyspace The keyspace (its plugin shapes loaded).
 * @returns The reader.
 */
export function contentReaderFor(keyspace: Keyspace): ContentReader | ExplainingReader {
  if (isPlainKeyspace(keyspace.params)) return stringContent(keyspace);
  return shapeContent(keyspace);
}

/**
 * The reader of a shaped keyspace.
 *
 * @param keyspace The keyspace (its plugin shapes loaded).
 * @returns The reader.
 */
export function shapeContent(keyspace: Keyspace): ExplainingReader {
  const mix = shapeMixOf(keyspace, registryFor(keyspace.params.shapes));
  const keySize = keyspace.params.keySize;
  const heads = new Map<RedisType, { head: Uint8Array; tail: Uint8Array }>();
  for (const type of new Set(mix.types)) {
    const command = readCommand(type);
    const words = [...command.before.map((word) => `$${word.length}\r\n${word}\r\n`)].join("");
    heads.set(type, {
      head: encoder.encode(
        `*${command.before.length + 1 + command.after.length}\r\n${words}$${keySize}\r\n`,
      ),
      tail: encoder.encode(
        `\r\n${command.after.map((word) => `$${word.length}\r\n${word}\r\n`).join("")}`,
      ),
    });
  }
  const names = [...new Set(mix.types)].map((type) => readCommand(type).name);
  const details = new Map<number, string>();
  return {
    command: names.join("/"),
    commandBytes: Math.max(...[...heads.values()].map((h) => h.head.length + h.tail.length)) +
      keySize,
    encode(index, out, offset) {
      const { head, tail } = heads.get(mix.types[mix.shapeOf(index)]!)!;
      out.set(head, offset);
      keyspace.writeKey(index, out, offset + head.length);
      out.set(tail, offset + head.length + keySize);
      return offset + head.length + keySize + tail.length;
    },
    compare(index: number, reply: RespValue): ContentVerdict {
      const verdict = compareContents(mix.generatorOf(index).contents(index), reply);
      if (verdict === "missing" || verdict === "match") return verdict;
      if (details.size < KEPT) details.set(index, verdict);
      return "differs";
    },
    explain: (index) => details.get(index),
  };
}

/** Keys and bytes of one shape of a keyspace, for the report. */
export interface ShapeTally {
  /** The shape's name. */
  shape: string;
  /** Its Redis type. */
  type: RedisType;
  /** Keys of the range with this shape (exact). */
  keys: number;
  /** Bytes of keys and contents (keys × the shape's mean). */
  bytes: number;
  /** Mean `MEMORY USAGE` of its sampled keys, when read. */
  memoryPerKey?: number | undefined;
}

/**
 * Keys and bytes per shape of a range, and the server's memory per key of each shape from
 * `MEMORY USAGE` of up to 50 sampled keys of it.
 *
 * @param keyspace The keyspace (shaped).
 * @param range The written indices.
 * @param memoryUsage Reads `MEMORY USAGE` of key i (undefined when it cannot).
 * @param sample Indices sampled by verify.
 * @returns One tally per shape, in declaration order.
 */
export async function shapeTallies(
  keyspace: Keyspace,
  range: { start: number; end: number },
  memoryUsage: (index: number) => Promise<number | undefined>,
  sample: readonly number[],
): Promise<ShapeTally[]> {
  const mix = shapeMixOf(keyspace, registryFor(keyspace.params.shapes));
  const counts = mix.counts(range.start, range.end);
  const picked: number[][] = mix.names.map(() => []);
  for (const index of sample) {
    const list = picked[mix.shapeOf(index)]!;
    if (list.length < 50) list.push(index);
  }
  return await Promise.all(mix.names.map(async (shape, k) => {
    const usages = (await Promise.all(picked[k]!.map(memoryUsage))).filter((
      value,
    ): value is number => value !== undefined);
    return {
      shape,
      type: mix.types[k]!,
      keys: counts[k]!,
      bytes: Math.round(counts[k]! * mix.generators[k]!.meanPayloadBytes),
      ...(usages.length > 0
        ? { memoryPerKey: Math.round(usages.reduce((a, b) => a + b, 0) / usages.length) }
        : {}),
    };
  }));
}

/**
 * The report's line on the shapes: keys, bytes and server memory per key of each shape
 * (informational: it always passes).
 *
 * @param transport Reads `MEMORY USAGE` of sampled keys.
 * @param keyspace The keyspace (shaped).
 * @param range The written indices.
 * @param sample The indices verify sampled.
 * @returns The check.
 */
export async function shapesCheck(
  transport: Transport,
  keyspace: Keyspace,
  range: { start: number; end: number },
  sample: readonly number[],
): Promise<VerifyCheck> {
  const tallies = await shapeTallies(keyspace, range, async (index) => {
    const key = keyspace.keyString(index);
    try {
      const usage = await transport.call(["MEMORY", "USAGE", key], { key });
      return typeof usage === "number" ? usage : undefined;
    } catch {
      return undefined; // MEMORY may be refused (ACL, a proxy): the tally goes without it
    }
  }, sample);
  const parts = tallies.map((tally) => {
    const name = tally.shape === tally.type ? tally.type : `${tally.shape} (${tally.type})`;
    const memory = tally.memoryPerKey === undefined
      ? ""
      : `, ${tally.memoryPerKey.toLocaleString("en-US")} bytes of memory per key`;
    return `${name} ${tally.keys.toLocaleString("en-US")} keys, ${
      formatBytes(tally.bytes)
    }${memory}`;
  });
  return { name: "shapes", ok: true, detail: parts.join("; ") };
}

/**
 * What a shape's reader found different in key i, if it says.
 *
 * @param reader The reader.
 * @param index The key index.
 * @returns The difference, or undefined.
 */
export function explain(reader: ContentReader | undefined, index: number): string | undefined {
  const explaining = reader as { explain?: (index: number) => string | undefined } | undefined;
  return explaining?.explain?.(index);
}
