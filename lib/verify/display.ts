/**
 * How verify names keys in its findings: prefix, tag and index, with the filler elided.
 *
 * @module
 */

import type { KeyRef } from "../types.ts";
import type { Keyspace } from "../fill/keyspace.ts";
import { NAMED_KEYS, type SampleMismatch } from "./_checks.ts";
import type { ContentReader } from "./content.ts";
import { explain } from "./shape_content.ts";

/**
 * Key i as it may be shown: prefix, tag and index, with the filler elided.
 *
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { Keyspace } from "../fill/keyspace.ts";
 * import { displayKey } from "./display.ts";
 * const keyspace = new Keyspace({ count: 100, keySize: 64, valueSize: 8, seed: 1, prefix: "p:" });
 * ok(displayKey(keyspace, 7).endsWith("07…"));
 * ```
 *
 * @param keyspace The keyspace.
 * @param index The key index.
 * @returns The key's meaningful part, followed by `…` when filler was left out.
 */
export function displayKey(keyspace: Keyspace, index: number): string {
  const key = keyspace.keyString(index);
  const meaningful = keyspace.indexOffset + keyspace.indexWidth;
  return key.length > meaningful ? `${key.slice(0, meaningful)}…` : key;
}

/** The keys at these indices, as findings name them, with what differs when `explain` says. */
export function named(
  keyspace: Keyspace,
  indices: readonly number[],
  explain?: (index: number) => string | undefined,
): KeyRef[] {
  return indices.map((index) => {
    const detail = explain?.(index);
    return { index, key: displayKey(keyspace, index), ...(detail ? { detail } : {}) };
  });
}

/** What reading the sampled keys' values found. */
export interface SampleRead {
  /** The first few wrong keys, by index. */
  named: SampleMismatch[];
  /** Sampled keys missing or different, in all. */
  total: number;
}

/** The wrong sampled keys: counted in all, the first few named. */
export function sampleRead(
  keyspace: Keyspace,
  reader: ContentReader,
  perMaster: ReadonlyArray<
    { expected: number; found: number; differing: number; missing: number[]; wrong: number[] }
  >,
): SampleRead {
  const named = perMaster.flatMap((entry) => [
    ...entry.missing.map((index) => ({ index, key: displayKey(keyspace, index), missing: true })),
    ...entry.wrong.map((index) => {
      const detail = explain(reader, index);
      return {
        index,
        key: displayKey(keyspace, index),
        missing: false,
        ...(detail ? { detail } : {}),
      };
    }),
  ]).sort((a, b) => a.index - b.index).slice(0, NAMED_KEYS);
  const total = perMaster.reduce(
    (sum, entry) => sum + entry.expected - entry.found + entry.differing,
    0,
  );
  return { named, total };
}
