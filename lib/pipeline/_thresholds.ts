/**
 * The `thresholds:` block of a pipeline file, and the `--threshold` overrides of a command:
 * each metric named by a step of the pipeline (`STEP-ID.NAME` from `defineStep`'s `metrics`,
 * and `step.STEP-ID.duration` for every step), each expression read with its unit checked
 * against the metric's. Every problem is recorded at its place (the key, the expression), so a
 * broken block fails the load before anything connects.
 *
 * ```yaml
 * thresholds:
 *   fill.throughput: ["> 100MiB/s"]
 *   step.fill.duration: [{ threshold: "< 60s", abort-on-fail: true }]
 * ```
 *
 * @module
 */

import { isMap, isScalar, isSeq, type YAMLMap } from "yaml";
import { didYouMean } from "../suggest.ts";
import {
  limitFor,
  type MetricUnit,
  parseExpression,
  splitThreshold,
  type Threshold,
} from "../thresholds.ts";
import { keyText, type LoadState, offsetOf, pairOf } from "./_load_state.ts";
import type { Entry } from "./_steps.ts";
import type { Override } from "./types.ts";

export { THRESHOLD_PATH } from "../thresholds.ts";

/** The keys of a threshold written as a map. */
const THRESHOLD_KEYS = ["threshold", "abort-on-fail"];

/** What a block of thresholds is, for messages. */
const BLOCK_SHAPE =
  'a map of metric names to lists of expressions, like fill.throughput: ["> 100MiB/s"]';

/**
 * The metrics the steps of a pipeline measure, by full name, with their units.
 *
 * @param entries The steps read.
 * @returns `fill.throughput` → `MiB/s`, `step.fill.duration` → `s`, …
 */
export function pipelineMetrics(entries: readonly Entry[]): Map<string, MetricUnit> {
  const metrics = new Map<string, MetricUnit>();
  for (const entry of entries) {
    for (const [name, spec] of Object.entries(entry.definition?.metrics ?? {})) {
      metrics.set(`${entry.id}.${name}`, spec.unit);
    }
  }
  for (const entry of entries) metrics.set(`step.${entry.id}.duration`, "s");
  return metrics;
}

/** Where a threshold came from, for its problems: a place in the file, or an override. */
type Origin = { offset: number | undefined } | { override: Override };

/** Records a problem at an origin. */
function report(state: LoadState, origin: Origin, reason: string, expected?: string): void {
  if ("override" in origin) {
    state.problem(undefined, reason, { override: origin.override, expected: expected ?? reason });
  } else {
    state.problem(origin.offset, reason);
  }
}

/**
 * Reads the thresholds of the file and of the overrides that set {@linkcode THRESHOLD_PATH}.
 *
 * @param state The load.
 * @param root The file's top-level map.
 * @param entries The steps read (their definitions name the metrics).
 * @param overrides The overrides whose path is {@linkcode THRESHOLD_PATH}, as typed.
 * @returns The thresholds that are valid; problems are recorded for the others.
 */
