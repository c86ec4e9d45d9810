/**
 * Errors that point into a pipeline file: `file:line:col: sentence` and the offending line
 * with a caret under the spot, go-task style; every problem of one pass together, act style.
 *
 * @module
 */

import { UsageError } from "../errors.ts";

/** What a {@linkcode PipelineError} is made of. */
export interface PipelineErrorInit {
  /** The pipeline file as the user named it. */
  file: string;
  /** 1-based line, or 0 when the problem has no place in the file (a flag, a missing file). */
  line: number;
  /** 1-based column, or 0. */
  column: number;
  /** The text of the offending line (secrets already masked), if any. */
  sourceLine?: string | undefined;
  /** The sentence: what is wrong and how to fix it. */
  reason: string;
  /** Id of the step concerned, if any. */
  step?: string | undefined;
  /** Name of the option concerned, if any. */
  option?: string | undefined;
  /**
   * The command-line flag the offending value came from, if it did: the message is then the
   * reason alone, since the user typed the flag and never saw the file.
   */
  flag?: string | undefined;
}

/**
 * Formats the offending line and a caret under the column.
 *
 * @param line 1-based line number.
 * @param column 1-based column.
 * @param text The text of the line.
 * @returns Two lines: `  12 | text` and `     |   ^`.
 */
export function formatSnippet(line: number, column: number, text: string): string {
  const number = String(line);
  const before = Array.from(text.slice(0, Math.max(0, column - 1)))
    .map((c) => (c === "\t" ? "\t" : " "))
    .join("");
  return `  ${number} | ${text.trimEnd()}\n  ${" ".repeat(number.length)} | ${before}^`;
}

/**
 * One problem in a pipeline file, with its place: a usage error (exit 2).
 *
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { PipelineError } from "./errors.ts";
 * const error = new PipelineError({
 *   file: "x.yaml", line: 1, column: 1, sourceLine: "name: x", reason: "The file has no version",
 * });
 * ok(error.message.startsWith("x.yaml:1:1: The file has no version"));
 * ```
 */
export class PipelineError extends UsageError {
  /** The pipeline file as the user named it. */
  readonly file: string;
  /** 1-based line, 0 when the problem has no place in the file. */
  readonly line: number;
  /** 1-based column, 0 when the problem has no place in the file. */
  readonly column: number;
  /** The offending line with a caret under the column, or "". */
  readonly snippet: string;
  /** The sentence without the place. */
  readonly reason: string;
  /** Id of the step concerned, if any. */
  readonly step: string | undefined;
  /** Name of the option concerned, if any. */
  readonly option: string | undefined;
  /** The command-line flag the offending value came from, if it did. */
  readonly flag: string | undefined;

  /**
   * Makes the error from its place and sentence, formatting the message and the snippet.
   *
   * @param init The place and the sentence.
   */
  constructor(init: PipelineErrorInit) {
    const snippet = init.line > 0 && init.sourceLine !== undefined
      ? formatSnippet(init.line, init.column, init.sourceLine)
      : "";
    const where = init.line > 0 ? `${init.file}:${init.line}:${init.column}` : init.file;
    super(
      init.flag !== undefined
        ? init.reason
        : `${where}: ${init.reason}${snippet === "" ? "" : `\n${snippet}`}`,
    );
    this.name = "PipelineError";
    this.file = init.file;
    this.line = init.line;
    this.column = init.column;
    this.snippet = snippet;
    this.reason = init.reason;
    this.step = init.step;
    this.option = init.option;
    this.flag = init.flag;
  }
}

/**
 * Every problem found in one pass over a pipeline file (act's `errors.Join`): a usage
 * error (exit 2) whose message is each problem's message, separated by a blank line.
 */
export class PipelineErrors extends UsageError {
  /** The problems, in file order. */
  readonly errors: readonly PipelineError[];

  /**
   * Joins the problems into one error.
   *
   * @param errors The problems, at least two.
   */
  constructor(errors: readonly PipelineError[]) {
    super(errors.map((error) => error.message).join("\n\n"));
    this.name = "PipelineErrors";
    this.errors = errors;
  }
}

/**
 * Throws the problems found, if any: one as a {@linkcode PipelineError}, several as
 * {@linkcode PipelineErrors}.
 *
 * @param errors The problems found.
 * @throws {PipelineError} when there is one problem.
 * @throws {PipelineErrors} when there are several.
 */
export function throwIfAny(errors: readonly PipelineError[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new PipelineErrors(errors);
}
