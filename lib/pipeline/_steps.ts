/**
 * The `steps:` list: each item is a bare name (`- connect`), a one-key map `{name: options}`
 * with an optional `id:` beside the name, or `uses: ./module.ts` with optional `with:` and
 * `id:`. A step's id is its `id:`, else its name; ids are unique.
 *
 * @module
 */

import { isMap, isScalar, isSeq, type Pair, type YAMLMap, type YAMLSeq } from "yaml";
import type { z } from "zod";
import type { StepDefinition } from "../types.ts";
import { didYouMean } from "../suggest.ts";
import { describeValue } from "./_issues.ts";
import { keyText, type LoadState, offsetOf, pairOf } from "./_load_state.ts";
import { loadModuleStep } from "./_modules.ts";
import type { Registry } from "./registry.ts";

/** Keys of a `uses:` step. */
const USES_KEYS = ["uses", "with", "id"];
/** A step id: a letter, then letters, digits, `-` or `_` (no dots: overrides split on them). */
const STEP_ID = /^[A-Za-z][A-Za-z0-9_-]*$/;
/** What a step item must look like, for errors. */
const STEP_FORMS = 'a step name, "name: { options }" or "uses: ./module.ts"';

/** One item of `steps:` as read from the file. */
export interface Entry {
  /** Its index in `steps:`. */
  index: number;
  /** Where it starts in the source. */
  offset: number;
  /** Its 1-based line. */
  line: number;
  /** Its 1-based column. */
  column: number;
  /** The step id. */
  id: string;
  /** The step name. */
  name: string;
  /** The `uses:` path as written, for a module step. */
  uses?: string | undefined;
  /** The definition, when the name (or module) resolved. */
  definition?: StepDefinition | undefined;
  /** The map holding the options under `key`, or the bare item to replace. */
  holder: { map: YAMLMap; key: string } | { seq: YAMLSeq; index: number };
  /** The validated options, once validated. */
  options: z.output<z.ZodObject> | undefined;
}

/**
 * Reads the `steps:` list: the forms, the names, the ids, and `uses:` modules.
 *
 * @param state The load.
 * @param root The file's top-level map.
 * @param registry Where names resolve (modules' transports are added to it).
 * @returns The steps read; problems are recorded for the others.
 */
export async function readSteps(
  state: LoadState,
  root: YAMLMap,
  registry: Registry,
): Promise<Entry[]> {
  const pair = pairOf(root, "steps");
  if (pair === undefined) {
    state.problem(
      offsetOf(root.items[0]?.key) ?? 0,
      'The file has no steps: add "steps:" with a list of steps',
    );
    return [];
  }
  const seq = state.deref(pair.value);
  if (!isSeq(seq) || seq.items.length === 0) {
    state.problem(
      offsetOf(seq) ?? offsetOf(pair.key),
      '"steps" must be a non-empty list, like "steps: [connect, discover, fill]"',
    );
    return [];
  }
  const entries: Entry[] = [];
  const ids = new Map<string, number>();
  for (let index = 0; index < seq.items.length; index++) {
    const item = state.deref(seq.items[index]);
    const offset = offsetOf(item) ?? offsetOf(seq.items[index]) ?? offsetOf(seq) ?? 0;
    const entry = await readStep(state, item, offset, index, seq, registry);
    if (entry === undefined) continue;
    const first = ids.get(entry.id);
    if (first !== undefined) {
      state.problem(
        entry.offset,
        `Step id "${entry.id}" is used twice (first at line ${first}): give this step another "id:"`,
        { step: entry.id },
      );
      continue;
    }
    ids.set(entry.id, entry.line);
    entries.push(entry);
  }
  return entries;
}

