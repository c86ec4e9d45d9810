/**
 * Thresholds, k6-style: what passing means for a metric a step measured. One module for the
 * expressions (`> 100MiB/s`, `<= 5%`, `== 0`), their units, how a metric's value is shown, and
 * the ✓/✗ line of a result — pure, so the pipeline loader, the executor, the report and the
 * benchmark gate all say "passing" the same way.
 *
 * A metric is measured in one unit ({@linkcode MetricUnit}); a limit may be written in any unit
 * of the same kind (`1GiB/s` for a rate in MiB/s, `500ms` for seconds), and a bare number is in
 * the metric's own unit. Sizes and rates are binary: KB, MB and GB mean KiB, MiB and GiB.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { limitFor, parseExpression, passes } from "./thresholds.ts";
 * const expression = parseExpression("> 100MiB/s");
 * if (typeof expression === "string") throw new Error(expression);
 * const limit = limitFor(expression, "MiB/s");
 * if (typeof limit === "string") throw new Error(limit);
 * equal(passes(expression.op, 150, limit), true);
 * equal(passes(expression.op, 50, limit), false);
 * ```
 *
 * @module
 */

/**
 * The override path of a threshold a command adds (`deno task fill --threshold`): its value is
 * the metric and the expression, `fill.throughput>100MiB/s`.
 */
export const THRESHOLD_PATH = "thresholds";

/** The unit a metric is measured in: its values are numbers in this unit. */
export type MetricUnit = "MiB/s" | "bytes" | "s" | "%" | "number";

/** Every metric unit, for validation. */
export const METRIC_UNITS: readonly MetricUnit[] = ["MiB/s", "bytes", "s", "%", "number"];

/** What a step declares about a metric it produces (`defineStep({ metrics })`). */
export interface MetricSpec {
  /** The unit of the values the step publishes. */
  readonly unit: MetricUnit;
  /** One line: what it measures. */
  readonly description: string;
}

/** A comparison operator. */
export type ThresholdOp = "<" | "<=" | ">" | ">=" | "==" | "!=";

/** A parsed expression: operator, number and the unit as written (`""` for none). */
export interface ThresholdExpression {
  /** The operator. */
  readonly op: ThresholdOp;
  /** The number as written. */
  readonly value: number;
  /** The unit as written, `""` when none. */
  readonly unit: string;
}

/** Units a limit may be written in, by the metric unit they convert to, with their factor. */
const UNIT_FACTORS: Readonly<Record<MetricUnit, Readonly<Record<string, number>>>> = {
  "MiB/s": {
    "B/s": 1 / 1024 / 1024,
    "KiB/s": 1 / 1024,
    "KB/s": 1 / 1024,
    "MiB/s": 1,
    "MB/s": 1,
    "GiB/s": 1024,
    "GB/s": 1024,
  },
  bytes: {
    B: 1,
    KiB: 1024,
    KB: 1024,
    MiB: 1024 ** 2,
    MB: 1024 ** 2,
    GiB: 1024 ** 3,
    GB: 1024 ** 3,
    TiB: 1024 ** 4,
    TB: 1024 ** 4,
  },
  s: { ms: 0.001, s: 1, m: 60, min: 60, h: 3600 },
  "%": { "%": 1 },
  number: {},
};

/** What a unit of each kind looks like, for messages. */
const UNIT_EXAMPLES: Readonly<Record<MetricUnit, string>> = {
  "MiB/s": "a rate like 100MiB/s (KiB/s, MiB/s, GiB/s)",
  bytes: "a size like 128MiB (B, KiB, MiB, GiB, TiB)",
  s: "a duration like 60s (ms, s, m, h)",
  "%": "a percentage like 5%",
  number: "a plain number",
};

/**
 * Reads an expression: an operator, a number and an optional unit (`> 100MiB/s`, `<=5%`).
 *
 * @example
 * ```ts
 * import { deepEqual, equal } from "node:assert/strict";
 * import { parseExpression } from "./thresholds.ts";
 * deepEqual(parseExpression("<= 1.5 GiB"), { op: "<=", value: 1.5, unit: "GiB" });
 * equal(parseExpression("about 5"), 'expected an operator (<, <=, >, >=, ==, !=), a number and an optional unit, like "> 100MiB/s", not "about 5"');
 * ```
 *
 * @param text The expression.
 * @returns The expression, or a phrase saying what is wrong (for a sentence's detail).
 */
export function parseExpression(text: string): ThresholdExpression | string {
  const match =
    /^\s*(<=|>=|==|!=|<|>)\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*([A-Za-z%/]*)\s*$/
      .exec(text);
  if (match === null) {
    return `expected an operator (${
      OPS_ORDER.join(", ")
    }), a number and an optional unit, like "> 100MiB/s", not ${JSON.stringify(text)}`;
  }
  return { op: match[1] as ThresholdOp, value: Number(match[2]), unit: match[3] ?? "" };
}

