/**
 * The typed errors a user can cause, each with its exit code.
 *
 * Two tiers, as in std and cliffy: a user's mistake is a {@linkcode RedfillError}
 * subclass with a one-sentence message and an exit code, printed without a stack; a bug
 * is thrown as is and shown with its trace.
 *
 * A message may mention pipeline options ({@linkcode Message}, from `lib/message.ts`): its
 * `message` is then the sentence as a pipeline file's reader reads it, and
 * {@linkcode RedfillError.nameOptions} renames the options for another reader (the executor
 * does, with the flag table `deno task fill` hands the loader).
 *
 * @module
 */

import { Message, type RenderMessageOptions } from "./message.ts";

/** Exit codes from DESIGN.md ("Errors and exit codes"). */
export const ExitCode = {
  /** Done. */
  Ok: 0,
  /** Verify or benchmark check failed. */
  CheckFailed: 1,
  /** Usage or pipeline-file error. */
  Usage: 2,
  /** Connection, auth or TLS error. */
  Connection: 3,
  /** Fill error: node lost, writes rejected. */
  Fill: 4,
  /** Interrupted (Ctrl-C). */
  Interrupted: 130,
} as const;

/** One of the exit codes in {@linkcode ExitCode}. */
export type ExitCodeValue = typeof ExitCode[keyof typeof ExitCode];

/** Options for {@linkcode RedfillError}. */
export interface RedfillErrorOptions {
  /** The underlying error, shown only with `--debug`. */
  cause?: unknown;
}

/**
 * Base class of every error a user can cause. The message is one sentence that names the
 * thing and the fix; the CLI prints it without a stack trace.
 */
export class RedfillError extends Error {
  /** The process exit code this error maps to. */
  readonly exitCode: ExitCodeValue;
  /** The sentence with its option mentions, from which `message` is rendered. */
  readonly sentence: Message;

  /**
   * Makes an error a user caused.
   *
   * @param message One sentence naming the thing and the fix; a {@linkcode Message} when it
   *   mentions pipeline options.
   * @param exitCode The exit code.
   * @param options The cause, if any.
   */
  constructor(
    message: string | Message,
    exitCode: ExitCodeValue,
    options: RedfillErrorOptions = {},
  ) {
    const sentence = typeof message === "string" ? new Message([message]) : message;
    super(sentence.render(), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RedfillError";
    this.exitCode = exitCode;
    this.sentence = sentence;
  }

  /**
   * Renders `message` again with the options named for another reader, in place (the
   * executor calls it with the pipeline's `optionName` and the id of the failed step).
   *
   * @example
   * ```ts
   * import { equal } from "node:assert/strict";
   * import { ConnectionError } from "./errors.ts";
   * import { give, sentence } from "./message.ts";
   * const error = new ConnectionError(sentence`"h:1" requires a password: ${give("target.password")}`);
   * equal(error.message, '"h:1" requires a password: set target.password');
   * error.nameOptions({ name: (path) => (path === "target.password" ? "--password" : undefined) });
   * equal(error.message, '"h:1" requires a password: pass --password');
   * ```
   *
   * @param options How the reader names options, and the step that raised the error.
   * @returns This error.
   */
  nameOptions(options: RenderMessageOptions): this {
    this.message = this.sentence.render(options);
    return this;
  }
}

/** A bad flag, a bad option value or a bad pipeline file: exit 2. */
export class UsageError extends RedfillError {
  /**
   * Makes the error.
   *
   * @param message One sentence naming the thing and the fix.
   * @param options The cause, if any.
   */
  constructor(message: string | Message, options: RedfillErrorOptions = {}) {
    super(message, ExitCode.Usage, options);
    this.name = "UsageError";
  }
}

/** An unreachable host, a refused password or a TLS mismatch: exit 3. */
export class ConnectionError extends RedfillError {
  /**
   * Makes the error.
   *
   * @param message One sentence naming the thing and the fix.
   * @param options The cause, if any.
   */
  constructor(message: string | Message, options: RedfillErrorOptions = {}) {
    super(message, ExitCode.Connection, options);
    this.name = "ConnectionError";
  }
}

/** A node lost or writes rejected during a fill: exit 4. */
export class FillError extends RedfillError {
  /**
   * Makes the error.
   *
   * @param message One sentence naming the thing and the fix.
   * @param options The cause, if any.
   */
  constructor(message: string | Message, options: RedfillErrorOptions = {}) {
    super(message, ExitCode.Fill, options);
    this.name = "FillError";
  }
}

/** A verify or benchmark check that failed: exit 1. */
export class CheckFailedError extends RedfillError {
  /**
   * Makes the error.
   *
   * @param message One sentence naming every failed check with its numbers.
   * @param options The cause, if any.
   */
  constructor(message: string | Message, options: RedfillErrorOptions = {}) {
    super(message, ExitCode.CheckFailed, options);
    this.name = "CheckFailedError";
  }
}

/** The run was interrupted (SIGINT/SIGTERM): exit 130. */
export class InterruptedError extends RedfillError {
  /**
   * Makes the error.
   *
   * @param message What was interrupted.
   */
  constructor(message = "Interrupted") {
    super(message, ExitCode.Interrupted);
    this.name = "InterruptedError";
  }
}

/** A missing program (redis-server, openssl): exit 2, with the install command. */
export class MissingProgramError extends UsageError {
  /**
   * Makes the error.
   *
   * @param program The program that was not found on PATH.
   * @param install How to install it.
   */
  constructor(program: string, install: string) {
    super(`Cannot find "${program}" on PATH: install it with "${install}"`);
    this.name = "MissingProgramError";
  }
}

/**
 * Whether an error is one a user caused (printed as one line) rather than a bug.
 *
 * @param error Anything thrown.
 * @returns True for a {@linkcode RedfillError}.
 */
export function isUserError(error: unknown): error is RedfillError {
  return error instanceof RedfillError;
}