/** Reads one item of `steps:`. */
async function readStep(
  state: LoadState,
  item: unknown,
  offset: number,
  index: number,
  seq: YAMLSeq,
  registry: Registry,
): Promise<Entry | undefined> {
  const { line, column } = state.position(offset);
  const base = { index, offset, line, column, options: undefined };
  if (isScalar(item)) {
    if (typeof item.value !== "string" || item.value === "") {
      state.problem(offset, `A step must be ${STEP_FORMS}, found ${describeValue(item.value)}`);
      return undefined;
    }
    const definition = lookupStep(state, registry, item.value, offset);
    return { ...base, id: item.value, name: item.value, definition, holder: { seq, index } };
  }
  if (!isMap(item)) {
    const data = state.toData(item);
    state.problem(
      offset,
      `A step must be ${STEP_FORMS}, found ${
        data.ok ? describeValue(data.value) : "something else"
      }`,
    );
    return undefined;
  }
  const keys = item.items.map((pair) => ({ pair, key: keyText(pair) }));
  for (const { pair, key } of keys) {
    if (key === undefined) {
      state.problem(
        offsetOf(pair.key) ?? offset,
        `A step must be ${STEP_FORMS}, found a complex key`,
      );
      return undefined;
    }
  }
  const id = readId(state, item, offset);
  if (id === null) return undefined;

  if (pairOf(item, "uses") !== undefined) {
    for (const { pair, key } of keys) {
      if (!USES_KEYS.includes(key ?? "")) {
        state.problem(
          offsetOf(pair.key) ?? offset,
          `A "uses:" step takes only "uses", "with" and "id": ${JSON.stringify(key)} is not known${
            didYouMean(key ?? "", USES_KEYS)
          }`,
        );
        return undefined;
      }
    }
    const usesPair = pairOf(item, "uses") as Pair;
    const usesNode = state.deref(usesPair.value);
    const uses = isScalar(usesNode) ? usesNode.value : undefined;
    const usesOffset = offsetOf(usesNode) ?? offsetOf(usesPair.key) ?? offset;
    if (typeof uses !== "string") {
      state.problem(
        usesOffset,
        `"uses" must be a path like ./steps/my_step.ts, found ${describeValue(uses)}`,
      );
      return undefined;
    }
    const definition = await loadModuleStep(state, uses, usesOffset, registry);
    const stepName = definition?.name ?? uses;
    return {
      ...base,
      id: id ?? stepName,
      name: stepName,
      uses,
      definition,
      holder: { map: item, key: "with" },
    };
  }

  const names = keys.filter(({ key }) => key !== "id");
  if (names.length !== 1) {
    const found = names.map(({ key }) => JSON.stringify(key)).join(" and ");
    const withHint = names.some(({ key }) => key === "with")
      ? ': "with:" belongs to "uses:" steps; put a step\'s options under its name'
      : names.length === 0
      ? ""
      : ": put each step in its own list item";
    state.problem(
      offset,
      names.length === 0
        ? `A step must be ${STEP_FORMS}, found only an id`
        : `A step must be ${STEP_FORMS}, found ${found} in one item${withHint}`,
    );
    return undefined;
  }
  const namePair = names[0]?.pair as Pair;
  const name = names[0]?.key as string;
  const definition = lookupStep(state, registry, name, offsetOf(namePair.key) ?? offset);
  return { ...base, id: id ?? name, name, definition, holder: { map: item, key: name } };
}

/** The item's `id:`: undefined when absent, null after recording a bad one. */
function readId(state: LoadState, item: YAMLMap, offset: number): string | undefined | null {
  const idPair = pairOf(item, "id");
  if (idPair === undefined) return undefined;
  const idNode = state.deref(idPair.value);
  const value = isScalar(idNode) ? idNode.value : undefined;
  if (typeof value !== "string" || !STEP_ID.test(value)) {
    state.problem(
      offsetOf(idNode) ?? offsetOf(idPair.key) ?? offset,
      `A step id must be a letter followed by letters, digits, "-" or "_", found ${
        describeValue(value)
      }`,
    );
    return null;
  }
  return value;
}

/** Finds a registered step, or reports an unknown one with a did-you-mean. */
function lookupStep(
  state: LoadState,
  registry: Registry,
  name: string,
  offset: number,
): StepDefinition | undefined {
  const definition = registry.step(name);
  if (definition !== undefined) return definition;
  const known = registry.steps().map((step) => step.name);
  const hint = didYouMean(name, known);
  state.problem(
    offset,
    hint !== ""
      ? `Unknown step "${name}"${hint}`
      : `Unknown step "${name}": expected one of ${
        known.map((step) => `"${step}"`).join(", ")
      }, or "uses: ./module.ts"`,
    { step: name },
  );
  return undefined;
}
