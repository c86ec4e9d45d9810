/**
 * `defineStep` and `defineTransport`: the one way to make a step or a transport, for the
 * built-ins and for a user's plugin alike (Lume's plugin shape, with a zod schema in place of
 * the options interface).
 *
 * Option names in pipeline files are kebab-case, and so are the keys of a step's schema:
 * `z.object({ "key-size": z.number() })` reads `key-size: 512` as is, with no renaming.
 *
 * @module
 */

import { z } from "zod";
import { METRIC_NAME, METRIC_UNITS, type MetricSpec } from "../thresholds.ts";
import type {
  FactName,
  OptionsOf,
  OptionsSchema,
  StepContext,
  StepDefinition,
  TargetMode,
  Transport,
  TransportDefinition,
  TransportInit,
} from "../types.ts";

/** A kebab-case name: lower-case letters and digits in words joined by `-`. */
export const KEBAB_CASE: RegExp = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Step names that would be read as another form of step in a pipeline file. */
const RESERVED_STEP_NAMES = new Set(["uses", "with", "id"]);

/** The target modes a transport may declare. */
const MODES: readonly TargetMode[] = ["standalone", "cluster", "auto", "proxy"];

/**
 * What {@linkcode defineStep} takes. The fact lists are captured as literal types, so `run`'s
 * context accepts exactly the facts declared here (see {@linkcode StepContext}).
 */
export interface StepSpec<
  TOptions extends OptionsSchema,
  TOutput,
  TNeeds extends FactName = never,
  TProvides extends FactName = never,
  TOptional extends FactName = never,
> {
  /** Kebab-case name used in pipeline files. */
  name: string;
  /** One line for help, `--dry-run` and the JSON Schema. */
  description: string;
  /** Object schema of the options, with kebab-case keys; omitted means no options. */
  options?: TOptions;
  /** Facts an earlier step must provide, read with `ctx.get` (default none). */
  needs?: readonly TNeeds[];
  /** Facts this step provides with `ctx.provide` (default none). */
  provides?: readonly TProvides[];
  /** Facts read with `ctx.find` when an earlier step provided them (default none). */
  optional?: readonly TOptional[];
  /**
   * Metrics the step publishes with `ctx.metric(name, value)`, each with its unit, so a
   * pipeline's `thresholds:` may gate them as `STEP-ID.NAME` (default none).
   */
  metrics?: Readonly<Record<string, MetricSpec>>;
  /** Run even after an earlier step failed or the run was interrupted (default false). */
  always?: boolean;
  /** Checks the options against the resolved target while loading, before anything connects. */
  check?: StepDefinition<TOptions>["check"];
  /** Completes the options from the rest of the plan at load time (see `StepDefinition`). */
  resolve?: StepDefinition<TOptions>["resolve"];
  /** Runs the step with its validated options; the output is stored under the step id. */
  run(
    ctx: StepContext<TNeeds, TProvides, TOptional>,
    options: OptionsOf<TOptions>,
  ): Promise<TOutput> | TOutput;
}

/** What {@linkcode defineTransport} takes. */
export interface TransportSpec {
  /** Kebab-case name, used in `target.transport`. */
  name: string;
  /** One line for help and `--dry-run`. */
  description: string;
  /** The target modes this transport handles when `target.transport` is not set. */
  modes: readonly TargetMode[];
  /** Makes an unconnected transport for the target. */
  create(init: TransportInit): Transport;
}

/** Whether a value is a zod object schema (checked by shape, so any zod 4 copy works). */
function isZodObject(value: unknown): value is z.ZodObject {
  const def = (value as { _zod?: { def?: { type?: unknown } } } | null)?._zod?.def;
  return def?.type === "object" &&
    typeof (value as { safeParse?: unknown }).safeParse === "function" &&
    typeof (value as { shape?: unknown }).shape === "object";
}

/** Whether a value is a list of fact names. */
function isFactList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((fact) => typeof fact === "string" && fact !== "");
}

/**
 * Why a value is not a valid step definition, or undefined when it is one.
 *
 * @param value Anything, e.g. a module's default export.
 * @returns A sentence naming the first thing wrong, or undefined.
 */
export function stepDefinitionProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return "a step definition must be an object";
  const step = value as Record<string, unknown>;
  if (typeof step.name !== "string" || !KEBAB_CASE.test(step.name)) {
    return `the step name ${JSON.stringify(step.name)} is not kebab-case (like "memory-doctor")`;
  }
  if (RESERVED_STEP_NAMES.has(step.name)) {
    return `the step name "${step.name}" is reserved by the pipeline file format`;
  }
  if (typeof step.description !== "string" || step.description.trim() === "") {
    return `step "${step.name}" has no description`;
  }
  if (!isZodObject(step.options)) {
    return `the options of step "${step.name}" are not a zod object schema (z.object({...}))`;
  }
  if (!isFactList(step.needs)) return `the needs of step "${step.name}" are not a list of names`;
  if (!isFactList(step.provides)) {
    return `the provides of step "${step.name}" are not a list of names`;
  }
  if (!isFactList(step.optional)) {
    return `the optional facts of step "${step.name}" are not a list of names`;
  }
  if (typeof step.run !== "function") return `step "${step.name}" has no run function`;
  return metricsProblem(step.name, step.metrics);
}