/** The operators in the order messages list them. */
const OPS_ORDER: readonly ThresholdOp[] = ["<", "<=", ">", ">=", "==", "!="];

/**
 * The limit of an expression in the metric's unit, or why its unit does not fit the metric.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { limitFor } from "./thresholds.ts";
 * equal(limitFor({ op: ">", value: 1, unit: "GiB/s" }, "MiB/s"), 1024);
 * equal(limitFor({ op: "<", value: 500, unit: "ms" }, "s"), 0.5);
 * equal(limitFor({ op: "<", value: 2, unit: "" }, "s"), 2);
 * equal(limitFor({ op: "<", value: 2, unit: "MiB" }, "MiB/s"), 'the unit "MiB" does not fit a metric in MiB/s: write a rate like 100MiB/s (KiB/s, MiB/s, GiB/s)');
 * ```
 *
 * @param expression A parsed expression.
 * @param unit The metric's unit.
 * @returns The limit as a number in `unit`, or a phrase saying why the unit does not fit.
 */
export function limitFor(expression: ThresholdExpression, unit: MetricUnit): number | string {
  if (expression.unit === "") return expression.value;
  const factor = UNIT_FACTORS[unit][expression.unit];
  if (factor === undefined) {
    const known = Object.values(UNIT_FACTORS).some((units) => expression.unit in units);
    const measured = unit === "number" ? "a metric without a unit" : `a metric in ${unit}`;
    return `the unit "${expression.unit}" ${
      known ? "does not fit" : "is not a unit redfill knows, and does not fit"
    } ${measured}: write ${UNIT_EXAMPLES[unit]}`;
  }
  return expression.value * factor;
}

/**
 * Whether an observed value passes a threshold.
 *
 * @param op The operator.
 * @param observed The value measured.
 * @param limit The limit, in the same unit.
 * @returns True when `observed op limit` holds.
 */
export function passes(op: ThresholdOp, observed: number, limit: number): boolean {
  switch (op) {
    case "<":
      return observed < limit;
    case "<=":
      return observed <= limit;
    case ">":
      return observed > limit;
    case ">=":
      return observed >= limit;
    case "==":
      return observed === limit;
    case "!=":
      return observed !== limit;
  }
}

/** Rounds for display: at most `digits` decimals, trailing zeros dropped. */
function trim(value: number, digits: number): string {
  return String(Number(value.toFixed(digits)));
}

/**
 * A metric's value as a person reads it, in its unit (`150.3 MiB/s`, `97 MiB`, `1.2 s`).
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { formatMetric } from "./thresholds.ts";
 * equal(formatMetric(150.26, "MiB/s"), "150.3 MiB/s");
 * equal(formatMetric(101711872, "bytes"), "97 MiB");
 * equal(formatMetric(0.5, "s"), "500 ms");
 * equal(formatMetric(3.25, "%"), "3.25%");
 * equal(formatMetric(0, "number"), "0");
 * ```
 *
 * @param value The value, in `unit`.
 * @param unit The metric's unit.
 * @returns The text.
 */
export function formatMetric(value: number, unit: MetricUnit): string {
  switch (unit) {
    case "MiB/s":
      return value >= 1024 ? `${trim(value / 1024, 2)} GiB/s` : `${trim(value, 1)} MiB/s`;
    case "bytes": {
      const steps: [number, string][] = [[1024 ** 4, "TiB"], [1024 ** 3, "GiB"], [
        1024 ** 2,
        "MiB",
      ], [1024, "KiB"]];
      for (const [size, name] of steps) {
        if (Math.abs(value) >= size) return `${trim(value / size, 1)} ${name}`;
      }
      return `${trim(value, 0)} B`;
    }
    case "s":
      return Math.abs(value) < 1 && value !== 0
        ? `${trim(value * 1000, 1)} ms`
        : `${trim(value, 2)} s`;
    case "%":
      return `${trim(value, 2)}%`;
    case "number":
      return trim(value, 3);
  }
}

/**
 * An expression as the report shows it: operator, number and unit as written (`> 100 MiB/s`).
 *
 * @param expression A parsed expression.
 * @returns The text.
 */
export function formatExpression(expression: ThresholdExpression): string {
  const unit = expression.unit === "" ? "" : expression.unit === "%" ? "%" : ` ${expression.unit}`;
  return `${expression.op} ${expression.value}${unit}`;
}

/** One threshold to check: a metric, an expression and what to do when it fails. */
export interface Threshold {
  /** The metric's full name (`fill.throughput`, `step.fill.duration`). */
  readonly metric: string;
  /** The metric's unit. */
  readonly unit: MetricUnit;
  /** The expression. */
  readonly expression: ThresholdExpression;
  /** The limit in the metric's unit. */
  readonly limit: number;
  /** Stop the run at the first sample that fails. */
  readonly abortOnFail: boolean;
}

