/**
 * The error funnel of the command line: commander errors as usage errors with a
 * did-you-mean, and printing errors as one sentence (the stack only with `--debug`).
 *
 * Lower layers name pipeline options in their errors (`target.tls.cert`), as mentions the
 * reader's names replace (`lib/message.ts`). A run's errors are named by the executor with the
 * `optionName` the command gave the loader (`deno task fill`: the flags of `flagOf`);
 * an error that never went through a run is named here, with the same `optionName`.
 *
 * @module
 */

import type { CommanderError } from "commander";
import { ExitCode, type ExitCodeValue, isUserError, UsageError } from "../errors.ts";
import type { OptionNamer } from "../message.ts";
import type { RunResult } from "../pipeline/types.ts";
import { didYouMean } from "../suggest.ts";
import { writeErr } from "./terminal.ts";

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
  /**
   * How this command names pipeline options (`deno task fill`: `flagOf`); without it an
   * error's mentions show as option paths, as a pipeline file's reader knows them.
   */
  optionName?: OptionNamer | undefined;
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
  if (options.optionName !== undefined) error.nameOptions({ name: options.optionName });
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
