/**
 * How verify names keys in its findings: prefix, tag and index, with the filler elided.
 *
 * @module
 */

import type { KeyRef } from "../types.ts";
import type { Keyspace } from "../fill/keyspace.ts";

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

/** The keys at these indices, as findings name them. */
export function named(keyspace: Keyspace, indices: readonly number[]): KeyRef[] {
  return indices.map((index) => ({ index, key: displayKey(keyspace, index) }));
}