export function readThresholds(
  state: LoadState,
  root: YAMLMap,
  entries: readonly Entry[],
  overrides: readonly Override[],
): Threshold[] {
  // An unknown step makes every metric name a guess: say nothing about them then.
  const complete = entries.every((entry) => entry.definition !== undefined);
  const metrics = pipelineMetrics(entries);
  const thresholds: Threshold[] = [];
  const add = (metric: string, text: unknown, abortOnFail: boolean, origin: Origin) => {
    const unit = metrics.get(metric)!;
    if (typeof text !== "string") {
      report(
        state,
        origin,
        `The thresholds of metric "${metric}" must be expressions like "> 100MiB/s"`,
      );
      return;
    }
    const expression = parseExpression(text);
    if (typeof expression === "string") {
      report(state, origin, `Threshold of metric "${metric}": ${expression}`, expression);
      return;
    }
    const limit = limitFor(expression, unit);
    if (typeof limit === "string") {
      report(state, origin, `Threshold "${text.trim()}" of metric "${metric}": ${limit}`, limit);
      return;
    }
    thresholds.push({ metric, unit, expression, limit, abortOnFail });
  };
  const known = (metric: string, origin: Origin): boolean => {
    if (metrics.has(metric)) return true;
    if (!complete) return false;
    const names = [...metrics.keys()];
    const hint = didYouMean(metric, names);
    const reason = hint !== ""
      ? `Unknown metric "${metric}"${hint}`
      : `Unknown metric "${metric}": this pipeline's steps measure ${names.join(", ")}`;
    report(
      state,
      origin,
      reason,
      `no step of this pipeline measures "${metric}"${
        hint !== "" ? hint : ` (they measure ${names.join(", ")})`
      }`,
    );
    return false;
  };

  const pair = pairOf(root, "thresholds");
  const block = pair === undefined ? undefined : state.deref(pair.value);
  if (pair !== undefined && !(isScalar(block) && block.value === null)) {
    if (!isMap(block)) {
      state.problem(offsetOf(block) ?? offsetOf(pair.key), `"thresholds" must be ${BLOCK_SHAPE}`);
    } else {
      const seen = new Set<string>();
      for (const item of block.items) {
        const metric = keyText(item) ?? "";
        const at = { offset: offsetOf(item.key) };
        if (seen.has(metric)) {
          state.problem(
            at.offset,
            `Metric "${metric}" is listed twice in thresholds: put all its expressions in one list`,
          );
          continue;
        }
        seen.add(metric);
        if (!known(metric, at)) continue;
        const list = state.deref(item.value);
        if (!isSeq(list) || list.items.length === 0) {
          state.problem(
            offsetOf(list) ?? at.offset,
            `The thresholds of metric "${metric}" must be a non-empty list: ["> 100MiB/s"], or [{ threshold: "< 60s", abort-on-fail: true }]`,
          );
          continue;
        }
        for (const raw of list.items) {
          const node = state.deref(raw);
          const where = { offset: offsetOf(node) ?? at.offset };
          if (!isMap(node)) {
            add(metric, isScalar(node) ? node.value : undefined, false, where);
            continue;
          }
          readMapThreshold(state, node, metric, add);
        }
      }
    }
  }

  for (const override of overrides) {
    const origin = { override };
    const split = typeof override.value === "string"
      ? splitThreshold(override.value)
      : `expected a metric, an operator and a limit, like "fill.throughput>100MiB/s"`;
    if (typeof split === "string") {
      report(state, origin, split);
      continue;
    }
    if (!known(split.metric, origin)) continue;
    add(split.metric, split.expression, false, origin);
  }
  return thresholds;
}

/** Reads `{ threshold: "< 60s", abort-on-fail: true }`. */
function readMapThreshold(
  state: LoadState,
  node: YAMLMap,
  metric: string,
  add: (metric: string, text: unknown, abortOnFail: boolean, origin: Origin) => void,
): void {
  let ok = true;
  for (const item of node.items) {
    const key = keyText(item) ?? "";
    if (!THRESHOLD_KEYS.includes(key)) {
      state.problem(
        offsetOf(item.key),
        `Unknown key "${key}" in a threshold of metric "${metric}"${
          didYouMean(key, THRESHOLD_KEYS)
        }`,
      );
      ok = false;
    }
  }
  const text = pairOf(node, "threshold");
  const abort = pairOf(node, "abort-on-fail");
  const abortNode = abort === undefined ? undefined : state.deref(abort.value);
  if (abortNode !== undefined && !(isScalar(abortNode) && typeof abortNode.value === "boolean")) {
    state.problem(
      offsetOf(abortNode) ?? offsetOf(abort?.key),
      `"abort-on-fail" of a threshold of metric "${metric}" must be true or false`,
    );
    ok = false;
  }
  if (text === undefined) {
    state.problem(
      offsetOf(node),
      `A threshold of metric "${metric}" has no "threshold": write { threshold: "< 60s", abort-on-fail: true }`,
    );
    return;
  }
  if (!ok) return;
  const textNode = state.deref(text.value);
  add(
    metric,
    isScalar(textNode) ? textNode.value : undefined,
    isScalar(abortNode) && abortNode.value === true,
    { offset: offsetOf(textNode) ?? offsetOf(text.key) },
  );
}
