/**
 * Glue shared by the command-line entry points (`tasks/run.ts`, `tasks/fill.ts`): a terminal
 * logger and progress display, Ctrl-C as an AbortSignal, commander errors as usage errors with
 * a did-you-mean, and printing errors as one sentence (the stack only with `--debug`).
 *
 * @module
 */

import { styleText } from "node:util";
import type { CommanderError } from "commander";
import { ExitCode, type ExitCodeValue, isUserError, UsageError } from "../errors.ts";
import type { Logger, ProgressReporter, ProgressSnapshot } from "../types.ts";
import { didYouMean } from "./_suggest.ts";
import type { RunResult } from "./types.ts";

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

/** Writes one line to stderr. */
function writeErr(text: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`${text}\n`));
}

/**
 * A logger that writes to stderr: info as is, warnings marked, debug only when asked.
 *
 * @example
 * ```ts
 * import { terminalLogger } from "./cli.ts";
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

/** Formats bytes with a binary unit. */
function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/**
 * One line describing a fill's progress: bytes, keys, MB/s and ETA.
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
    `${snapshot.keys.toLocaleString("en-US")} keys, ${(rate / 1e6).toFixed(1)} MB/s${eta}`;
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
    nodes.map(([address, keys]) => `${address} ${keys.toLocaleString("en-US")}`).join(", ")
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
        Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[2K${fitToTerminal(bar)}`));
        shown = true;
      } else if (snapshot.elapsedMs - lastPlain >= interval) {
        lastPlain = snapshot.elapsedMs;
        writeErr(`${line}${perNode(snapshot)}`);
      }
    },
    done() {
      if (tty && shown) Deno.stderr.writeSync(new TextEncoder().encode("\n"));
      shown = false;
    },
  };
}

/** A signal aborted by Ctrl-C, and how to stop listening. */
export interface Interrupt {
  /** Aborted on the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** Removes the signal listeners. */
  dispose(): void;
}

/**
 * Turns the first Ctrl-C (SIGINT, or SIGTERM) into an abort, so steps stop and everything
 * closes; a second one exits at once with 130.
 *
 * @returns The signal and a dispose function.
 */
export function interruptOnSignals(): Interrupt {
  const controller = new AbortController();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const handler = () => {
    if (controller.signal.aborted) Deno.exit(ExitCode.Interrupted);
    writeErr("Interrupted: stopping (press Ctrl-C again to quit at once)");
    controller.abort();
  };
  for (const signal of signals) Deno.addSignalListener(signal, handler);
  return {
    signal: controller.signal,
    dispose() {
      for (const signal of signals) Deno.removeSignalListener(signal, handler);
    },
  };
}

/** What a commander program looks like to {@linkcode usageErrorFromCommander}. */
export interface CommanderLike {
  /** The program's options. */
  readonly options: readonly { long?: string | undefined; short?: string | undefined }[];
}

/**
 * A commander parse error as a usage error, with a did-you-mean for a misspelt flag.
 *
 * @param error The error commander threw (with `exitOverride()`).
 * @param program The program, for its flags.
 * @returns The usage error (exit 2).
 */
export function usageErrorFromCommander(error: CommanderError, program: CommanderLike): UsageError {
  if (error.code === "commander.unknownOption") {
    const flag = /'([^']+)'/.exec(error.message)?.[1] ?? "";
    const flags = program.options.map((option) => option.long).filter((long) => long !== undefined);
    return new UsageError(`Unknown option "${flag}"${didYouMean(flag, flags)}`);
  }
  const text = error.message.split("\n")[0]?.replace(/^error:\s*/, "") ?? error.message;
  if (error.code === "commander.excessArguments") {
    const match = /Expected (\d+) arguments? but got \d+: (.*?)\.?$/.exec(text);
    const expected = Number(match?.[1] ?? 0);
    return new UsageError(
      `Unexpected argument "${match?.[2] ?? ""}": ${
        expected === 0 ? "this command takes only flags" : `it takes ${expected}`
      }`,
    );
  }
  // commander says "… is invalid. Allowed choices are a, b": one sentence instead.
  const sentence = text.replace(/'([^']*)'/g, '"$1"')
    .replace(/ is invalid\. Allowed choices are (.*?)\.?$/, " is not allowed: expected one of $1")
    .replace(/\.$/, "");
  return new UsageError(sentence.charAt(0).toUpperCase() + sentence.slice(1));
}

/** Options for {@linkcode reportError}. */
export interface ReportErrorOptions {
  /** Print the stack trace too. */
  debug?: boolean;
}

/**
 * Prints a user error as its message (one sentence, or the aggregated pipeline errors) on
 * stderr, with the stack only under `--debug`.
 *
 * @param error Anything thrown.
 * @param options Whether to print the stack.
 * @returns The exit code to use.
 * @throws {unknown} the error itself when it is a bug (not a user error).
 */
export function reportError(error: unknown, options: ReportErrorOptions = {}): ExitCodeValue {
  if (!isUserError(error)) throw error;
  writeErr(error.message);
  if (options.debug === true && error.stack !== undefined) writeErr(error.stack);
  if (options.debug === true && error.cause !== undefined) {
    writeErr(`Caused by: ${String(error.cause)}`);
  }
  return error.exitCode;
}

/**
 * Prints why a run stopped: `Step "verify" failed: …` (or the interruption).
 *
 * @param result A failed run.
 * @param options Whether to print the stack.
 * @returns The exit code.
 */
export function reportRunFailure(
  result: RunResult,
  options: ReportErrorOptions = {},
): ExitCodeValue {
  const failed = result.steps.find((step) => !step.ok);
  const error = result.error;
  if (error === undefined) return result.exitCode;
  const message = error.exitCode === ExitCode.Interrupted || failed === undefined
    ? error.message
    : `Step "${failed.id}" failed: ${error.message}`;
  writeErr(message);
  if (options.debug === true && error.stack !== undefined) writeErr(error.stack);
  return result.exitCode;
}
