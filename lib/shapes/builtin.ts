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
import { defineShape, type ShapeDefinition, ShapeRegistry } from "./define.ts";
import { digits, ElementsGenerator } from "./_elements.ts";
import { parseSizeForm, type SizeForm, sizeFormProblem } from "./sizes.ts";

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
