/**
 * The executor: the one place that runs a pipeline's steps in order (Hono's `compose`). It
 * builds each step's context, times it, turns a typed error into one line and an exit code,
 * and closes every deferred resource in reverse order on every path.
 *
 * @module
 */

import {
  CheckFailedError,
  ExitCode,
  InternalError,
  InterruptedError,
  isUserError,
  PluginStepError,
  type RedfillError,
  type StopSignal,
  UsageError,
} from "../errors.ts";
import type {
  FactName,
  FactValue,
  Logger,
  ProgressReporter,
  StepContext,
  Target,
  Transport,
} from "../types.ts";
import { formatAddress, isUnixSocket } from "../address.ts";
import { silentLogger, silentProgress } from "../logger.ts";
import { give, type Message, sentence } from "../message.ts";
import { isSecretOption, MASK, maskUrlPassword } from "../secrets.ts";
import { formatDuration } from "../units.ts";
import { formatExpression } from "../thresholds.ts";
import { isSwitchedOff, ThresholdGate } from "./_gate.ts";
import type { Registry } from "./registry.ts";
import type { Pipeline, PlannedStep, RunResult, StepResult } from "./types.ts";

/** Options for {@linkcode runPipeline}. */
export interface RunPipelineOptions {
  /** Where to find transports (default: the registry the pipeline was loaded with). */
  registry?: Registry;
  /** Where steps log (default: nowhere). */
  logger?: Logger;
  /** Progress display for long steps (default: none). */
  progress?: ProgressReporter;
  /** Aborts the run (Ctrl-C): the running step is asked to stop, then everything closes. */
  signal?: AbortSignal;
  /** Print the plan through the logger and run nothing. */
  dryRun?: boolean;
}

/**
 * Options as `--dry-run` shows them, masked by structure: the value of a key that names a
 * secret (`password`, a plugin's `token`) and the password part of a URL; no text is searched
 * for the target's password.
 */
function maskOptions(value: unknown, key = ""): unknown {
  if (key !== "" && isSecretOption(key) && value !== undefined && value !== null) return MASK;
  if (typeof value === "string") return maskUrlPassword(value);
  if (Array.isArray(value)) return value.map((item) => maskOptions(item));
  if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) {
    return Object.fromEntries(
      Object.entries(value).map(([name, item]) => [name, maskOptions(item, name)]),
    );
  }
  return value;
}

/** A short JSON-like rendering of options. */
function renderValue(value: unknown): string {
  try {
    return JSON.stringify(
      value,
      (_key, item) => (typeof item === "bigint" ? String(item) : item),
    ) ??
      "undefined";
  } catch {
    return String(value);
  }
}

/**
 * The target as it may be shown: address, mode, TLS, user; never the password.
 *
 * @param target The target.
 * @returns One line.
 */
