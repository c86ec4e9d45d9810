/**
 * The thresholds of a run, for the executor: the latest sample of every metric, the results
 * of the steps that ended, and the abort-on-fail threshold that stopped a step, if one did.
 *
 * @module
 */

import { CheckFailedError } from "../errors.ts";
import type { Logger } from "../types.ts";
import {
  checkThreshold,
  formatExpression,
  formatMetric,
  passes,
  type Threshold,
  type ThresholdResult,
} from "../thresholds.ts";
import type { Pipeline, PlannedStep } from "./types.ts";

/** Whether a step's options switch it off (`enabled: false`). */
export function isSwitchedOff(options: unknown): boolean {
  return typeof options === "object" && options !== null &&
    (options as { enabled?: unknown }).enabled === false;
}

/**
 * The thresholds of a run: the latest sample of every metric, the results of the steps that
 * ended, and the abort-on-fail threshold that stopped a step, if one did.
 */
export class ThresholdGate {
  readonly #thresholds: readonly Threshold[];
  readonly #owners = new Map<Threshold, string>();
  readonly #values = new Map<string, number>();
  readonly #results: ThresholdResult[] = [];
  readonly #logger: Logger;
  #stopper: { threshold: Threshold; step: string; sentence: string } | undefined;

  constructor(pipeline: Pipeline, logger: Logger) {
    this.#thresholds = pipeline.thresholds ?? [];
    this.#logger = logger;
    for (const threshold of this.#thresholds) {
      const owner = pipeline.steps.find((step) =>
        threshold.metric === `step.${step.id}.duration` ||
        (threshold.metric.startsWith(`${step.id}.`) &&
          step.definition.metrics?.[threshold.metric.slice(step.id.length + 1)] !== undefined)
      );
      if (owner !== undefined) this.#owners.set(threshold, owner.id);
    }
  }

  /** Records a sample; an abort-on-fail threshold that fails it calls `stop`. */
  sample(step: PlannedStep, metric: string, value: number, stop: () => void): void {
    this.#values.set(metric, value);
    if (this.#stopper !== undefined) return;
    for (const threshold of this.#thresholds) {
      if (threshold.metric !== metric || !threshold.abortOnFail) continue;
      if (passes(threshold.expression.op, value, threshold.limit)) continue;
      const sentence = `Threshold ${threshold.metric} ${
        formatExpression(threshold.expression)
      } failed (observed ${
        formatMetric(value, threshold.unit)
      }): abort-on-fail stopped step "${step.id}", and the run`;
      this.#stopper = { threshold, step: step.id, sentence };
      this.#logger.warn(sentence);
      stop();
      return;
    }
  }

  /** Checks a step's duration against its abort-on-fail thresholds, 4 times a second. */
  watchDuration(
    step: PlannedStep,
    started: number,
    stop: () => void,
  ): ReturnType<typeof setInterval> | undefined {
    const metric = `step.${step.id}.duration`;
    if (!this.#thresholds.some((entry) => entry.metric === metric && entry.abortOnFail)) {
      return undefined;
    }
    return setInterval(() => {
      this.sample(step, metric, (performance.now() - started) / 1000, stop);
    }, 250);
  }

  /** The sentence of the threshold that stopped this step, if one did. */
  stoppedBy(step: PlannedStep): string | undefined {
    return this.#stopper?.step === step.id ? this.#stopper.sentence : undefined;
  }

  /** A step ended: its duration is a metric, and its thresholds are checked. */
  measured(step: PlannedStep, durationMs: number): void {
    this.#values.set(`step.${step.id}.duration`, durationMs / 1000);
    const missing = isSwitchedOff(step.options)
      ? `not measured: step "${step.id}" is switched off`
      : `not measured by step "${step.id}"`;
    this.settle(step, missing);
  }

  /** Checks the thresholds of a step that ended or did not run. */
  settle(step: PlannedStep, missing: string): void {
    for (const threshold of this.#thresholds) {
      if (this.#owners.get(threshold) !== step.id) continue;
      this.#results.push(
        checkThreshold(threshold, this.#values.get(threshold.metric), {
          missing,
          stoppedRun: this.#stopper?.threshold === threshold,
        }),
      );
    }
  }

  /** The results so far. */
  results(): ThresholdResult[] {
    return [...this.#results];
  }

  /** The error for the thresholds that failed, or undefined when all passed. */
  failure(): CheckFailedError | undefined {
    const failed = this.#results.filter((result) => !result.ok);
    if (failed.length === 0) return undefined;
    const list = failed.map((result) =>
      `${result.metric} ${result.expression} (${
        result.observed === null ? result.observedText : `observed ${result.observedText}`
      })`
    );
    return new CheckFailedError(
      `${failed.length === 1 ? "A threshold" : `${failed.length} thresholds`} failed: ${
        list.join("; ")
      }`,
    );
  }
}
