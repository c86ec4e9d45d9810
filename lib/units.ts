/**
 * Units, in one place: parsing sizes and printing bytes, counts and durations. Every size and
 * rate is binary — KB/MB/GB mean KiB/MiB/GiB, as in redis.conf and the original tool — and
 * every output names the binary unit.
 *
 * @module
 */

import { UsageError } from "./errors.ts";

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/** Options for {@linkcode parseSize}. */
export interface ParseSizeOptions {
  /** Multiplier for a bare number (the fill's `-d 2` means 2 GB, as in the original tool). */
  bareUnit?: number;
  /** What the size is, for the error message, e.g. `--data`. */
  what?: string;
}

/**
 * Parses a size such as `512`, `64MB`, `1.5GiB`. KB/MB/GB and KiB/MiB/GiB are all powers of
 * 1024, as in redis.conf and the original tool.
 *
 * @param text The size as written.
 * @param options The unit of a bare number and the name for errors.
 * @returns The size in bytes, rounded down to a whole byte.
 * @throws {UsageError} when the text is not a size.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { parseSize } from "./units.ts";
 * equal(parseSize("64MB"), 67108864);
 * ```
 */
export function parseSize(text: string | number, options: ParseSizeOptions = {}): number {
  const what = options.what ?? "size";
  if (typeof text === "number") {
    if (!Number.isFinite(text) || text < 0) {
      throw new UsageError(`Invalid ${what} ${text}: expected a size like 512MB or 1.5GiB`);
    }
    return Math.floor(text * (options.bareUnit ?? 1));
  }
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = match?.[2]?.toLowerCase();
  const factor = unit === "" ? options.bareUnit ?? 1 : unit === undefined ? undefined : UNITS[unit];
  if (!match || factor === undefined) {
    throw new UsageError(
      `Invalid ${what} "${text}": expected a size like 512MB, 1.5GiB or 64KB (units B, KB, MB, GB, TB; all powers of 1024)`,
    );
  }
  return Math.floor(Number(match[1]) * factor);
}

/**
 * Formats a byte count with a binary unit, e.g. `256.0 MiB`.
 *
 * @param bytes The count.
 * @returns The text.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { formatBytes } from "./units.ts";
 * equal(formatBytes(256 * 1024 * 1024), "256.0 MiB");
 * ```
 */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * A whole number with thousands separators: `65,536`.
 *
 * @param value The number.
 * @returns The text.
 */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/**
 * Milliseconds for a person: `12 ms`, `1.52 s`, `2 min 5 s`.
 *
 * @param ms Milliseconds.
 * @returns The text.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { formatDuration } from "./units.ts";
 * equal(formatDuration(1520), "1.52 s");
 * ```
 */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(2)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