/** A threshold checked: the value observed and whether it passed. */
export interface ThresholdResult {
  /** The metric's full name. */
  readonly metric: string;
  /** The expression as the report shows it (`> 100 MiB/s`). */
  readonly expression: string;
  /** Whether it passed (a metric never measured fails). */
  readonly ok: boolean;
  /** The value observed, in the metric's unit; null when it was never measured. */
  readonly observed: number | null;
  /** The metric's unit. */
  readonly unit: MetricUnit;
  /** The observed value as a person reads it, or why there is none. */
  readonly observedText: string;
  /** Whether the threshold stops the run at the first failing sample. */
  readonly abortOnFail: boolean;
  /** Whether this threshold stopped the run (abort-on-fail). */
  readonly stoppedRun: boolean;
}

/** Options for {@linkcode checkThreshold}. */
export interface CheckThresholdOptions {
  /** This threshold stopped the run at a failing sample. */
  stoppedRun?: boolean | undefined;
  /** Why the metric has no value (default "not measured"). */
  missing?: string | undefined;
}

/**
 * Checks a threshold against the value observed (undefined: never measured, which fails).
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { checkThreshold, thresholdLine } from "./thresholds.ts";
 * const result = checkThreshold({
 *   metric: "fill.throughput", unit: "MiB/s", limit: 100, abortOnFail: false,
 *   expression: { op: ">", value: 100, unit: "MiB/s" },
 * }, 150.26);
 * equal(thresholdLine(result), "✓ fill.throughput > 100 MiB/s: observed 150.3 MiB/s");
 * ```
 *
 * @param threshold The threshold.
 * @param observed The metric's value, in its unit, or undefined.
 * @param options Whether it stopped the run; why there is no value.
 * @returns The result.
 */
export function checkThreshold(
  threshold: Threshold,
  observed: number | undefined,
  options: CheckThresholdOptions = {},
): ThresholdResult {
  const measured = observed !== undefined && Number.isFinite(observed);
  return {
    metric: threshold.metric,
    expression: formatExpression(threshold.expression),
    ok: measured && passes(threshold.expression.op, observed, threshold.limit),
    observed: measured ? observed : null,
    unit: threshold.unit,
    observedText: measured
      ? formatMetric(observed, threshold.unit)
      : (options.missing ?? "not measured"),
    abortOnFail: threshold.abortOnFail,
    stoppedRun: options.stoppedRun === true,
  };
}

/** What a threshold result line is made of (a report's or a benchmark's). */
export interface ThresholdLineInput {
  /** The metric. */
  readonly metric: string;
  /** The expression as shown. */
  readonly expression: string;
  /** Whether it passed. */
  readonly ok: boolean;
  /** The observed value as shown. */
  readonly observedText: string;
  /** Whether it stopped the run. */
  readonly stoppedRun?: boolean | undefined;
}

/**
 * The one line of a threshold result: `✓ fill.throughput > 100 MiB/s: observed 150.3 MiB/s`,
 * or `✗ … (stopped the run)`. The table, the Markdown and the benchmark gate all use it.
 *
 * @param result The result.
 * @returns The line.
 */
export function thresholdLine(result: ThresholdLineInput): string {
  const observed = /^\d|^-/.test(result.observedText)
    ? `observed ${result.observedText}`
    : result.observedText;
  return `${result.ok ? "✓" : "✗"} ${result.metric} ${result.expression}: ${observed}${
    result.stoppedRun === true ? " (stopped the run)" : ""
  }`;
}

/** A metric name: kebab-case words joined by dots (`fill.server-cpu.max`). */
export const METRIC_NAME: RegExp = /^[a-z][a-z0-9]*(-[a-z0-9]+)*(\.[a-z][a-z0-9]*(-[a-z0-9]+)*)*$/;

/**
 * Splits a command-line threshold (`fill.throughput>100MiB/s`) into its metric and expression.
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { splitThreshold } from "./thresholds.ts";
 * deepEqual(splitThreshold("fill.throughput>100MiB/s"), {
 *   metric: "fill.throughput", expression: ">100MiB/s",
 * });
 * ```
 *
 * @param text The text typed after `--threshold`.
 * @returns The metric and the expression, or a phrase saying what is wrong.
 */
export function splitThreshold(text: string): { metric: string; expression: string } | string {
  const match = /^\s*([^<>=!\s]+)\s*([<>=!].*)$/.exec(text);
  if (match === null) {
    return `expected a metric, an operator and a limit, like "fill.throughput>100MiB/s", not ${
      JSON.stringify(text)
    }`;
  }
  return { metric: match[1]!, expression: match[2]! };
}
