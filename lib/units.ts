/**
 * Units, in one place: parsing sizes and printing bytes, rates, CPU cost, counts and
 * durations. One convention, the one inputs already use: every size and rate is binary —
 * KB/MB/GB (and `--rate` in MB/s) mean KiB/MiB/GiB, as in redis.conf and the original tool —
 * and every output names the binary unit: `MiB`, `GiB`, `MiB/s`, `CPU-s per GiB`. Report
 * fields carry the unit in their names (`mibPerSecond`, `cpuSecondsPerGib`).
 *
 * A throughput is the bytes of keys and values (N × (K + V), what a size like `-d 64MB`
 * counts) over the fill's wall time; RESP framing is not counted, in the figure or in the
 * `rate` cap (see `RateLimiter`).
 *
 * @module
 */

import { UsageError } from "./errors.ts";

/** Size units by lower-case name, all powers of 1024 (KB means KiB, as in redis.conf). */
export const SIZE_UNITS: Readonly<Record<string, number>> = {
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
  const factor = unit === ""
    ? options.bareUnit ?? 1
    : unit === undefined
    ? undefined
    : SIZE_UNITS[unit];
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

/** Bytes in a MiB (2^20). */
export const MIB = 1024 * 1024;
/** Bytes in a GiB (2^30). */
export const GIB = 1024 * MIB;

/**
 * Bytes per second in MiB/s.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { mibPerSecond } from "./units.ts";
 * equal(mibPerSecond(64 * 1024 * 1024, 2000), 32);
 * ```
 *
 * @param bytes Bytes sent.
 * @param ms Over this many milliseconds.
 * @returns MiB/s, or 0 when no time passed.
 */
export function mibPerSecond(bytes: number, ms: number): number {
  return ms > 0 ? bytes / MIB / (ms / 1000) : 0;
}

/**
 * CPU seconds per GiB of bytes.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { cpuSecondsPerGib } from "./units.ts";
 * equal(cpuSecondsPerGib(0.5, 512 * 1024 * 1024), 1);
 * equal(cpuSecondsPerGib(0.5, 0), undefined);
 * ```
 *
 * @param cpuSeconds CPU seconds used.
 * @param bytes Bytes they were spent on.
 * @returns Seconds per GiB, or undefined when no byte was sent.
 */
export function cpuSecondsPerGib(cpuSeconds: number, bytes: number): number | undefined {
  return bytes > 0 ? cpuSeconds / (bytes / GIB) : undefined;
}

/**
 * A rate in MiB/s with one decimal: `148.4 MiB/s`.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { formatRate } from "./units.ts";
 * equal(formatRate(8 * 1024 * 1024), "8.0 MiB/s");
 * ```
 *
 * @param bytesPerSecond The rate in bytes per second.
 * @returns The text.
 */
export function formatRate(bytesPerSecond: number): string {
  return `${(bytesPerSecond / MIB).toFixed(1)} MiB/s`;
}

/**
 * A CPU cost per GiB with two decimals: `2.99 CPU-s per GiB`.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { formatCpuPerGib } from "./units.ts";
 * equal(formatCpuPerGib(2.994), "2.99 CPU-s per GiB");
 * ```
 *
 * @param secondsPerGib CPU seconds per GiB.
 * @returns The text.
 */
export function formatCpuPerGib(secondsPerGib: number): string {
  return `${secondsPerGib.toFixed(2)} CPU-s per GiB`;
}

/**
 * A whole number with thousands separators: `65,536`. Grouped by hand rather than with
 * `toLocaleString`, whose first call loads ICU data: 50–110 ms of CPU in every process, which is
 * most of what a short fill (or each of many shard processes) pays inside the fill.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { formatCount } from "./units.ts";
 * equal(formatCount(65536), "65,536");
 * equal(formatCount(-1234567.4), "-1,234,567");
 * equal(formatCount(999), "999");
 * ```
 *
 * @param value The number.
 * @returns The text.
 */
export function formatCount(value: number): string {
  const rounded = Math.round(value);
  const grouped = String(Math.abs(rounded)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return rounded < 0 ? `-${grouped}` : grouped;
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
