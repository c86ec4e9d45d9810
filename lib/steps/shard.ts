/**
 * `shard: auto`: which part of the keyspace this process writes, read from the environment a
 * Kubernetes Indexed Job gives each pod — the index from `JOB_COMPLETION_INDEX` (set by
 * Kubernetes), the number of parts from `REDFILL_SHARDS` (set in the Job's manifest to its
 * `completions`).
 *
 * @module
 */

import type { Shard } from "../types.ts";

/** The variable a Kubernetes Indexed Job sets to the pod's index, 0 … completions-1. */
export const SHARD_INDEX_VARIABLE = "JOB_COMPLETION_INDEX";
/** The variable that says how many shards there are (the Job's `completions`). */
export const SHARD_COUNT_VARIABLE = "REDFILL_SHARDS";

/** What {@linkcode shardFromEnvironment} found: the shard, or why there is none. */
export type ShardFromEnvironment = { shard: Shard } | { problem: string };

const WHOLE = /^\s*\d+\s*$/;

/**
 * Reads `shard: auto` from the environment: k from `JOB_COMPLETION_INDEX`, n from
 * `REDFILL_SHARDS`. A missing, non-numeric or inconsistent value is a problem that names both
 * variables (the caller puts the option's name in front).
 *
 * @example
 * ```ts
 * import { deepEqual, match } from "node:assert/strict";
 * import { shardFromEnvironment } from "./shard.ts";
 * const env: Record<string, string> = { JOB_COMPLETION_INDEX: "1", REDFILL_SHARDS: "3" };
 * deepEqual(shardFromEnvironment((name) => env[name]), { shard: { index: 1, count: 3 } });
 * const missing = shardFromEnvironment(() => undefined);
 * match("problem" in missing ? missing.problem : "", /JOB_COMPLETION_INDEX and REDFILL_SHARDS are not set/);
 * ```
 *
 * @param env Where variables are read.
 * @returns The shard, or the problem.
 */
export function shardFromEnvironment(
  env: (name: string) => string | undefined,
): ShardFromEnvironment {
  const index = env(SHARD_INDEX_VARIABLE);
  const count = env(SHARD_COUNT_VARIABLE);
  const both =
    `${SHARD_INDEX_VARIABLE} (set by a Kubernetes Indexed Job) and ${SHARD_COUNT_VARIABLE} (the Job's completions)`;
  const fix =
    `set both, with 0 ≤ ${SHARD_INDEX_VARIABLE} < ${SHARD_COUNT_VARIABLE}, or give the shard as k/n`;
  const unset = [
    index === undefined || index === "" ? SHARD_INDEX_VARIABLE : undefined,
    count === undefined || count === "" ? SHARD_COUNT_VARIABLE : undefined,
  ].filter((name) => name !== undefined);
  if (unset.length > 0) {
    return {
      problem: `auto reads ${both}, but ${unset.join(" and ")} ${
        unset.length > 1 ? "are" : "is"
      } not set: ${fix}`,
    };
  }
  const k = Number(index);
  const n = Number(count);
  if (!WHOLE.test(index!) || !WHOLE.test(count!) || n < 1 || k >= n) {
    return {
      problem:
        `auto reads ${both}, but ${SHARD_INDEX_VARIABLE}="${index}" and ${SHARD_COUNT_VARIABLE}="${count}" are not a shard: ${fix}`,
    };
  }
  return { shard: { index: k, count: n } };
}

/** The process environment, or nothing when reading it is not allowed. */
export function processEnvironment(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}
