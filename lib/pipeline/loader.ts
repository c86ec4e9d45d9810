/**
 * Loads a pipeline file (YAML or JSON), keeping every value's line and column, substitutes
 * `${env.NAME}`, lays overrides over it, validates the target and every step's options
 * against the step's zod schema, runs each step's load-time `check` and the plan check, and
 * reports every problem found in one pass. What it returns is what runs.
 *
 * File rules:
 * - `version: 1` is required; `name` (default: the file's base name), `description`,
 *   `target` and a non-empty `steps` list; `$schema` is allowed for editors.
 * - A step is a bare name (`- connect`), a one-key map `{name: options}` (options may be
 *   empty) with an optional `id:` beside the name, or `uses: ./module.ts` with optional
 *   `with:` (options) and `id:`. A step's id is its `id:`, else its name; ids are unique.
 * - Option names are kebab-case, exactly as the step's schema spells them.
 * - `thresholds:` (optional) maps metrics the steps measure (`fill.throughput`,
 *   `step.fill.duration`) to lists of expressions (`"> 100MiB/s"`, or `{ threshold: "< 60s",
 *   abort-on-fail: true }`); overrides with the path `thresholds` add one each
 *   (`fill.throughput>100MiB/s`, from `--threshold`).
 * - `${env.NAME}` in a string value is replaced by the variable (missing is an error); a
 *   plain (unquoted) value that is only `${env.NAME}` is read as YAML would read the text
 *   (`port: ${env.PORT}` is a number); `$${env.NAME}` is the literal text.
 * - Paths: written in the file (`uses:`, TLS files, options marked `.meta({ format: "path" })`
 *   like `report.out`), they are relative to the file; given by an override (`--set`, or a
 *   flag a command translated), they are relative to `cwd`, the directory the user typed them
 *   in. `-` and absolute paths stay as they are.
 *
 * The work is done by private modules, one per concern: `_document.ts` (syntax, version),
 * `_env.ts`, `_steps.ts` and `_modules.ts` (step forms, `uses:`), `_overrides.ts`,
 * `_validate.ts` and `_issues.ts` (schema issues as sentences), `_target.ts` and `_url.ts`,
 * `_paths.ts`, `_mask.ts` (secrets in messages), and `_load_state.ts` (positions, problems,
 * and how each is named: by its place in the file, its `--set`, or its flag).
 *
 * @module
 */

import { resolve } from "node:path";
import type { z } from "zod";
import type { OptionNamer } from "../message.ts";
import type { StepDefinition, StepPlanContext, Target } from "../types.ts";
import { baseName, openDocument, readString } from "./_document.ts";
import { substituteEnv } from "./_env.ts";
import { type LoadState, pairOf } from "./_load_state.ts";
import { applyOverrides } from "./_overrides.ts";
import { pathKeys, resolvePath } from "./_paths.ts";
import { type Entry, readSteps } from "./_steps.ts";
import { readTarget } from "./_target.ts";
import { readThresholds, THRESHOLD_PATH } from "./_thresholds.ts";
import { validateNode } from "./_validate.ts";
import { PipelineError, throwIfAny } from "./errors.ts";
import { planProblems } from "./plan.ts";
import type { Registry } from "./registry.ts";
import type { Override, Pipeline, PlannedStep } from "./types.ts";

export { parseRedisUrl, type RedisUrl } from "./_url.ts";
export { THRESHOLD_PATH } from "./_thresholds.ts";

/** Options for {@linkcode loadPipeline} and {@linkcode parsePipeline}. */
export interface LoadPipelineOptions {
  /** Variables for `${env.NAME}` (default: the process environment). */
  env?: Record<string, string | undefined>;
  /**
   * Overrides, applied in order: `--set` assignments as typed (`fill.size=2GiB`, the value
   * read as YAML), or {@linkcode Override}s that carry their origin (a command's flags).
   */
  set?: readonly (string | Override)[];
  /**
   * The directory the user typed the command in (default `Deno.cwd()`): the file's name and
   * the paths in overrides are relative to it. Under `deno task`, that is `INIT_CWD`.
   */
  cwd?: string | undefined;
  /**
   * How the caller names an option path (`fill.key-size`) in messages: about its overrides
   * while loading, and in the errors of the run (kept as the pipeline's `optionName`). The CLI
   * passes its flag table (`--key-size`).
   */
  optionName?: OptionNamer | undefined;
  /** Steps and transports to resolve names against (`lib/builtins.ts` has the built-ins). */
  registry: Registry;
}

/**
 * Loads, validates and plan-checks a pipeline file (`.yaml`, `.yml` or `.json`).
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { defaultRegistry } from "../builtins.ts";
 * import { loadPipeline } from "./loader.ts";
 * const pipeline = await loadPipeline("pipelines/fill.yaml", {
 *   registry: defaultRegistry(),
 *   set: ["fill.size=2MiB", { path: "target.port", value: 7000, origin: { flag: "--port" } }],
 * });
 * equal(pipeline.target.port, 7000);
 * ```
 *
 * @param path The file, as the user named it (errors quote it as given; relative to `cwd`).
 * @param options Environment, overrides, `cwd` and the registry.
 * @returns The pipeline, with defaults applied and options validated.
 * @throws {PipelineError} for one problem (exit 2).
 * @throws {PipelineErrors} for several, all found in one pass (exit 2).
 */
