/**
 * The state of one load of a pipeline file: the YAML document with its positions, the nodes
 * that overrides made (and where each came from), and the problems found so far — and how each
 * problem becomes a {@linkcode PipelineError}, named by its place in the file, by its `--set`
 * assignment, or by the flag that gave the value. Secrets are masked where they are put into
 * the text: the snippet's secret places (`_mask.ts`), a `--set` assignment to a secret key,
 * the password of a URL typed after a flag.
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type LineCounter,
  type Node as YamlNode,
  type Pair,
  type YAMLMap,
} from "yaml";
import type { NameOption } from "../types.ts";
import { PipelineError } from "./errors.ts";
import { maskAssignment, maskUrlPassword } from "../secrets.ts";
import { maskLine, secretRanges, type SourceRange } from "./_mask.ts";
import type { Override } from "./types.ts";

/** A problem found, before it is turned into a {@linkcode PipelineError}. */
export interface Problem {
  /** Where in the source it is, or undefined when it has no place there. */
  offset: number | undefined;
  /** The sentence as a reader of the file reads it (`step "fill": option "ttl": …`). */
  reason: string;
  /** Id of the step concerned. */
  step?: string | undefined;
  /** Name of the option concerned. */
  option?: string | undefined;
  /** The override that holds the offending value: its origin names the problem. */
  override?: Override | undefined;
  /** For a value given by a flag: what was expected (`expected a whole number ≥ 1`). */
  expected?: string | undefined;
  /** For a value given by a flag: the whole sentence, with options named by their flags. */
  words?: ((name: NameOption) => string) | undefined;
  /** Where the options `words` names live: a step id, or `target`. */
  scope?: string | undefined;
}

/** What a {@linkcode LoadState} is made of. */
export interface LoadStateInit {
  /** The file as the user named it. */
  file: string;
  /** Its text. */
  source: string;
  /** The parsed document. */
  doc: Document.Parsed;
  /** Positions of the document's nodes. */
  lineCounter: LineCounter;
  /** The directory overrides were typed in: their relative paths resolve against it. */
  cwd: string;
  /** How the caller names an option path (`fill.key-size`) in messages about its overrides. */
  optionName?: ((path: string) => string | undefined) | undefined;
}

/** Reads a pair's key as text, or undefined for a key that is not a scalar. */
export function keyText(pair: Pair): string | undefined {
  const key = pair.key;
  if (isScalar(key)) return key.value === null ? "" : String(key.value);
  if (key === null || key === undefined) return "";
  if (typeof key !== "object") return String(key);
  return undefined;
}

/** The start offset of a node, if it came from the file. */
export function offsetOf(node: unknown): number | undefined {
  const range = (node as { range?: readonly number[] } | null | undefined)?.range;
  return range?.[0];
}

/** The pair of a map with a key. */
export function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((pair) => keyText(pair) === key);
}

/** Whether a node holds nothing: absent, or an empty (null) scalar. */
export function isEmptyNode(node: unknown): boolean {
  return node === undefined || node === null || (isScalar(node) && node.value === null);
}

/** The state of one load: the document, positions and the problems found so far. */
export class LoadState {
  /** The file as the user named it. */
  readonly file: string;
  /** The file's directory, absolute: paths written in the file resolve against it. */
  readonly fileDir: string;
  /** The directory overrides were typed in: their relative paths resolve against it. */
  readonly cwd: string;
  /** Its text. */
  readonly source: string;
  /** The parsed document. */
  readonly doc: Document.Parsed;
  /** Positions of the document's nodes. */
  readonly lineCounter: LineCounter;
  /** The problems found so far. */
  readonly problems: Problem[] = [];
  /** Nodes and pairs made by overrides: they have no place in the file. */
  readonly #overrides = new WeakMap<object, Override>();
  readonly #optionName: ((path: string) => string | undefined) | undefined;
  /** Where the file holds secrets, read before any override or `${env.…}` changed it. */
  readonly #secretRanges: SourceRange[];

  /**
   * Starts a load.
   *
   * @param init The file, its document and how overrides are named.
   */
  constructor(init: LoadStateInit) {
    this.file = init.file;
    this.cwd = init.cwd;
    this.fileDir = dirname(resolve(init.cwd, init.file));
    this.source = init.source;
    this.doc = init.doc;
    this.lineCounter = init.lineCounter;
    this.#optionName = init.optionName;
    this.#secretRanges = secretRanges(init.doc, init.source);
  }

  /** Records a problem. */
  problem(offset: number | undefined, reason: string, extra: Partial<Problem> = {}): void {
    this.problems.push({ offset, reason, ...extra });
  }

  /** Marks a node (or pair) as made by an override. */
  markOverride(node: unknown, override: Override): void {
    if (typeof node === "object" && node !== null) this.#overrides.set(node, override);
  }

