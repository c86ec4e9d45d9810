/**
 * Client CPU time and peak memory of this process.
 *
 * @module
 */

import process from "node:process";

/**
 * CPU seconds (user + system) this process has used so far.
 *
 * @returns Seconds.
 */
export function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/**
 * Peak resident memory of this process in bytes: VmHWM on Linux, else the current RSS.
 *
 * @returns Bytes.
 */
export function peakRssBytes(): number {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    if (match) return Number(match[1]) * 1024;
  } catch {
    // Not Linux, or /proc is not readable: fall back to the current RSS.
  }
  return Deno.memoryUsage().rss;
}
