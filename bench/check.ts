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
  type CheckOutcome,
  type CrossedThreshold,
  type Ratio,
  RATIO_IDS,
  type Threshold,
} from "./results.ts";

const thresholdSchema = z.strictObject({
  ratio: z.string(),
  min: z.number().positive().optional(),
  max: z.number().positive().optional(),
  note: z.string().optional(),
}).refine((t) => t.min !== undefined || t.max !== undefined, {
  message: "needs min or max",
});

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

/**
 * Compares measured ratios with thresholds.
 *
 * @param ratios The measured ratios.
 * @param thresholds The bounds.
 * @param file The thresholds file, for the outcome.
 * @returns Every threshold checked and every one crossed (a ratio not measured counts as
 * crossed).
 */
export function checkRatios(
  ratios: readonly Ratio[],
  thresholds: readonly Threshold[],
  file: string,
): CheckOutcome {
  const crossed: CrossedThreshold[] = [];
  for (const threshold of thresholds) {
    const ratio = ratios.find((candidate) => candidate.id === threshold.ratio);
    const value = ratio?.value ?? NaN;
    const bounds = [
      ["min", threshold.min] as const,
      ["max", threshold.max] as const,
    ];
    for (const [bound, limit] of bounds) {
      if (limit === undefined) continue;
      const bad = !Number.isFinite(value) || (bound === "min" ? value < limit : value > limit);
      if (!bad) continue;
      const measured = Number.isFinite(value) ? value.toFixed(3) : "not measured";
      const side = bound === "min" ? "below the minimum" : "above the maximum";
      crossed.push({
        ratio: threshold.ratio,
        value,
        bound,
        limit,
        message: `${threshold.ratio} is ${measured}, ${side} ${limit}${
          ratio ? ` (${ratio.description})` : ""
        }`,
      });
    }
  }
  return { file, checked: thresholds.length, crossed };
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
