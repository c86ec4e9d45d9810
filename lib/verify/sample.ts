/**
 * Which key indices verify samples: deterministic, evenly spaced over the written range, and
 * spread over the slots (consecutive samples never share a slot).
 *
 * @module
 */

/**
 * Up to `size` key indices in [start, end), evenly spaced with an odd step so that the first
 * 16384 samples all land in different slots (key i lives in slot i mod 16384).
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { sampleIndices } from "./sample.ts";
 * const indices = sampleIndices(0, 65536, 1000);
 * equal(indices.length, 1000);
 * equal(new Set(indices.map((i) => i % 16384)).size, 1000);
 * ```
 *
 * @param start First written index (inclusive).
 * @param end Last written index (exclusive).
 * @param size How many indices to pick; every index when the range is smaller.
 * @returns The indices, ascending, without duplicates.
 */
export function sampleIndices(start: number, end: number, size: number): number[] {
  const span = Math.max(0, end - start);
  const count = Math.min(Math.max(0, Math.floor(size)), span);
  if (count === 0) return [];
  if (count === span) return Array.from({ length: span }, (_, k) => start + k);
  let step = Math.max(1, Math.floor(span / count));
  // An odd step is coprime with 16384: k * step mod 16384 differs for every k < 16384.
  if (step % 2 === 0) step += (count - 1) * (step + 1) < span ? 1 : -1;
  return Array.from({ length: count }, (_, k) => start + k * step);
}
