/**
 * Terminal output: a logger on stderr and the progress display (a bar on a terminal, plain
 * lines otherwise).
 *
 * @module
 */

import { styleText } from "node:util";
import type { Logger, ProgressReporter, ProgressSnapshot } from "../types.ts";
import { formatBytes, formatCount, formatRate } from "../units.ts";

/** Options for {@linkcode terminalLogger}. */
export interface TerminalLoggerOptions {
  /** Show debug messages. */
  debug?: boolean;
}

/** Whether stderr is a terminal. */
function stderrIsTty(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}

/**
 * Writes one line to stderr. A reader that went away (`2>&1 | head -1`) is not an error: the
 * line is dropped.
 *
 * @param text The line, without its newline.
 */
export function writeErr(text: string): void {
  writeStderr(`${text}\n`);
}

/** Writes text to stderr, dropping it when the reader went away. */
function writeStderr(text: string): void {
  const bytes = new TextEncoder().encode(text);
  try {
    for (let written = 0; written < bytes.length;) {
      written += Deno.stderr.writeSync(bytes.subarray(written));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
  }
}

/**
 * A logger that writes to stderr: info as is, warnings marked, debug only when asked.
 *
 * @example
 * ```ts
 * import { terminalLogger } from "./terminal.ts";
 * terminalLogger({ debug: false }).debug("not shown");
 * ```
 *
 * @param options Whether to show debug messages.
 * @returns The logger.
 */
export function terminalLogger(options: TerminalLoggerOptions = {}): Logger {
  const tty = stderrIsTty();
  return {
    debug(message) {
      if (options.debug === true) writeErr(tty ? styleText("dim", message) : `debug: ${message}`);
    },
    info(message) {
      writeErr(message);
    },
    warn(message) {
      writeErr(tty ? styleText("yellow", `warning: ${message}`) : `warning: ${message}`);
    },
  };
}

/**
 * One line describing a fill's progress: bytes, keys, MiB/s and ETA (binary units, like
 * every output).
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { formatProgress } from "./terminal.ts";
 * const MIB = 1024 * 1024;
 * equal(
 *   formatProgress({
 *     bytes: 64 * MIB, keys: 65536, totalBytes: 128 * MIB, totalKeys: 131072,
 *     elapsedMs: 2000, perNode: {},
 *   }),
 *   "64.0 MiB of 128.0 MiB (50%), 65,536 keys, 32.0 MiB/s, ETA 2 s",
 * );
 * ```
 *
 * @param snapshot The latest numbers.
 * @returns The line.
 */
export function formatProgress(snapshot: ProgressSnapshot): string {
  const seconds = snapshot.elapsedMs / 1000;
  const rate = seconds > 0 ? snapshot.bytes / seconds : 0;
  const left = snapshot.totalBytes - snapshot.bytes;
  const eta = rate > 0 && left > 0 ? `, ETA ${Math.ceil(left / rate)} s` : "";
  const percent = snapshot.totalBytes > 0
    ? ` (${Math.floor((snapshot.bytes / snapshot.totalBytes) * 100)}%)`
    : "";
  return `${formatBytes(snapshot.bytes)} of ${formatBytes(snapshot.totalBytes)}${percent}, ` +
    `${formatCount(snapshot.keys)} keys, ${formatRate(rate)}${eta}`;
}

/**
 * A text bar of the share of bytes sent, e.g. `[#######-------------]`.
 *
 * @param snapshot The latest numbers.
 * @param width Characters between the brackets.
 * @returns The bar.
 */
export function progressBar(snapshot: ProgressSnapshot, width: number): string {
  const share = snapshot.totalBytes > 0 ? Math.min(1, snapshot.bytes / snapshot.totalBytes) : 0;
  const filled = Math.round(share * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

/** The keys each node got so far, for plain progress lines of a fill over several nodes. */
function perNode(snapshot: ProgressSnapshot): string {
  const nodes = Object.entries(snapshot.perNode);
  if (nodes.length < 2) return "";
  return `; per node: ${
    nodes.map(([address, keys]) => `${address} ${formatCount(keys)}`).join(", ")
  }`;
}

/** Cuts a line to the terminal's width so rewriting it in place never wraps. */
function fitToTerminal(line: string): string {
  try {
    const { columns } = Deno.consoleSize();
    return line.length < columns ? line : line.slice(0, Math.max(0, columns - 1));
  } catch {
    return line;
  }
}

/** Options for {@linkcode terminalProgress}. */
export interface TerminalProgressOptions {
  /** Milliseconds between plain lines when stderr is not a terminal (default 5000). */
  plainIntervalMs?: number;
}

/**
 * A progress display on stderr: one rewritten line on a terminal, a plain line every few
 * seconds otherwise.
 *
 * @param options How often to print plain lines.
 * @returns The reporter.
 */
export function terminalProgress(options: TerminalProgressOptions = {}): ProgressReporter {
  const tty = stderrIsTty();
  const interval = options.plainIntervalMs ?? 5000;
  let lastPlain = -Infinity;
  let shown = false;
  return {
    update(snapshot) {
      const line = formatProgress(snapshot);
      if (tty) {
        const bar = `${progressBar(snapshot, 20)} ${line}`;
        writeStderr(`\r\x1b[2K${fitToTerminal(bar)}`);
        shown = true;
      } else if (snapshot.elapsedMs - lastPlain >= interval) {
        lastPlain = snapshot.elapsedMs;
        writeErr(`${line}${perNode(snapshot)}`);
      }
    },
    done() {
      if (tty && shown) writeStderr("\n");
      shown = false;
    },
  };
}
