/**
 * The benchmark gate: `bench/thresholds.json` holds a bound per ratio; {@linkcode checkRatios}
 * names every ratio that crossed its bound. Ratios only — absolute times mean nothing on a
 * shared machine.
 *
 * @module
 */

import { z } from "zod";
import { CheckFailedError, UsageError } from "../lib/errors.ts";
import {
  checkThreshold,
  limitFor,
  parseExpression,
  type ThresholdExpression,
  thresholdLine,
} from "../lib/thresholds.ts";
import {
  CASE_IDS,
  type CaseId,
  type CheckedThreshold,
  type CheckOutcome,
  type CrossedThreshold,
  isVerifyRatio,
  type Ratio,
  RATIO_IDS,
  ratioCases,
  type SkippedThreshold,
  type Threshold,
} from "./results.ts";

const thresholdSchema = z.strictObject({
  ratio: z.string(),
  threshold: z.string().optional(),
  min: z.number().positive().optional(),
  max: z.number().positive().optional(),
  note: z.string().optional(),
}).refine((t) => t.threshold !== undefined || t.min !== undefined || t.max !== undefined, {
  message: 'needs a threshold (like ">= 0.85"), or min or max',
}).superRefine((t, ctx) => {
  if (t.threshold === undefined) return;
  const expression = parseExpression(t.threshold);
  const problem = typeof expression === "string"
    ? expression
    : typeof limitFor(expression, "number") === "string"
    ? `a ratio has no unit, so write a plain number: ${JSON.stringify(t.threshold)}`
    : undefined;
  if (problem !== undefined) {
    ctx.addIssue({ code: "custom", path: ["threshold"], message: problem });
  }
});

/**
 * The expressions of a threshold: its `threshold`, and `>= min`, `<= max` for the older bounds.
 *
 * @param threshold A threshold of the file.
 * @returns The expressions, each with its limit (a ratio has no unit).
 */
export function ratioExpressions(threshold: Threshold): ThresholdExpression[] {
  const expressions: ThresholdExpression[] = [];
  if (threshold.threshold !== undefined) {
    const expression = parseExpression(threshold.threshold);
    if (typeof expression !== "string") expressions.push(expression);
  }
  if (threshold.min !== undefined) expressions.push({ op: ">=", value: threshold.min, unit: "" });
  if (threshold.max !== undefined) expressions.push({ op: "<=", value: threshold.max, unit: "" });
  return expressions;
}

const fileSchema = z.strictObject({
  $schema: z.string().optional(),
  version: z.literal(1),
  thresholds: z.array(thresholdSchema),
});

/**
 * Reads and validates a thresholds file.
 *
 * @param path The file, e.g. `bench/thresholds.json`.
 * @returns The thresholds.
 * @throws {UsageError} when the file is missing, is not JSON, has an unknown ratio or a bad
 * bound.
 */
export async function loadThresholds(path: string): Promise<Threshold[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "no such file" : String(error);
    throw new UsageError(`Cannot read the thresholds file "${path}": ${reason}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `The thresholds file "${path}" is not valid JSON: ${
        error instanceof Error ? error.message : error
      }`,
    );
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(
      `The thresholds file "${path}" is invalid at "${
        issue.path.join(".") || "(top)"
      }": ${issue.message}`,
    );
  }
  for (const threshold of parsed.data.thresholds) {
    if (!RATIO_IDS.includes(threshold.ratio)) {
      throw new UsageError(
        `Unknown ratio "${threshold.ratio}" in the thresholds file "${path}": use one of ${
          RATIO_IDS.map((id) => `"${id}"`).join(", ")
        }`,
      );
    }
  }
  return parsed.data.thresholds;
}

/** Options for {@linkcode checkRatios}. */
export interface CheckRatiosOptions {
  /** The cases that ran (default: every case): a threshold needing another is skipped. */
  cases?: readonly CaseId[] | undefined;
  /** Whether verify was measured (default true): without it, verify ratios are skipped. */
  verify?: boolean | undefined;
}

