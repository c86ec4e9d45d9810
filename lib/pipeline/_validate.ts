/**
 * Validates a map of the document (a step's options, the target) against its zod schema and
 * records every issue as a problem at the offending value — or at the override that gave it.
 *
 * @module
 */

import { isMap, isScalar } from "yaml";
import type { z } from "zod";
import { describeValue, explainIssues, formatPath } from "./_issues.ts";
import { type LoadState, offsetOf } from "./_load_state.ts";

/** How the problems of one map are worded. */
export interface ValidateLabel {
  /** Put before each sentence, e.g. `step "fill": `. */
  prefix: string;
  /** Names the option at a path, e.g. `option "size"`. */
  subject: (path: string) => string;
  /** The step id, for the error's `step`. */
  step?: string | undefined;
  /** Where options named by an issue's `words` live: the step id, or `target`. */
  scope: string;
}

/**
 * Validates a map node against an object schema with kebab-case keys, reporting unknown keys
 * with a did-you-mean and every type error with expected and found.
 *
 * @param state The load.
 * @param schema The object schema.
 * @param node The map (or nothing, read as `{}`).
 * @param fallback Where to point when the node has no place.
 * @param label How to word the problems.
 * @returns The validated value, or `{ ok: false }` after recording the problems.
 */
export function validateNode(
  state: LoadState,
  schema: z.ZodObject,
  node: unknown,
  fallback: number | undefined,
  label: ValidateLabel,
): { ok: true; value: unknown } | { ok: false } {
  const resolved = state.deref(node);
  let data: unknown = {};
  if (
    resolved !== null && resolved !== undefined &&
    !(isScalar(resolved) && resolved.value === null)
  ) {
    if (!isMap(resolved)) {
      const converted = state.toData(resolved);
      state.problem(
        offsetOf(resolved) ?? fallback,
        `${label.prefix}expected a map like { name: value }, found ${
          converted.ok ? describeValue(converted.value) : "something else"
        }`,
        { step: label.step },
      );
      return { ok: false };
    }
    const converted = state.toData(resolved);
    if (!converted.ok) return { ok: false };
    data = converted.value;
  }
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, value: result.data };
  for (const issue of explainIssues(result.error.issues, data, schema)) {
    const where = state.locate(resolved, issue.path, fallback, issue.atKey);
    const option = formatPath(issue.path);
    state.problem(
      where.override === undefined ? where.offset : undefined,
      `${label.prefix}${issue.sentence(label.subject(option))}`,
      {
        step: label.step,
        option,
        override: where.override,
        expected: issue.expectation,
        words: issue.words,
        scope: label.scope,
      },
    );
  }
  return { ok: false };
}
