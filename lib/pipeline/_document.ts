/**
 * The top of a pipeline file: YAML syntax, the root map and its keys, `version: 1`, `name`
 * and `description`.
 *
 * @module
 */

import { isMap, isScalar, LineCounter, parseDocument, type YAMLMap } from "yaml";
import { didYouMean } from "../suggest.ts";
import { describeValue } from "./_issues.ts";
import { keyText, LoadState, offsetOf, pairOf } from "./_load_state.ts";
import { throwIfAny } from "./errors.ts";

/** Top-level keys of a pipeline file. */
const TOP_LEVEL_KEYS = [
  "version",
  "name",
  "description",
  "target",
  "steps",
  "thresholds",
  "$schema",
];

/**
 * Whether a YAML error is a repeated key inside the `thresholds` map: `_thresholds.ts` names
 * that one as a metric listed twice.
 */
function inThresholds(doc: ReturnType<typeof parseDocument>, offset: number): boolean {
  const root = doc.contents;
  if (!isMap(root)) return false;
  const range = (pairOf(root, "thresholds")?.value as { range?: readonly number[] } | null)
    ?.range;
  return range !== undefined && offset >= range[0]! && offset < range[2]!;
}

/** Options for {@linkcode openDocument}. */
export interface OpenDocumentOptions {
  /** The directory overrides were typed in. */
  cwd: string;
  /** How the caller names an option path in messages about its overrides. */
  optionName?: ((path: string) => string | undefined) | undefined;
}

/**
 * Parses the text and checks its top: syntax, a root map, known keys and the version.
 *
 * @param source The YAML or JSON text.
 * @param file The file as the user named it.
 * @param options Where overrides were typed and how they are named.
 * @returns The load state and the root map (problems with keys and version are recorded).
 * @throws {PipelineError} for a syntax error, an empty file or a root that is not a map.
 * @throws {PipelineErrors} for several syntax errors.
 */
export function openDocument(
  source: string,
  file: string,
  options: OpenDocumentOptions,
): { state: LoadState; root: YAMLMap } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const state = new LoadState({ file, source, doc, lineCounter, ...options });

  for (const error of doc.errors) {
    if (error.code === "DUPLICATE_KEY" && inThresholds(doc, error.pos[0])) continue;
    const message = error.message.replace(/ at line \d+, column \d+[\s\S]*$/, "").replace(/:$/, "");
    state.problem(error.pos[0], `Invalid YAML: ${message}`);
  }
  throwIfAny(state.errors());

  const root = state.deref(doc.contents);
  if (root === null || root === undefined || (isScalar(root) && root.value === null)) {
    state.problem(undefined, 'The file is empty: start it with "version: 1"');
    throwIfAny(state.errors());
  }
  if (!isMap(root)) {
    state.problem(
      offsetOf(root),
      "A pipeline file must be a map with version, name, target and steps",
    );
    throwIfAny(state.errors());
    throw new Error("unreachable");
  }
  for (const pair of root.items) {
    const key = keyText(pair);
    if (key === undefined || !TOP_LEVEL_KEYS.includes(key)) {
      state.problem(
        offsetOf(pair.key),
        `Unknown key ${JSON.stringify(key ?? "?")}${didYouMean(key ?? "", TOP_LEVEL_KEYS)}`,
      );
    }
  }
  checkVersion(state, root);
  return { state, root };
}

/** Checks `version: 1`. */
function checkVersion(state: LoadState, root: YAMLMap): void {
  const pair = pairOf(root, "version");
  if (pair === undefined) {
    state.problem(
      offsetOf(root.items[0]?.key) ?? 0,
      'The file has no version: add "version: 1" at the top',
    );
    return;
  }
  const node = state.deref(pair.value);
  const value = isScalar(node) ? node.value : undefined;
  if (value !== 1 && value !== "1") {
    state.problem(
      offsetOf(node) ?? offsetOf(pair.key),
      `Version ${
        describeValue(isScalar(node) ? node.value : "?")
      } is not supported: this redfill reads "version: 1"`,
    );
  }
}

/**
 * Reads an optional non-empty string at the top level.
 *
 * @param state The load.
 * @param root The root map.
 * @param key `name` or `description`.
 * @returns The string, or undefined (after recording a problem when it is not one).
 */
export function readString(state: LoadState, root: YAMLMap, key: string): string | undefined {
  const pair = pairOf(root, key);
  if (pair === undefined) return undefined;
  const node = state.deref(pair.value);
  if (isScalar(node) && typeof node.value === "string" && node.value.trim() !== "") {
    return node.value;
  }
  const data = state.toData(node);
  state.problem(
    offsetOf(node) ?? offsetOf(pair.key),
    `"${key}" must be a non-empty string, found ${
      data.ok ? describeValue(data.value) : "something else"
    }`,
  );
  return undefined;
}

/**
 * The file's base name without its extension: the pipeline's default name.
 *
 * @param file The file.
 * @returns E.g. `fill` for `pipelines/fill.yaml`.
 */
export function baseName(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.(ya?ml|json)$/i, "");
}