/**
 * Compares measured ratios with thresholds. Only ratios whose two cases ran are judged: a
 * threshold on a ratio of a case left out with `--cases` is skipped and listed; a ratio whose
 * cases ran but which could not be computed counts as crossed.
 *
 * @example
 * ```ts
 * import { deepEqual, equal } from "node:assert/strict";
 * import { checkRatios } from "./check.ts";
 * const outcome = checkRatios(
 *   [{ id: "standalone/ceiling.throughput", description: "", value: 0.95, perRound: [0.95] }],
 *   [
 *     { ratio: "standalone/ceiling.throughput", min: 0.85 },
 *     { ratio: "tls/standalone.throughput", min: 0.5 },
 *   ],
 *   "bench/thresholds.json",
 *   { cases: ["ceiling", "standalone"] },
 * );
 * equal(outcome.checked, 1);
 * deepEqual(outcome.skipped, [{ ratio: "tls/standalone.throughput", missing: ["tls"] }]);
 * ```
 *
 * @param ratios The measured ratios.
 * @param thresholds The bounds.
 * @param file The thresholds file, for the outcome.
 * @param options The cases that ran.
 * @returns Every threshold checked, every one crossed, and every one skipped.
 */
export function checkRatios(
  ratios: readonly Ratio[],
  thresholds: readonly Threshold[],
  file: string,
  options: CheckRatiosOptions = {},
): CheckOutcome {
  const ran = options.cases ?? CASE_IDS;
  const crossed: CrossedThreshold[] = [];
  const results: CheckedThreshold[] = [];
  const skipped: SkippedThreshold[] = [];
  let checked = 0;
  for (const threshold of thresholds) {
    const missing: Array<CaseId | "verify"> = ratioCases(threshold.ratio)
      .filter((id) => !ran.includes(id));
    if (options.verify === false && isVerifyRatio(threshold.ratio)) missing.push("verify");
    if (missing.length > 0) {
      skipped.push({ ratio: threshold.ratio, missing });
      continue;
    }
    checked++;
    const ratio = ratios.find((candidate) => candidate.id === threshold.ratio);
    const value = ratio?.value ?? NaN;
    for (const expression of ratioExpressions(threshold)) {
      // The same check and the same line as a pipeline's thresholds (lib/thresholds.ts).
      const result = checkThreshold(
        {
          metric: threshold.ratio,
          unit: "number",
          expression,
          limit: expression.value,
          abortOnFail: false,
        },
        Number.isFinite(value) ? value : undefined,
      );
      results.push({
        metric: result.metric,
        expression: result.expression,
        ok: result.ok,
        observedText: result.observedText,
      });
      if (result.ok) continue;
      crossed.push({
        ratio: threshold.ratio,
        value,
        bound: expression.op.startsWith(">")
          ? "min"
          : expression.op.startsWith("<")
          ? "max"
          : "exact",
        limit: expression.value,
        expression: result.expression,
        message: `${thresholdLine(result)}${ratio ? ` (${ratio.description})` : ""}`,
      });
    }
  }
  return { file, checked, crossed, results, skipped };
}

/**
 * The line that says which thresholds `--check` skipped, or undefined when none was.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { describeSkipped } from "./check.ts";
 * equal(
 *   describeSkipped({
 *     file: "t.json",
 *     checked: 1,
 *     crossed: [],
 *     skipped: [{ ratio: "tls/standalone.throughput", missing: ["tls"] }],
 *   }),
 *   'Skipped 1 threshold in "t.json" whose cases were not run: tls/standalone.throughput (needs tls)',
 * );
 * ```
 *
 * @param outcome A check.
 * @returns One line.
 */
export function describeSkipped(outcome: CheckOutcome): string | undefined {
  if (outcome.skipped.length === 0) return undefined;
  const count = outcome.skipped.length;
  return `Skipped ${count} threshold${count === 1 ? "" : "s"} in "${outcome.file}" whose cases ` +
    `were not run: ${
      outcome.skipped.map((skip) => `${skip.ratio} (needs ${skip.missing.join(", ")})`).join(", ")
    }`;
}

/**
 * The error for a failed gate: a summary line, then one line per crossed threshold.
 *
 * @param outcome A check with at least one crossed threshold.
 * @returns The error (exit code 1).
 */
export function checkFailure(outcome: CheckOutcome): CheckFailedError {
  const lines = [
    `Benchmark check failed: ${outcome.crossed.length} threshold${
      outcome.crossed.length === 1 ? "" : "s"
    } in "${outcome.file}" crossed`,
    ...outcome.crossed.map((crossed) => `  ${crossed.message}`),
  ];
  return new CheckFailedError(lines.join("\n"));
}