export async function loadPipeline(
  path: string,
  options: LoadPipelineOptions,
): Promise<Pipeline> {
  if (!/\.(ya?ml|json)$/i.test(path)) {
    throw new PipelineError({
      file: path,
      line: 0,
      column: 0,
      reason: "A pipeline file must end in .yaml, .yml or .json",
    });
  }
  let source: string;
  try {
    source = await Deno.readTextFile(resolve(options.cwd ?? Deno.cwd(), path));
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "The pipeline file does not exist"
      : `Cannot read the pipeline file: ${error instanceof Error ? error.message : String(error)}`;
    throw new PipelineError({ file: path, line: 0, column: 0, reason });
  }
  return await parsePipeline(source, path, options);
}

/**
 * Validates and plan-checks pipeline text as if it were read from `file` (its `uses:` and
 * other paths resolve relative to that file).
 *
 * @param source The YAML or JSON text.
 * @param file The file name to report and to resolve relative paths against.
 * @param options Environment, overrides, `cwd` and the registry.
 * @returns The pipeline.
 * @throws {PipelineError} for one problem (exit 2).
 * @throws {PipelineErrors} for several (exit 2).
 */
export async function parsePipeline(
  source: string,
  file: string,
  options: LoadPipelineOptions,
): Promise<Pipeline> {
  const { state, root } = openDocument(source, file, {
    cwd: options.cwd ?? Deno.cwd(),
    optionName: options.optionName,
  });
  substituteEnv(state, options.env);
  const registry = options.registry.clone();
  const name = readString(state, root, "name") ?? baseName(file);
  const description = readString(state, root, "description");

  const entries = await readSteps(state, root, registry);
  const set = options.set ?? [];
  const isThreshold = (given: string | Override): given is Override =>
    typeof given !== "string" && given.path === THRESHOLD_PATH;
  applyOverrides(state, root, entries, set.filter((given) => !isThreshold(given)));
  const thresholds = readThresholds(state, root, entries, set.filter(isThreshold));
  const target = readTarget(state, root, registry);
  for (const entry of entries) validateOptions(state, entry);
  if (target !== undefined) {
    entries.forEach((entry, index) => resolveStep(entry, planContext(entries, target, index)));
    entries.forEach((entry, index) => checkStep(state, entry, planContext(entries, target, index)));
  }
  checkPlan(state, entries, registry);

  throwIfAny(state.errors());
  if (target === undefined) throw new Error("A target was expected after validation");
  const steps: PlannedStep[] = entries.map((entry) => ({
    id: entry.id,
    name: entry.name,
    definition: entry.definition as StepDefinition,
    options: entry.options,
    line: entry.line,
    column: entry.column,
    ...(entry.uses === undefined ? {} : { uses: entry.uses }),
  }));
  return {
    file,
    name,
    ...(description === undefined ? {} : { description }),
    target,
    steps,
    thresholds,
    registry,
    ...(options.optionName === undefined ? {} : { optionName: options.optionName }),
  };
}

/** The options node of a step, overrides applied (undefined for a bare step). */
function optionsNode(entry: Entry): unknown {
  const holder = entry.holder;
  return "map" in holder ? pairOf(holder.map, holder.key)?.value : undefined;
}

/** Validates a step's options and resolves the paths among them. */
function validateOptions(state: LoadState, entry: Entry): void {
  if (entry.definition === undefined) return;
  const schema = entry.definition.options as unknown as z.ZodObject;
  const node = optionsNode(entry);
  const result = validateNode(state, schema, node, entry.offset, {
    prefix: `step "${entry.id}": `,
    subject: (option) => `option "${option}"`,
    step: entry.id,
    scope: entry.id,
  });
  if (!result.ok) return;
  const options = result.value as Record<string, unknown>;
  for (const key of pathKeys(schema)) {
    const value = options[key];
    if (typeof value !== "string") continue;
    const fromOverride = state.locate(node, [key], undefined, false).override !== undefined;
    options[key] = resolvePath(value, fromOverride ? state.cwd : state.fileDir);
  }
  entry.options = options;
}

/** What a step's `resolve` and `check` see: the target and every step's validated options. */
function planContext(entries: readonly Entry[], target: Target, index: number): StepPlanContext {
  return {
    target,
    steps: entries.map((entry) => ({ id: entry.id, name: entry.name, options: entry.options })),
    index,
  };
}

/** Completes a step's options from the rest of the plan (its `resolve`). */
function resolveStep(entry: Entry, context: StepPlanContext): void {
  const resolve = entry.definition?.resolve;
  if (resolve === undefined || entry.options === undefined) return;
  entry.options = resolve(entry.options, context) as Record<string, unknown>;
}

/** Runs a step's load-time check against the resolved target and the plan. */
function checkStep(state: LoadState, entry: Entry, context: StepPlanContext): void {
  const check = entry.definition?.check;
  if (check === undefined || entry.options === undefined) return;
  const node = optionsNode(entry);
  for (const problem of check(entry.options, context)) {
    const where = state.locate(node, problem.path, entry.offset, false);
    state.problem(
      where.override === undefined ? where.offset : undefined,
      `step "${entry.id}": ${problem.message}`,
      {
        step: entry.id,
        option: problem.path.join("."),
        override: where.override,
        words: problem.words,
        scope: entry.id,
      },
    );
  }
}

/** The plan check: every fact a step needs comes from an earlier step. */
function checkPlan(state: LoadState, entries: readonly Entry[], registry: Registry): void {
  const resolved: Entry[] = [];
  for (const entry of entries) {
    if (entry.definition === undefined) break; // unknown step: what follows cannot be planned
    resolved.push(entry);
  }
  const steps = resolved.map((entry) => ({
    id: entry.id,
    name: entry.name,
    needs: entry.definition?.needs ?? [],
    provides: entry.definition?.provides ?? [],
    line: entry.line,
  }));
  for (const problem of planProblems(steps, registry)) {
    const entry = resolved[problem.index];
    state.problem(entry?.offset, problem.reason, { step: entry?.id });
  }
}