/** Why a step's `metrics` are malformed, or undefined when they are fine (or absent). */
function metricsProblem(name: string, metrics: unknown): string | undefined {
  if (metrics === undefined) return undefined;
  if (typeof metrics !== "object" || metrics === null || Array.isArray(metrics)) {
    return `the metrics of step "${name}" are not a map of metric names to { unit, description }`;
  }
  for (const [metric, spec] of Object.entries(metrics)) {
    if (!METRIC_NAME.test(metric)) {
      return `the metric name ${
        JSON.stringify(metric)
      } of step "${name}" is not kebab-case words joined by dots (like "server-cpu.max")`;
    }
    const unit = (spec as { unit?: unknown } | null)?.unit;
    if (!METRIC_UNITS.includes(unit as never)) {
      return `metric "${metric}" of step "${name}" has no unit: use one of ${
        METRIC_UNITS.map((each) => `"${each}"`).join(", ")
      }`;
    }
  }
  return undefined;
}

/**
 * Why a value is not a valid transport definition, or undefined when it is one.
 *
 * @param value Anything, e.g. an item of a module's `transports` export.
 * @returns A sentence naming the first thing wrong, or undefined.
 */
export function transportDefinitionProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) {
    return "a transport definition must be an object";
  }
  const transport = value as Record<string, unknown>;
  if (typeof transport.name !== "string" || !KEBAB_CASE.test(transport.name)) {
    return `the transport name ${
      JSON.stringify(transport.name)
    } is not kebab-case (like "cluster")`;
  }
  if (typeof transport.description !== "string" || transport.description.trim() === "") {
    return `transport "${transport.name}" has no description`;
  }
  const modes = transport.modes;
  if (
    !Array.isArray(modes) || modes.length === 0 ||
    !modes.every((mode) => MODES.includes(mode as TargetMode))
  ) {
    return `the modes of transport "${transport.name}" must be a non-empty list of ${
      MODES.map((mode) => `"${mode}"`).join(", ")
    }`;
  }
  if (typeof transport.create !== "function") {
    return `transport "${transport.name}" has no create function`;
  }
  return undefined;
}

/**
 * Makes a step plugin. The options schema's type flows into `run`, and so do the facts: `needs`,
 * `provides` and `optional` are captured as literal types, so `ctx.get("verify")` in a step
 * that does not need `verify` fails to compile.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { z } from "zod";
 * import { defineStep } from "./define.ts";
 *
 * const hello = defineStep({
 *   name: "hello",
 *   description: "Greets every master",
 *   options: z.strictObject({ "greeting": z.string().default("hello") }),
 *   needs: ["topology"],
 *   run(ctx, options) {
 *     const masters = ctx.get("topology").nodes.filter((node) => node.role === "master");
 *     return { said: `${options.greeting} ×${masters.length}` };
 *   },
 * });
 * equal(hello.name, "hello");
 * equal(hello.needs[0], "topology");
 * ```
 *
 * @param spec Name, description, options schema, needs, provides, optional facts and run.
 * @returns The step definition to register or export.
 * @throws {Error} when the definition is malformed (a bug in the plugin).
 */
export function defineStep<
  TOptions extends OptionsSchema,
  TOutput,
  const TNeeds extends FactName = never,
  const TProvides extends FactName = never,
  const TOptional extends FactName = never,
>(
  spec: StepSpec<TOptions, TOutput, TNeeds, TProvides, TOptional>,
): StepDefinition<TOptions, Awaited<TOutput>, TNeeds, TProvides, TOptional> {
  const definition = {
    name: spec.name,
    description: spec.description,
    options: spec.options ?? z.strictObject({}),
    needs: Object.freeze([...(spec.needs ?? [])]),
    provides: Object.freeze([...(spec.provides ?? [])]),
    optional: Object.freeze([...(spec.optional ?? [])]),
    metrics: Object.freeze({ ...(spec.metrics ?? {}) }),
    ...(spec.always === true ? { always: true } : {}),
    ...(spec.check === undefined ? {} : { check: spec.check }),
    ...(spec.resolve === undefined ? {} : { resolve: spec.resolve }),
    run: spec.run,
  };
  const problem = stepDefinitionProblem(definition);
  if (problem !== undefined) throw new Error(`Invalid step definition: ${problem}`);
  return Object.freeze(definition) as unknown as StepDefinition<
    TOptions,
    Awaited<TOutput>,
    TNeeds,
    TProvides,
    TOptional
  >;
}

/**
 * Makes a transport plugin.
 *
 * @example
 * ```ts ignore
 * import { defineTransport } from "./define.ts";
 *
 * export const transports = [defineTransport({
 *   name: "proxy",
 *   description: "Talks to a Redis proxy as if it were one server",
 *   modes: ["standalone"],
 *   create: ({ target, logger }) => makeProxyTransport(target, logger),
 * })];
 * ```
 *
 * @param spec Name, description, modes and a factory.
 * @returns The transport definition to register or export.
 * @throws {Error} when the definition is malformed (a bug in the plugin).
 */
export function defineTransport(spec: TransportSpec): TransportDefinition {
  const definition = {
    name: spec.name,
    description: spec.description,
    modes: Object.freeze([...spec.modes]),
    create: spec.create,
  };
  const problem = transportDefinitionProblem(definition);
  if (problem !== undefined) throw new Error(`Invalid transport definition: ${problem}`);
  return Object.freeze(definition);
}