  /** The override that made a node, if one did. */
  overrideOf(node: unknown): Override | undefined {
    return typeof node === "object" && node !== null ? this.#overrides.get(node) : undefined;
  }

  /** The 1-based line and column of an offset. */
  position(offset: number): { line: number; column: number } {
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, column: col };
  }

  /** The text of a 1-based line. */
  sourceLine(line: number): string {
    const start = this.#lineStart(line);
    const end = this.source.indexOf("\n", start);
    return this.source.slice(start, end === -1 ? undefined : end).replace(/\r$/, "");
  }

  /** The text of a 1-based line as a snippet shows it: the secrets in it masked. */
  maskedLine(line: number): string {
    return maskLine(this.sourceLine(line), this.#lineStart(line), this.#secretRanges);
  }

  #lineStart(line: number): number {
    return line === 1 ? 0 : (this.lineCounter.lineStarts[line - 1] ?? 0);
  }

  /** Names an option of a scope (`fill`, `target`) as the caller knows it. */
  nameOption(scope: string | undefined, option: string): string {
    const path = scope === undefined ? option : `${scope}.${option}`;
    return this.#optionName?.(path) ?? `"${option}"`;
  }

  /** The problems as errors, in file order, each message once. */
  errors(): PipelineError[] {
    const sorted = this.problems
      .map((problem, order) => ({ problem, order }))
      .sort((a, b) => (a.problem.offset ?? -1) - (b.problem.offset ?? -1) || a.order - b.order);
    const seen = new Set<string>();
    const errors: PipelineError[] = [];
    for (const { problem } of sorted) {
      const error = this.#error(problem);
      if (seen.has(error.message)) continue;
      seen.add(error.message);
      errors.push(error);
    }
    return errors;
  }

  #error(problem: Problem): PipelineError {
    const base = { file: this.file, step: problem.step, option: problem.option };
    const origin = problem.override?.origin;
    if (origin !== undefined && "set" in origin) {
      const reason = `--set "${maskAssignment(origin.set)}": ${problem.reason}`;
      return new PipelineError({ ...base, line: 0, column: 0, reason });
    }
    if (origin !== undefined) {
      let reason: string;
      if (problem.words !== undefined) {
        reason = problem.words((option) => this.nameOption(problem.scope, option));
      } else {
        const typed = origin.text === undefined ? "" : ` "${maskUrlPassword(origin.text)}"`;
        const expected = problem.expected === undefined
          ? problem.reason
          : origin.expected === undefined
          ? problem.expected
          : `expected ${origin.expected}`;
        reason = `Invalid ${origin.flag}${typed}: ${expected}`;
      }
      return new PipelineError({
        ...base,
        line: 0,
        column: 0,
        flag: origin.flag,
        reason,
      });
    }
    if (problem.offset === undefined) {
      return new PipelineError({ ...base, line: 0, column: 0, reason: problem.reason });
    }
    const { line, column } = this.position(problem.offset);
    return new PipelineError({
      ...base,
      line,
      column,
      sourceLine: this.maskedLine(line),
      reason: problem.reason,
    });
  }

  /** Plain data of a node, or a problem when it cannot be converted. */
  toData(node: unknown): { ok: true; value: unknown } | { ok: false } {
    if (node === null || node === undefined) return { ok: true, value: undefined };
    try {
      const value = (node as YamlNode).toJS(this.doc, { maxAliasCount: 100 });
      return { ok: true, value };
    } catch (error) {
      this.problem(
        offsetOf(node),
        `Cannot read this value: ${error instanceof Error ? error.message : String(error)}`,
      );
      return { ok: false };
    }
  }

  /** Follows an alias to its node. */
  deref(node: unknown): unknown {
    if (isAlias(node)) {
      try {
        return node.resolve(this.doc);
      } catch {
        return undefined;
      }
    }
    return node;
  }

  /**
   * Where a path inside a node points: the offset of the deepest node that has one, and the
   * override that made the node, if one did.
   */
  locate(
    root: unknown,
    path: readonly PropertyKey[],
    fallback: number | undefined,
    atKey: boolean,
  ): { offset: number | undefined; override: Override | undefined } {
    let node: unknown = this.deref(root);
    let offset = offsetOf(node) ?? fallback;
    let override = this.overrideOf(node);
    for (let index = 0; index < path.length; index++) {
      const segment = path[index];
      if (isMap(node)) {
        const pair = node.items.find((item) => keyText(item) === String(segment));
        if (pair === undefined) break;
        offset = offsetOf(pair.key) ?? offset;
        override = this.overrideOf(pair) ?? override;
        if (index === path.length - 1 && atKey) break;
        node = this.deref(pair.value);
      } else if (isSeq(node) && typeof segment === "number") {
        node = this.deref(node.items[segment]);
      } else break;
      if (node === null || node === undefined) break;
      offset = offsetOf(node) ?? offset;
      override = this.overrideOf(node) ?? override;
    }
    return { offset, override };
  }
}
