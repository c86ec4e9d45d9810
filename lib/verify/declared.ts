/**
 * The fill result of a keyspace written elsewhere — by another process, shard or run — so
 * verify can check it: every key of its shard, no errors.
 *
 * @module
 */

import type { FillResult, KeyspaceParams, Shard } from "../types.ts";
import { shardRange } from "../fill/keyspace.ts";

/** Options for {@linkcode declaredFill}. */
export interface DeclaredFillOptions {
  /** The part of the keyspace that was written (default all: 0/1). */
  shard?: Shard | undefined;
  /** The fill ran after a flush (default false). */
  flushed?: boolean | undefined;
  /** This run wrote it (default false: it was written earlier). */
  written?: boolean | undefined;
}

/**
 * What a fill of a keyspace made elsewhere says it wrote — every key of its shard, no
 * errors — for a verify of that fill (the `keyspace` step, a benchmark, a test).
 *
 * @example
 * ```ts
 * import { deepEqual, equal } from "node:assert/strict";
 * import { declaredFill } from "./declared.ts";
 * const fill = declaredFill({ count: 8, keySize: 32, valueSize: 8, seed: 1, prefix: "p:" });
 * equal(fill.written, false);
 * deepEqual(fill.shard, { index: 0, count: 1 });
 * ```
 *
 * @param keyspace The keyspace.
 * @param options Shard, flush and whether this run wrote it.
 * @returns The fill result (keys and bytes of the whole shard when `written`, else 0).
 */
export function declaredFill(
  keyspace: KeyspaceParams,
  options: DeclaredFillOptions = {},
): FillResult {
  const shard = options.shard ?? { index: 0, count: 1 };
  const written = options.written === true;
  const range = shardRange(keyspace.count, shard);
  const keys = written ? range.end - range.start : 0;
  return {
    keyspace,
    shard,
    written,
    flushed: options.flushed === true,
    acked: false,
    keys,
    bytes: keys * (keyspace.keySize + keyspace.valueSize),
    durationMs: 0,
    cpuSeconds: 0,
    peakRssBytes: 0,
    nodes: [],
    errors: 0,
    interrupted: false,
  };
}
