/**
 * Option schemas shared by the built-in steps (kebab-case keys, as written in files).
 *
 * @module
 */

import { z } from "zod";
import { parseShard, parseTtl } from "../fill/keyspace.ts";
import { KEYSPACE_DEFAULTS } from "../defaults.ts";
import type { NameOption, Shard } from "../types.ts";
import { processEnvironment, shardFromEnvironment } from "./shard.ts";
import { parseSize } from "../units.ts";

const SIZE = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?\s*$/i;

/** A byte size: a number of bytes, or text like `512MB`, `1.5GiB` (powers of 1024). */
export const sizeSchema = z.union([
  z.number().int().nonnegative(),
  z.string().regex(SIZE, { message: "expected a size like 512MB or 1.5GiB" }),
]).transform((value) => parseSize(value));

/** The two ends of a TTL written as `60` or `60-120`. */
function ttlBounds(text: string): [number, number] {
  const [min, max = min] = text.split("-").map((part) => Number(part.trim())) as [
    number,
    number?,
  ];
  return [min, max];
}

/** A TTL: seconds, or a range `min-max` of seconds. */
export const ttlSchema = z.union([
  z.number().int().positive(),
  z.string().regex(/^\s*\d+\s*(-\s*\d+\s*)?$/, {
    message: "expected seconds like 60 or 60-120",
    abort: true,
  }),
]).refine((value) => {
  // Checked before parseTtl runs: it would throw a flag's error instead of a file's issue.
  // A number was checked by its own schema.
  if (typeof value === "number") return true;
  const [min, max] = ttlBounds(value);
  return min >= 1 && max >= min;
}, { message: "expected seconds ≥ 1, and a range whose end is not below its start" })
  .transform((value) => parseTtl(value));

/** A shard `k/n`, or `auto`: k from `JOB_COMPLETION_INDEX`, n from `REDFILL_SHARDS`. */
export const shardSchema = z.string().regex(/^(\d+\/\d+|auto)$/, {
  message: "expected k/n like 0/3, or auto",
  abort: true,
})
  .refine((text) => {
    if (text === "auto") return true;
    const [k, n] = text.split("/").map(Number) as [number, number];
    return n >= 1 && k < n;
  }, { message: "expected k/n with 0 ≤ k < n" })
  .transform((text, ctx): Shard => {
    if (text !== "auto") return parseShard(text);
    const found = shardFromEnvironment(processEnvironment);
    if ("shard" in found) return found.shard;
    ctx.addIssue({
      code: "custom",
      message: found.problem,
      params: { words: (name: NameOption) => `${name("shard")} ${found.problem}` },
    });
    return z.NEVER;
  });

/** The options that define a keyspace: shared by `fill` and `keyspace`. */
export const keyspaceShape = {
  size: sizeSchema.superRefine((bytes, ctx) => {
    if (bytes > 0) return;
    ctx.addIssue({
      code: "custom",
      message: "expected a size above 0 (a fill of 0 bytes writes nothing)",
      params: {
        words: (name: NameOption) =>
          `A fill of 0 bytes writes nothing: give ${name("size")} a size above 0, like 64MB`,
      },
    });
  }).default(KEYSPACE_DEFAULTS.size).describe(
    "Bytes of keys and values to write, above 0: a number of bytes or 512MB, 1.5GiB (default 256MiB)",
  ),
  "key-size": z.number().int().min(1).max(512 * 1024 * 1024).default(KEYSPACE_DEFAULTS.keySize)
    .describe(
      "Bytes per key (default 512)",
    ),
  "value-size": z.number().int().min(1).max(512 * 1024 * 1024).default(
    KEYSPACE_DEFAULTS.valueSize,
  ).describe(
    "Bytes per value (default 512)",
  ),
  seed: z.number().int().min(0).max(0xffffffff).default(KEYSPACE_DEFAULTS.seed).describe(
    "Seed of the values and TTLs (default 1)",
  ),
  prefix: z.string().regex(/^[\x21-\x7a\x7c\x7e]*$/, {
    message: "expected printable ASCII without spaces, { or }",
  }).default(KEYSPACE_DEFAULTS.prefix).describe('Key prefix (default "redfill:")'),
  ttl: ttlSchema.optional().describe("TTL in seconds, or a range like 60-120"),
  shard: shardSchema.optional().describe(
    "Write only part k of n of the keyspace, e.g. 0/3; auto: k from JOB_COMPLETION_INDEX, n from REDFILL_SHARDS (a Kubernetes Indexed Job)",
  ),
};
