/**
 * Turns zod issues into the sentences of pipeline errors: what was expected and what was
 * found, with a did-you-mean for misspelt keys and values.
 *
 * @module
 */

import type { z } from "zod";
import { didYouMean } from "../suggest.ts";
import { isSecretOption, MASK } from "../secrets.ts";
import type { NameOption } from "../types.ts";

/** One explained issue: where it is (relative to the validated value) and how to say it. */
export interface ExplainedIssue {
  /** Path from the validated value to the offending value (or the unknown key). */
  path: PropertyKey[];
  /** Whether the path ends at a key that is not known (point at the key, not the value). */
  atKey: boolean;
  /** The sentence, given how to name the thing at the path (e.g. `option "size"`). */
  sentence(subject: string): string;
  /**
   * What was expected, for a value typed after a flag (`expected a whole number ≥ 1`): the
   * flag and its text say what was found.
   */
  expectation: string;
  /** The schema author's whole sentence for a reader who names options by flags, if any. */
  words?: ((name: NameOption) => string) | undefined;
}

/**
 * A value as a user would read it in an error: strings quoted, lists and maps by kind.
 *
 * @param value Any value from a parsed file.
 * @returns A short description.
 */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return "nothing";
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 37)}...` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "bigint") return `${value}`;
  if (Array.isArray(value)) return "a list";
  if (value instanceof Uint8Array) return "binary data";
  if (typeof value === "object") return "a map";
  return typeof value;
}

/**
 * A path as written in a file: `format[1]`, `ttl.min`.
 *
 * @param path Keys and indices.
 * @returns The dotted path.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? String(segment) : `.${String(segment)}`;
  }
  return text;
}

/** The value at a path inside plain data, or undefined. */
function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/** Words for zod's type names. */
const TYPE_WORDS: Record<string, string> = {
  number: "a number",
  int: "a whole number",
  bigint: "a whole number",
  string: "a string",
  boolean: "true or false",
  array: "a list",
  tuple: "a list",
  object: "a map",
  record: "a map",
  map: "a map",
  null: "nothing",
  date: "a date",
  literal: "a fixed value",
};

/** Words for one zod type name. */
function typeWords(expected: unknown): string {
  const name = String(expected);
  return TYPE_WORDS[name] ?? `a ${name}`;
}

/** Whether a message is one of zod's own defaults (not the schema author's words). */
function isDefaultMessage(message: string): boolean {
  return /^(Invalid|Too (small|big)|Unrecognized key)/.test(message);
}

/** The author's message, lower-cased at the start unless it starts with an acronym. */
function authorWords(message: string): string {
  const first = message.charAt(0);
  const second = message.charAt(1);
  return second !== "" && second === second.toLowerCase()
    ? first.toLowerCase() + message.slice(1)
    : message;
}

/** Joins with commas and a final "or". */
function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

/** The nested schema at a path, through wrappers, or undefined. */
export function schemaAt(schema: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = schema;
  for (let index = 0; index <= path.length; index++) {
    // unwrap
    for (let guard = 0; guard < 20; guard++) {
      const def = (current as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod?.def;
      if (def === undefined) return undefined;
      if (
        ["optional", "nullable", "default", "prefault", "readonly", "catch", "nonoptional"]
          .includes(String(def.type))
      ) {
        current = def.innerType;
      } else if (def.type === "pipe") {
        current = def.in;
      } else break;
    }
    if (index === path.length) return current;
    const segment = path[index];
    const def = (current as { _zod: { def: Record<string, unknown> } })._zod.def;
    if (def.type === "object" && typeof segment === "string") {
      current = (def.shape as Record<string, unknown>)[segment];
    } else if (def.type === "array" && typeof segment === "number") {
      current = def.element;
    } else if (def.type === "record") {
      current = def.valueType;
    } else if (def.type === "union") {
      const options = def.options as unknown[];
      current = options.find((option) => schemaAt(option, path.slice(index)) !== undefined);
      if (current === undefined) return undefined;
      const rest = schemaAt(current, path.slice(index));
      return rest;
    } else return undefined;
    if (current === undefined) return undefined;
  }
  return current;
}

/** The keys an object schema knows at a path. */
function knownKeys(schema: unknown, path: readonly PropertyKey[]): string[] {
  const found = schemaAt(schema, path) as { _zod?: { def?: Record<string, unknown> } } | undefined;
  const def = found?._zod?.def;
  if (def?.type === "object") return Object.keys(def.shape as Record<string, unknown>);
  if (def?.type === "union") {
    const keys = new Set<string>();
    for (const option of def.options as unknown[]) {
      for (const key of knownKeys(option, [])) keys.add(key);
    }
    return [...keys];
  }
  return [];
}

/** Picks the branch of a failed union that got furthest, or undefined when none did. */
function deepestBranch(
  errors: readonly (readonly z.core.$ZodIssue[])[],
): z.core.$ZodIssue[] | undefined {
  let best: z.core.$ZodIssue[] | undefined;
  let bestDepth = 0;
  for (const branch of errors) {
    const depth = Math.max(
      0,
      ...branch.map((issue) => issue.path.length + (issue.code === "invalid_type" ? 0 : 0.5)),
    );
    if (depth > bestDepth) {
      best = [...branch];
      bestDepth = depth;
    }
  }
  return best;
}

/** The "expected …" words for one issue, or undefined to use the author's message. */
function expectedWords(issue: z.core.$ZodIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      return typeWords(issue.expected);
    case "invalid_value":
      return issue.values.length === 1
        ? JSON.stringify(issue.values[0])
        : `one of ${orList(issue.values.map((value) => JSON.stringify(value)))}`;
    case "too_small": {
      const minimum = String(issue.minimum);
      if (issue.origin === "string") {
        return issue.minimum === 1 ? "a non-empty string" : `at least ${minimum} characters`;
      }
      if (issue.origin === "array" || issue.origin === "set") {
        return issue.minimum === 1 ? "a non-empty list" : `at least ${minimum} items`;
      }
      return issue.inclusive ? `a number of at least ${minimum}` : `a number above ${minimum}`;
    }
    case "too_big": {
      const maximum = String(issue.maximum);
      if (issue.origin === "string") return `at most ${maximum} characters`;
      if (issue.origin === "array" || issue.origin === "set") return `at most ${maximum} items`;
      return issue.inclusive ? `a number of at most ${maximum}` : `a number below ${maximum}`;
    }
    case "not_multiple_of":
      return `a multiple of ${String(issue.divisor)}`;
    case "invalid_format":
      return issue.format === "regex"
        ? `a string matching ${String((issue as { pattern?: unknown }).pattern)}`
        : `a valid ${issue.format}`;
    default:
      return undefined;
  }
}

/** A number schema's bounds, read from its checks. */
interface NumberRange {
  int: boolean;
  min?: { value: number; inclusive: boolean } | undefined;
  max?: { value: number; inclusive: boolean } | undefined;
}

/** The bounds of a number schema, or undefined for another schema. */
function numberRange(schema: unknown): NumberRange | undefined {
  const def = (schema as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod?.def;
  if (def?.type !== "number") return undefined;
  const range: NumberRange = { int: false };
  for (const check of (def.checks ?? []) as { _zod: { def: Record<string, unknown> } }[]) {
    const { check: kind, value, inclusive, format } = check._zod.def;
    if (kind === "number_format" && /int/.test(String(format))) range.int = true;
    const bound = { value: Number(value), inclusive: inclusive === true };
    if (kind === "greater_than") range.min = bound;
    if (kind === "less_than") range.max = bound;
  }
  return range;
}

/**
 * What a number was expected to be, in the words of a command line: `a whole number ≥ 1`,
 * `a number above 0`; undefined when the issue is not about a number's type or bounds.
 */
function numberExpectation(schema: unknown, issue: z.core.$ZodIssue): string | undefined {
  const range = numberRange(schema);
  if (range === undefined) return undefined;
  const kind = range.int ? "a whole number" : "a number";
  const { min, max } = range;
  const low = min === undefined
    ? undefined
    : min.inclusive
    ? `≥ ${min.value}`
    : range.int
    ? `≥ ${min.value + 1}`
    : `above ${min.value}`;
  const high = max === undefined
    ? undefined
    : max.inclusive
    ? `≤ ${max.value}`
    : range.int
    ? `≤ ${max.value - 1}`
    : `below ${max.value}`;
  switch (issue.code) {
    case "too_small":
      return `expected ${kind} ${low ?? ""}`.trimEnd();
    case "too_big":
      return `expected ${kind} ${high ?? ""}`.trimEnd();
    case "invalid_type":
      return `expected ${kind} ${low ?? ""}`.trimEnd();
    default:
      return undefined;
  }
}

/** The `words` a custom issue carries in its `params`, if any. */
function wordsOf(issue: z.core.$ZodIssue): ((name: NameOption) => string) | undefined {
  const words = (issue as { params?: { words?: unknown } }).params?.words;
  return typeof words === "function" ? words as (name: NameOption) => string : undefined;
}

/**
 * Explains zod issues against the data that was validated.
 *
 * @param issues The issues of a failed `safeParse`.
 * @param data The value that was validated.
 * @param schema The schema, to find known keys for suggestions.
 * @param base Path prefix (for issues inside a union branch).
 * @returns One explained issue per problem.
 */
export function explainIssues(
  issues: readonly z.core.$ZodIssue[],
  data: unknown,
  schema: unknown,
  base: readonly PropertyKey[] = [],
): ExplainedIssue[] {
  const explained: ExplainedIssue[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    const found = valueAt(data, path);
    // A value at a secret key (`password`, `token`) is never quoted.
    const last = path.at(-1);
    const shown = typeof last === "string" && isSecretOption(last) ? MASK : describeValue(found);
    if (issue.code === "unrecognized_keys") {
      const known = knownKeys(schema, path);
      for (const key of issue.keys) {
        explained.push({
          path: [...path, key],
          atKey: true,
          sentence: (subject) => `${subject} is not known${didYouMean(key, known)}`,
          expectation: `"${key}" is not known${didYouMean(key, known)}`,
        });
      }
      continue;
    }
    if (issue.code === "invalid_union") {
      const branch = deepestBranch(issue.errors);
      if (branch !== undefined) {
        explained.push(...explainIssues(branch, data, schema, path));
        continue;
      }
      const words = issue.errors.flatMap((errors) =>
        errors.map((error) => expectedWords(error)).filter((word) => word !== undefined)
      );
      const unique = [...new Set(words)];
      explained.push({
        path,
        atKey: false,
        sentence: (subject) =>
          unique.length > 0
            ? `${subject}: expected ${orList(unique)}, found ${shown}`
            : `${subject} has an invalid value ${shown}`,
        expectation: unique.length > 0 ? `expected ${orList(unique)}` : "the value is not valid",
      });
      continue;
    }
    if (issue.code === "invalid_key" || issue.code === "invalid_element") {
      explained.push(...explainIssues(issue.issues, data, schema, path));
      continue;
    }
    const custom = !isDefaultMessage(issue.message);
    const words = expectedWords(issue);
    const missing = found === undefined && issue.code === "invalid_type";
    let suggestion = "";
    if (issue.code === "invalid_value" && typeof found === "string") {
      suggestion = didYouMean(found, issue.values.filter((v) => typeof v === "string"));
    }
    explained.push({
      path,
      atKey: false,
      expectation: custom
        ? authorWords(issue.message)
        : numberExpectation(schemaAt(schema, path), issue) ??
          (words === undefined ? "the value is not valid" : `expected ${words}${suggestion}`),
      words: wordsOf(issue),
      sentence(subject) {
        if (custom) {
          const message = authorWords(issue.message);
          const tail = /\bfound\b/.test(message) ? "" : `, found ${shown}`;
          return missing ? `${subject} is missing: ${message}` : `${subject}: ${message}${tail}`;
        }
        if (missing) return `${subject} is missing: expected ${words ?? "a value"}`;
        if (words === undefined) {
          return `${subject} has an invalid value ${shown}`;
        }
        return `${subject}: expected ${words}, found ${shown}${suggestion}`;
      },
    });
  }
  return explained;
}
