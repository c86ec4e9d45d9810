/**
 * The built-in steps and transports, registered statically through the same registry calls a
 * user plugin makes (Lume's `site.use(plugin)` for its own plugins too), and the loader with
 * that registry as its default. The tasks and `mod.ts` import this file; nothing below it
 * does, so the pipeline folder never reaches up to the steps.
 *
 * @module
 */

import { defineTransport } from "./pipeline/define.ts";
import {
  loadPipeline as loadWith,
  type LoadPipelineOptions,
  parsePipeline as parseWith,
} from "./pipeline/loader.ts";
import { Registry } from "./pipeline/registry.ts";
import type { Pipeline } from "./pipeline/types.ts";
import { connectStep, discoverStep } from "./steps/connect.ts";
import { fillStep, keyspaceStep } from "./steps/fill.ts";
import { flushStep } from "./steps/flush.ts";
import { mergeStep } from "./steps/merge.ts";
import { reportStep } from "./steps/report.ts";
import { verifyStep } from "./steps/verify.ts";
import { autoTransport } from "./transport/auto.ts";
import { clusterTransport } from "./transport/cluster.ts";
import { proxyTransport } from "./transport/proxy.ts";
import { standaloneTransport } from "./transport/standalone.ts";

/** The built-in transports, as plugins. */
export const builtinTransports = [
  standaloneTransport,
  clusterTransport,
  autoTransport,
  proxyTransport,
].map(
  (transport) => defineTransport(transport),
);

/** The built-in steps, as plugins. */
export const builtinSteps = [
  connectStep,
  discoverStep,
  flushStep,
  fillStep,
  keyspaceStep,
  verifyStep,
  reportStep,
  mergeStep,
] as const;

/**
 * Registers the built-in steps and transports.
 *
 * @param registry The registry to add to.
 */
export function registerBuiltins(registry: Registry): void {
  for (const transport of builtinTransports) registry.registerTransport(transport);
  for (const step of builtinSteps) registry.registerStep(step);
}

/**
 * A new registry holding the built-in steps and transports.
 *
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { defaultRegistry } from "./builtins.ts";
 * ok(defaultRegistry().step("fill") !== undefined);
 * ```
 *
 * @returns A registry the caller may add to freely.
 */
export function defaultRegistry(): Registry {
  const registry = new Registry();
  registerBuiltins(registry);
  return registry;
}

/** Options for {@linkcode loadPipeline} and {@linkcode parsePipeline}: the registry is optional. */
export type LoadOptions = Omit<LoadPipelineOptions, "registry"> & {
  /** Steps and transports to resolve names against (default: the built-ins). */
  registry?: Registry | undefined;
};

/**
 * Loads, validates and plan-checks a pipeline file (`.yaml`, `.yml` or `.json`) against the
 * built-in steps, or the registry given.
 *
 * @example
 * ```ts ignore
 * import { loadPipeline } from "./builtins.ts";
 * const pipeline = await loadPipeline("pipelines/fill.yaml", { set: ["fill.size=2GiB"] });
 * ```
 *
 * @param path The file, as the user named it (errors quote it as given).
 * @param options Environment, `--set` overrides and the registry.
 * @returns The pipeline, with defaults applied and options validated.
 * @throws {PipelineError} for one problem (exit 2).
 * @throws {PipelineErrors} for several, all found in one pass (exit 2).
 */
export function loadPipeline(path: string, options: LoadOptions = {}): Promise<Pipeline> {
  return loadWith(path, { ...options, registry: options.registry ?? defaultRegistry() });
}

/**
 * Validates and plan-checks pipeline text as if it were read from `file`, against the
 * built-in steps or the registry given.
 *
 * @param source The YAML or JSON text.
 * @param file The file name to report and to resolve relative paths against.
 * @param options Environment, `--set` overrides and the registry.
 * @returns The pipeline.
 * @throws {PipelineError} for one problem (exit 2).
 * @throws {PipelineErrors} for several (exit 2).
 */
export function parsePipeline(
  source: string,
  file: string,
  options: LoadOptions = {},
): Promise<Pipeline> {
  return parseWith(source, file, { ...options, registry: options.registry ?? defaultRegistry() });
}
