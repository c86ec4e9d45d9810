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
  /** A plugin step (a `uses:` module) failed, whatever it threw. */
  PluginFailed: 5,
  /** An internal error of redfill: a bug, printed with its stack. */
  Internal: 70,
  /** Interrupted by SIGINT (Ctrl-C): 128 + 2. */
  Interrupted: 130,
  /** Stopped by SIGTERM: 128 + 15. */
  Terminated: 143,
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

/** The signals that stop a run gracefully. */
export type StopSignal = "SIGINT" | "SIGTERM";

/** Options for {@linkcode InterruptedError}. */
export interface InterruptedErrorOptions {
  /** The signal that stopped the run (default SIGINT): SIGINT exits 130, SIGTERM 143. */
  signal?: StopSignal;
}

/** The run was interrupted: exit 130 for SIGINT (Ctrl-C), 143 for SIGTERM. */
export class InterruptedError extends RedfillError {
  /** The signal that stopped the run. */
  readonly signal: StopSignal;

  /**
   * Makes the error.
   *
   * @example
   * ```ts
   * import { equal } from "node:assert/strict";
   * import { InterruptedError } from "./errors.ts";
   * equal(new InterruptedError().exitCode, 130);
   * equal(new InterruptedError("Stopped", { signal: "SIGTERM" }).exitCode, 143);
   * ```
   *
   * @param message What was interrupted.
   * @param options The signal.
   */
  constructor(message = "Interrupted", options: InterruptedErrorOptions = {}) {
    const signal = options.signal ?? "SIGINT";
    super(message, signal === "SIGTERM" ? ExitCode.Terminated : ExitCode.Interrupted);
    this.name = "InterruptedError";
    this.signal = signal;
  }
}

/** Options for {@linkcode PluginStepError}. */
export interface PluginStepErrorOptions {
  /** What the step threw. */
  cause: unknown;
}

/**
 * A step from a `uses:` module threw, whatever it threw (a plain `Error` too): exit 5. The
 * message is one line naming the step, the module and what it said; the stack of what it
 * threw is the cause (`--debug` prints it).
 */
export class PluginStepError extends RedfillError {
  /** The step's id. */
  readonly step: string;
  /** The module, as `uses:` names it. */
  readonly module: string;

  /**
   * Makes the error.
   *
   * @example
   * ```ts
   * import { equal } from "node:assert/strict";
   * import { PluginStepError } from "./errors.ts";
   * const error = new PluginStepError("doctor", "./doctor.ts", { cause: new Error("No memory") });
   * equal(error.message, 'Step "doctor" from "./doctor.ts" failed: No memory');
   * equal(error.exitCode, 5);
   * ```
   *
   * @param step The step's id.
   * @param module The `uses:` path.
   * @param options What it threw.
   */
  constructor(step: string, module: string, options: PluginStepErrorOptions) {
    super(
      `Step "${step}" from "${module}" failed: ${firstLine(options.cause)}`,
      ExitCode.PluginFailed,
      { cause: options.cause },
    );
    this.name = "PluginStepError";
    this.step = step;
    this.module = module;
  }
}

/** Options for {@linkcode InternalError}. */
export interface InternalErrorOptions {
  /** The bug as thrown. */
  cause: unknown;
  /** Where it happened, e.g. `step "fill"`. */
  where?: string | undefined;
}

/**
 * A bug in redfill (a built-in step, a transport, the executor or the command line threw
 * something that is not one of redfill's errors): exit 70, printed with its stack and a
 * request to report it. Not a user error: {@linkcode isUserError} is false for it.
 */
export class InternalError extends RedfillError {
  /**
   * Makes the error.
   *
   * @example
   * ```ts
   * import { equal } from "node:assert/strict";
   * import { InternalError, isUserError } from "./errors.ts";
   * const error = new InternalError({ cause: new TypeError("x is undefined"), where: 'step "fill"' });
   * equal(error.message, 'Internal error in step "fill": TypeError: x is undefined');
   * equal(error.exitCode, 70);
   * equal(isUserError(error), false);
   * ```
   *
   * @param options The bug and where it happened.
   */
  constructor(options: InternalErrorOptions) {
    const what = options.cause instanceof Error
      ? `${options.cause.name}: ${firstLine(options.cause)}`
      : firstLine(options.cause);
    super(
      `Internal error${options.where === undefined ? "" : ` in ${options.where}`}: ${what}`,
      ExitCode.Internal,
      { cause: options.cause },
    );
    this.name = "InternalError";
  }
}

/** The first line of what was thrown. */
function firstLine(thrown: unknown): string {
  const text = thrown instanceof Error ? thrown.message : String(thrown);
  return text.split("\n")[0] ?? "";
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
 * @returns True for a {@linkcode RedfillError} other than an {@linkcode InternalError}.
 */
export function isUserError(error: unknown): error is RedfillError {
  return error instanceof RedfillError && !(error instanceof InternalError);
}