export function describeTarget(target: Target): string {
  const parts = [
    isUnixSocket(target.host)
      ? `unix://${target.host}`
      : `${target.tls === undefined ? "redis" : "rediss"}://${
        formatAddress(target.host, target.port)
      }`,
    `mode ${target.mode}`,
  ];
  if (target.tls !== undefined) {
    const tls = Object.entries(target.tls)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key} ${String(value)}`);
    parts.push(tls.length === 0 ? "TLS" : `TLS (${tls.join(", ")})`);
  }
  if (target.username !== undefined) parts.push(`user ${target.username}`);
  if (target.password !== undefined) parts.push("password ***");
  if (target.transport !== undefined) parts.push(`transport ${target.transport}`);
  return parts.join(", ");
}

/**
 * The plan as `--dry-run` prints it: the target, then each step's id, name, options (secrets
 * masked), needs, provides and the optional facts it reads if present.
 *
 * @example
 * ```ts ignore
 * console.log(formatPlan(await loadPipeline("pipelines/fill.yaml")));
 * ```
 *
 * @param pipeline A loaded pipeline.
 * @returns Several lines, without a trailing newline.
 */
export function formatPlan(pipeline: Pipeline): string {
  const lines = [
    `Pipeline "${pipeline.name}" (${pipeline.file})`,
    `Target: ${describeTarget(pipeline.target)}`,
    "Steps:",
  ];
  pipeline.steps.forEach((step, index) => {
    const title = step.id === step.name ? step.id : `${step.id} (${step.name})`;
    lines.push(`  ${index + 1}. ${title}${step.uses === undefined ? "" : ` from ${step.uses}`}`);
    lines.push(`     options: ${renderValue(maskOptions(step.options))}`);
    if (step.definition.needs.length > 0) {
      lines.push(`     needs: ${step.definition.needs.join(", ")}`);
    }
    if (step.definition.provides.length > 0) {
      lines.push(`     provides: ${step.definition.provides.join(", ")}`);
    }
    if (step.definition.optional.length > 0) {
      lines.push(`     reads if present: ${step.definition.optional.join(", ")}`);
    }
  });
  const thresholds = pipeline.thresholds ?? [];
  if (thresholds.length > 0) {
    lines.push("Thresholds:");
    for (const threshold of thresholds) {
      lines.push(
        `  ${threshold.metric} ${formatExpression(threshold.expression)}${
          threshold.abortOnFail ? " (abort-on-fail)" : ""
        }`,
      );
    }
  }
  return lines.join("\n");
}

/** Whether an error is the signal's abort reason or an AbortError. */
function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted &&
    (error === signal.reason || (error instanceof Error && error.name === "AbortError") ||
      error instanceof InterruptedError);
}

/**
 * The interruption of an aborted run, by the signal that aborted it: the abort reason names
 * it when it is an {@linkcode InterruptedError} (as `lib/cli/signals.ts` makes it); any other
 * reason counts as SIGINT.
 */
function interruption(signal: AbortSignal, message: string): InterruptedError {
  const reason: unknown = signal.reason;
  const stop: StopSignal = reason instanceof InterruptedError ? reason.signal : "SIGINT";
  return new InterruptedError(message, { signal: stop });
}

/**
 * What a step's error means for the run (the two tiers, plus plugins): an abort is the
 * interruption; anything a `uses:` module's step throws is that plugin's failure (exit 5);
 * one of redfill's own errors stands as it is; anything else from a registered step is a bug
 * (exit 70), kept with its stack as the cause.
 */
function classify(error: unknown, step: PlannedStep, signal: AbortSignal): RedfillError {
  if (isAbort(error, signal)) return interruption(signal, `Interrupted during step "${step.id}"`);
  if (step.uses !== undefined) return new PluginStepError(step.id, step.uses, { cause: error });
  if (isUserError(error) || error instanceof InternalError) return error;
  return new InternalError({ cause: error, where: `step "${step.id}"` });
}

/**
 * Runs a loaded pipeline's steps in order.
 *
 * Like Hono's `compose`, this is the one place a step's error becomes a result; nothing is
 * rethrown. The first error stops the run and the result carries it with its exit code:
 * - one of redfill's errors ({@linkcode RedfillError}) stands as it is (its own exit code);
 * - anything a step from a `uses:` module throws, a plain `Error` too, becomes a
 *   {@linkcode PluginStepError} (exit 5) naming the step and the module;
 * - anything else a registered step throws is a bug of the program: an
 *   {@linkcode InternalError} (exit 70) with the original as its cause;
 * - an abort of `signal` is an {@linkcode InterruptedError}: exit 130, or 143 when the abort
 *   reason is an `InterruptedError` for SIGTERM.
 *
 * After any of them only steps defined with `always: true` (like `report`) still run; their
 * own errors are recorded in their step results and logged as warnings, and the first error
 * stands. A step must provide the facts it declares, unless its options switch it off
 * (`enabled: false`). Deferred closers (and every transport made with
 * `ctx.createTransport()`) close in reverse order on every path.
 *
 * @example
 * ```ts ignore
 * import { loadPipeline } from "./loader.ts";
 * import { runPipeline } from "./executor.ts";
 * const result = await runPipeline(await loadPipeline("pipelines/fill.yaml"));
 * Deno.exit(result.exitCode);
 * ```
 *
 * @param pipeline A loaded pipeline.
 * @param options Registry, logger, progress, signal and dry run.
 * @returns What each step did, the exit code and the error that stopped the run.
 */
export async function runPipeline(
  pipeline: Pipeline,
  options: RunPipelineOptions = {},
): Promise<RunResult> {
  const registry = options.registry ?? pipeline.registry;
  const logger = options.logger ?? silentLogger;
  const progress = options.progress ?? silentProgress;
  const signal = options.signal ?? new AbortController().signal;
  const outputs = new Map<string, unknown>();
  const results: StepResult[] = [];

  if (options.dryRun === true) {
    logger.info(formatPlan(pipeline));
    return { ok: true, exitCode: ExitCode.Ok, steps: results, outputs };
  }

  const facts = new Map<string, unknown>();
  const closers: (() => Promise<void> | void)[] = [];
  let failure: RedfillError | undefined;
  const gate = new ThresholdGate(pipeline, logger);

  const createTransport = (): Transport => {
    const target = pipeline.target;
    const definition = target.transport !== undefined
      ? registry.transport(target.transport)
      : registry.transportFor(target.mode);
    if (definition === undefined) {
      throw new UsageError(
        target.transport !== undefined
          ? sentence`No transport named "${target.transport}" is registered`
          : sentence`No registered transport handles mode "${target.mode}": register one or ${
            give("target.transport")
          }`,
      );
    }
    const transport = definition.create({ target, logger });
    closers.push(() => transport.close());
    return transport;
  };

  for (const step of pipeline.steps) {
    if (failure === undefined && signal.aborted) {
      failure = interruption(signal, `Interrupted before step "${step.id}"`);
    }
    // After a failure only `always` steps run (e.g. report); the first failure stands.
    const afterFailure = failure !== undefined;
    if (afterFailure && step.definition.always !== true) {
      gate.settle(step, `not measured: step "${step.id}" did not run`);
      continue;
    }
    const provided = new Set<string>();
    // Aborted by the run's signal, or by an abort-on-fail threshold of this step's metrics.
    const stepAbort = new AbortController();
    const context = makeContext(pipeline, step, {
      facts,
      provided,
      outputs,
      closers,
      createTransport,
      logger,
      progress,
      signal: AbortSignal.any([signal, stepAbort.signal]),
      results,
      gate,
      stop: () => stepAbort.abort(),
    });
    logger.debug(`Step "${step.id}" starts`);
    const started = performance.now();
    const watch = gate.watchDuration(step, started, () => stepAbort.abort());
    try {
      const output = await step.definition.run(context, step.options as never);
      const durationMs = performance.now() - started;
      // A step switched off (`enabled: false`, like verify under --no-verify) may provide nothing.
      const missing = isSwitchedOff(step.options)
        ? []
        : step.definition.provides.filter((fact) => !provided.has(fact));
      if (missing.length > 0) {
        throw new Error(
          `Step "${step.name}" declares that it provides ${
            missing.map((fact) => `"${fact}"`).join(", ")
          } but did not call ctx.provide() for it`,
        );
      }
      outputs.set(step.id, output);
      const stopped = gate.stoppedBy(step);
      if (stopped !== undefined && failure === undefined) {
        // An abort-on-fail threshold stopped the step: what it did is kept for the report.
        results.push({
          id: step.id,
          name: step.name,
          ok: false,
          durationMs,
          output,
          error: stopped,
        });
        failure = new CheckFailedError(stopped);
        gate.measured(step, durationMs);
        continue;
      }
      results.push({ id: step.id, name: step.name, ok: true, durationMs, output });
      logger.info(`${step.id}: done in ${formatDuration(durationMs)}`);
      gate.measured(step, durationMs);
    } catch (error) {
      const durationMs = performance.now() - started;
      const stopped = gate.stoppedBy(step);
      if (stopped !== undefined && failure === undefined && !signal.aborted) {
        results.push({ id: step.id, name: step.name, ok: false, durationMs, error: stopped });
        failure = new CheckFailedError(stopped);
        gate.measured(step, durationMs);
        continue;
      }
      gate.measured(step, durationMs);
      // The options the error mentions, named as the caller names them (flags for the CLI).
      if (isUserError(error)) error.nameOptions({ name: pipeline.optionName, step: step.id });
      const classified = classify(error, step, signal);
      results.push({
        id: step.id,
        name: step.name,
        ok: false,
        durationMs,
        error: error instanceof Error ? error.message : String(error),
      });
      if (afterFailure) {
        // The first failure stands; this one is shown, not lost.
        logger.warn(`${step.id}: ${classified.message}`);
        continue;
      }
      failure = classified;
    } finally {
      clearInterval(watch);
    }
  }
  if (failure === undefined && signal.aborted) failure = interruption(signal, "Interrupted");
  // A threshold that failed fails the run (a check failed, exit 1), after every step ran.
  if (failure === undefined) failure = gate.failure();

  for (const close of closers.reverse()) {
    try {
      await close();
    } catch (error) {
      logger.warn(
        `Closing a resource failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  const thresholds = gate.results();
  if (failure !== undefined) {
    return {
      ok: false,
      exitCode: failure.exitCode,
      steps: results,
      outputs,
      thresholds,
      error: failure,
    };
  }
  return { ok: true, exitCode: ExitCode.Ok, steps: results, outputs, thresholds };
}

