/**
 * The error funnel of the command line, in two tiers: a user's mistake (and a plugin's
 * failure) is one sentence with its exit code, the stack only with `--debug`; a bug of redfill
 * is printed with its stack and a request to report it, exit 70. Commander errors become
 * usage errors with a did-you-mean.
 *
 * Lower layers name pipeline options in their errors (`target.tls.cert`), as mentions the
 * reader's names replace (`lib/message.ts`). A run's errors are named by the executor with the
 * `optionName` the command gave the loader (`deno task fill`: the flags of `flagOf`);
 * an error that never went through a run is named here, with the same `optionName`.
 *
 * @module
 */

import type { CommanderError } from "commander";
import {
  type ExitCodeValue,
  InternalError,
  InterruptedError,
  isUserError,
  PluginStepError,
  UsageError,
} from "../errors.ts";
import type { OptionNamer } from "../message.ts";
import type { RunResult } from "../pipeline/types.ts";
import { didYouMean } from "../suggest.ts";
import { writeErr } from "./terminal.ts";

/** What a commander program looks like to {@linkcode usageErrorFromCommander}. */
export interface CommanderLike {
  /** The program's options. */
  readonly options: readonly { long?: string | undefined; short?: string | undefined }[];
  /** Its subcommands, if any. */
  readonly commands?: readonly { name(): string }[];
  /** Its name (a subcommand's own: `up`). */
  name?(): string;
  /** The program a subcommand belongs to. */
  readonly parent?: CommanderLike | null;
}

/** The whole command as typed, from a (sub)command: `redfill redis up`. */
function fullName(program: CommanderLike): string | undefined {
  const own = program.name?.();
  if (own === undefined || own === "") return undefined;
  const parent = program.parent ? fullName(program.parent) : undefined;
  return parent === undefined ? own : `${parent} ${own}`;
}

/**
 * A commander parse error as a usage error, the same sentences for every command: an unknown
 * flag or command with a did-you-mean (or where to look when nothing is close), a missing or
 * extra argument, a bad choice.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { CommanderError } from "commander";
 * import { usageErrorFromCommander } from "./errors.ts";
 * const error = new CommanderError(2, "commander.unknownOption", "error: unknown option '--sedd'");
 * const program = { options: [{ long: "--seed" }], name: () => "redfill fill" };
 * equal(
 *   usageErrorFromCommander(error, program).message,
 *   'Unknown option "--sedd". Did you mean "--seed"?',
 * );
 * ```
 *
 * @param error The error commander threw (with `exitOverride()`).
 * @param program The (sub)command that was parsing, for its flags, subcommands and name.
 * @returns The usage error (exit 2).
 */
export function usageErrorFromCommander(error: CommanderError, program: CommanderLike): UsageError {
  const name = fullName(program);
  const help = name === undefined ? "" : `: see "${name} --help"`;
  if (error.code === "commander.unknownOption") {
    const flag = /'([^']+)'/.exec(error.message)?.[1] ?? "";
    const flags = program.options.map((option) => option.long).filter((long) => long !== undefined);
    return new UsageError(`Unknown option "${flag}"${didYouMean(flag, flags) || help}`);
  }
  const commands = (program.commands ?? []).map((command) => command.name());
  if (error.code === "commander.unknownCommand") {
    const command = /'([^']+)'/.exec(error.message)?.[1] ?? "";
    return new UsageError(
      `Unknown command "${command}"${
        didYouMean(command, commands) || `: use ${commands.join(", ")}`
      }`,
    );
  }
  if (error.code === "commander.help" && commands.length > 0) {
    // A program with subcommands and none given: commander would print its help to stderr.
    const see = name === undefined ? "" : ` (see "${name} --help")`;
    return new UsageError(`Missing command: use ${commands.join(", ")}${see}`);
  }
  const text = error.message.split("\n")[0]?.replace(/^error:\s*/, "") ?? error.message;
  if (error.code === "commander.excessArguments") {
    const match = /Expected (\d+) arguments? but got \d+: (.*?)\.?$/.exec(text);
    const expected = Number(match?.[1] ?? 0);
    const extra = (match?.[2] ?? "").split(", ").slice(expected).join(" ");
    return new UsageError(
      `Unexpected argument "${extra}": ${
        expected === 0 ? "this command takes only flags" : `it takes ${expected}`
      }`,
    );
  }
  if (error.code === "commander.missingArgument") {
    const argument = /'([^']+)'/.exec(text)?.[1] ?? "";
    return new UsageError(`Missing ${argument.toUpperCase()}${help}`);
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

/** The sentence printed after an internal error's stack. */
export const BUG_SENTENCE =
  "This is a bug in redfill, please report it (with the stack above and the command you ran)";

/** Prints a bug: its one line, the stack of what was thrown, and the request to report it. */
function printInternal(error: InternalError): ExitCodeValue {
  writeErr(error.message);
  const cause = error.cause;
  const stack = cause instanceof Error ? cause.stack : undefined;
  if (stack !== undefined) writeErr(stack);
  writeErr(BUG_SENTENCE);
  return error.exitCode;
}

/**
 * The funnel's second tier, for anything thrown outside the executor: a user error is printed
 * as its message (one sentence, or the aggregated pipeline errors), with the stack only under
 * `--debug`; anything else is a bug of redfill, printed with its stack and a request to report
 * it, and exits 70. It never throws.
 *
 * @example
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { UsageError } from "../errors.ts";
 * equal(reportError(new UsageError("Unknown option \"--x\"")), 2);
 * ```
 *
 * @param error Anything thrown.
 * @param options Whether to print the stack of a user error.
 * @returns The exit code to use.
 */
export function reportError(error: unknown, options: ReportErrorOptions = {}): ExitCodeValue {
  if (error instanceof InternalError) return printInternal(error);
  if (!isUserError(error)) return printInternal(new InternalError({ cause: error }));
  if (options.optionName !== undefined) error.nameOptions({ name: options.optionName });
  writeErr(error.message);
  if (options.debug === true && error.stack !== undefined) writeErr(error.stack);
  if (options.debug === true && error.cause !== undefined) {
    const cause = error.cause;
    writeErr(`Caused by: ${cause instanceof Error && cause.stack ? cause.stack : String(cause)}`);
  }
  return error.exitCode;
}

/**
 * Prints why a run stopped, one line: `Step "verify" failed: …`, a plugin's failure naming
 * its step and module (`--debug` adds what it threw, with its stack), the interruption, or an
 * internal error with its stack and the request to report it.
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
  if (error instanceof InternalError) return printInternal(error);
  const message = error instanceof InterruptedError || error instanceof PluginStepError ||
      failed === undefined
    ? error.message
    : `Step "${failed.id}" failed: ${error.message}`;
  writeErr(message);
  if (options.debug === true) {
    const cause = error.cause;
    const stack = cause instanceof Error && error instanceof PluginStepError
      ? cause.stack
      : error.stack;
    if (stack !== undefined) writeErr(stack);
  }
  return result.exitCode;
}
