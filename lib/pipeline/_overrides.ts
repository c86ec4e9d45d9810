/**
 * Overrides laid over the document before it is validated: `--set step.option=value` as typed
 * (the value read as YAML), or values a command translated from its flags. Each node an
 * override makes remembers the override, so a problem in it names its origin rather than a
 * place in the file.
 *
 * @module
 */

import { isMap, type Pair, parse as parseYaml, type YAMLMap } from "yaml";
import { didYouMean } from "../suggest.ts";
import { isEmptyNode, type LoadState, pairOf } from "./_load_state.ts";
import type { Entry } from "./_steps.ts";
import type { Override } from "./types.ts";

/** A path that cannot be set, because something on the way in the file is not a map. */
class NotAMap extends Error {}

/** Reads one `--set` value as YAML would read it. */
function readSetValue(text: string): unknown {
  if (text === "") return "";
  try {
    return parseYaml(text);
  } catch {
    return text;
  }
}

/**
 * Reads a `--set` assignment as typed.
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { overrideFromSet } from "./_overrides.ts";
 * deepEqual(overrideFromSet("target.port=7000"), {
 *   path: "target.port", value: 7000, origin: { set: "target.port=7000" },
 * });
 * ```
 *
 * @param assignment `path=value`.
 * @returns The override, or undefined when there is no `=`.
 */
export function overrideFromSet(assignment: string): Override | undefined {
  const equals = assignment.indexOf("=");
  if (equals === -1) return undefined;
  return {
    path: assignment.slice(0, equals),
    value: readSetValue(assignment.slice(equals + 1)),
    origin: { set: assignment },
  };
}

/**
 * Lays the overrides over the document, in order: `target.key…` into `target:`, and
 * `id.option…` into the options of the step with that id.
 *
 * @param state The load.
 * @param root The file's top-level map.
 * @param entries The steps read.
 * @param overrides `--set` assignments as typed, or overrides with their origin.
 */
export function applyOverrides(
  state: LoadState,
  root: YAMLMap,
  entries: Entry[],
  overrides: readonly (string | Override)[],
): void {
  const usage = "expected step.option=value, like fill.size=2GiB or target.port=7000";
  for (const given of overrides) {
    const override = typeof given === "string" ? overrideFromSet(given) : given;
    if (override === undefined) {
      state.problem(undefined, `--set "${given}": ${usage}`);
      continue;
    }
    const path = override.path.split(".");
    const [head = "", ...rest] = path;
    if (rest.length === 0 || path.some((part) => part === "")) {
      state.problem(undefined, usage, { override });
      continue;
    }
    const node = state.doc.createNode(override.value);
    state.markOverride(node, override);
    if (head === "target") {
      try {
        setIn(state, targetMap(state, root), rest, node, override);
      } catch {
        state.problem(undefined, `"target" in the file is not a map`, { override });
      }
      continue;
    }
    const entry = entries.find((candidate) => candidate.id === head);
    if (entry === undefined) {
      state.problem(
        undefined,
        `the pipeline has no step with id "${head}"${
          didYouMean(head, [...entries.map((e) => e.id), "target"])
        }`,
        { override },
      );
      continue;
    }
    try {
      setIn(state, optionsMap(state, entry), rest, node, override);
    } catch {
      state.problem(undefined, `the options of step "${entry.id}" in the file are not a map`, {
        step: entry.id,
        override,
      });
    }
  }
}

/** The `target:` map, made when the file has none (or an empty one). */
function targetMap(state: LoadState, root: YAMLMap): YAMLMap {
  if (pairOf(root, "target") === undefined) root.set("target", state.doc.createNode({}));
  const pair = pairOf(root, "target") as Pair;
  const node = state.deref(pair.value);
  if (isMap(node)) return node;
  if (!isEmptyNode(node)) throw new NotAMap();
  const map = state.doc.createNode({}) as YAMLMap;
  pair.value = map;
  return map;
}

/** Sets a value at a path inside a map, creating maps on the way; marks what it made. */
function setIn(
  state: LoadState,
  map: YAMLMap,
  path: readonly string[],
  node: unknown,
  override: Override,
): void {
  let current = map;
  for (let index = 0; index < path.length - 1; index++) {
    const key = path[index] as string;
    const pair = pairOf(current, key);
    let next = state.deref(pair?.value);
    if (isEmptyNode(next)) {
      next = state.doc.createNode({});
      state.markOverride(next, override);
      if (pair === undefined) current.set(key, next);
      else pair.value = next;
      state.markOverride(pairOf(current, key), override);
    }
    if (!isMap(next)) throw new NotAMap();
    current = next;
  }
  const last = path[path.length - 1] as string;
  const pair = pairOf(current, last);
  if (pair === undefined) current.set(state.doc.createNode(last), node);
  else pair.value = node;
  state.markOverride(pairOf(current, last), override);
}

/** The options map of a step, made when the file gives none. */
function optionsMap(state: LoadState, entry: Entry): YAMLMap {
  const holder = entry.holder;
  if ("seq" in holder) {
    const map = state.doc.createNode({ [entry.name]: {} }) as YAMLMap;
    holder.seq.items[holder.index] = map;
    entry.holder = { map, key: entry.name };
    return pairOf(map, entry.name)?.value as YAMLMap;
  }
  const pair = pairOf(holder.map, holder.key);
  const value = state.deref(pair?.value);
  if (isMap(value)) return value;
  if (isEmptyNode(value)) {
    const map = state.doc.createNode({}) as YAMLMap;
    if (pair === undefined) holder.map.set(holder.key, map);
    else pair.value = map;
    return map;
  }
  throw new NotAMap();
}