/** What a step's context is made of. */
interface ContextParts {
  facts: Map<string, unknown>;
  provided: Set<string>;
  outputs: Map<string, unknown>;
  closers: (() => Promise<void> | void)[];
  createTransport: () => Transport;
  logger: Logger;
  progress: ProgressReporter;
  signal: AbortSignal;
  results: readonly StepResult[];
  gate: ThresholdGate;
  stop: () => void;
}

/** The error for a step that reads or provides a fact it did not declare (a bug in the step). */
function undeclared(step: PlannedStep, call: string, fact: string, where: string): Error {
  return new Error(
    `Step "${step.name}" called ${call}("${fact}") but does not declare "${fact}" in ${where}`,
  );
}

/**
 * Builds the context one step sees. It holds the step to what it declared, as its types do
 * (`StepContext`), so a plugin written without types cannot read around the plan check.
 */
function makeContext(pipeline: Pipeline, step: PlannedStep, parts: ContextParts): StepContext {
  const { needs, provides, optional } = step.definition;
  const metrics = step.definition.metrics ?? {};
  return {
    stepId: step.id,
    target: pipeline.target,
    pipeline: pipeline.name,
    get<TFact extends FactName>(fact: TFact): FactValue<TFact> {
      if (!needs.includes(fact)) throw undeclared(step, "ctx.get", fact, "needs");
      if (!parts.facts.has(fact)) {
        throw new Error(
          `Step "${step.name}" read "${fact}", which no earlier step provided: declare it in needs`,
        );
      }
      return parts.facts.get(fact) as FactValue<TFact>;
    },
    find<TFact extends FactName>(fact: TFact): FactValue<TFact> | undefined {
      if (!needs.includes(fact) && !optional.includes(fact)) {
        throw undeclared(step, "ctx.find", fact, "needs or optional");
      }
      return parts.facts.get(fact) as FactValue<TFact> | undefined;
    },
    has(fact: FactName): boolean {
      return parts.facts.has(fact);
    },
    provide<TFact extends FactName>(fact: TFact, value: FactValue<TFact>): void {
      if (!provides.includes(fact)) throw undeclared(step, "ctx.provide", fact, "provides");
      parts.facts.set(fact, value);
      parts.provided.add(fact);
    },
    outputs: parts.outputs,
    createTransport: parts.createTransport,
    defer(close: () => Promise<void> | void): void {
      parts.closers.push(close);
    },
    text(message: string | Message): string {
      return typeof message === "string"
        ? message
        : message.render({ name: pipeline.optionName, step: step.id });
    },
    logger: parts.logger,
    progress: parts.progress,
    signal: parts.signal,
    metric(name: string, value: number): void {
      if (metrics[name] === undefined) throw undeclared(step, "ctx.metric", name, "metrics");
      parts.gate.sample(step, `${step.id}.${name}`, value, parts.stop);
    },
    get thresholds() {
      return parts.gate.results();
    },
    steps: parts.results,
  };
}
