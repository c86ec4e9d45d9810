/**
 * `uses:` modules: a local `.ts`/`.js` file, relative to the pipeline file, whose default (or
 * `step`) export is a step made with `defineStep`, and whose `transports` export, if any, is
 * registered for the pipeline.
 *
 * @module
 */

import { isAbsolute, join, posix, relative } from "node:path";
import { pathToFileURL } from "node:url";
import type { StepDefinition } from "../types.ts";
import { stepDefinitionProblem, transportDefinitionProblem } from "./define.ts";
import type { LoadState } from "./_load_state.ts";
import type { Registry } from "./registry.ts";

/** File extensions of loadable step modules. */
const MODULE_EXTENSIONS = /\.(ts|mts|js|mjs)$/;

/**
 * Imports a `uses:` module: its step, and the transports it exports (registered in
 * `registry`).
 *
 * @param state The load (problems are recorded at `offset`).
 * @param uses The path as written.
 * @param offset Where the path is in the file.
 * @param registry The pipeline's registry.
 * @returns The step, or undefined after recording why not.
 */
export async function loadModuleStep(
  state: LoadState,
  uses: string,
  offset: number,
  registry: Registry,
): Promise<StepDefinition | undefined> {
  if (!/^\.{1,2}\//.test(uses) && !isAbsolute(uses)) {
    state.problem(offset, `"uses" must be a local path starting with ./ or ../, found "${uses}"`);
    return undefined;
  }
  if (!MODULE_EXTENSIONS.test(uses)) {
    state.problem(offset, `"uses" must name a .ts or .js module, found "${uses}"`);
    return undefined;
  }
  const path = isAbsolute(uses) ? uses : join(state.fileDir, uses);
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) throw new Deno.errors.NotFound();
  } catch {
    state.problem(
      offset,
      `Module "${uses}" does not exist (looked for "${
        relative(state.cwd, path) || path
      }"): the path is relative to the pipeline file`,
    );
    return undefined;
  }
  const specifier = moduleSpecifier(path);
  if (specifier === undefined) {
    state.problem(
      offset,
      `Module "${uses}" cannot be loaded: redfill runs from ${
        JSON.stringify(import.meta.url)
      }, and Deno lets a remote module import no local file; run redfill from a local copy`,
    );
    return undefined;
  }
  let module: Record<string, unknown>;
  try {
    // A literal "./" before the path keeps the import analyzable for `deno publish`.
    module = await import(`./${specifier}`);
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    state.problem(offset, `Module "${uses}" failed to load: ${message}`);
    return undefined;
  }
  const exported = module.default ?? module.step;
  if (exported === undefined) {
    state.problem(
      offset,
      `Module "${uses}" exports no step: add "export default defineStep({ … })"`,
    );
    return undefined;
  }
  const problem = stepDefinitionProblem(exported);
  if (problem !== undefined) {
    state.problem(offset, `Module "${uses}" does not export a valid step: ${problem}`);
    return undefined;
  }
  if (module.transports !== undefined) registerTransports(state, uses, offset, module, registry);
  return exported as StepDefinition;
}

/**
 * The path of a module relative to this one, as an import specifier without its leading
 * `./` (percent-encoded, `/`-separated), or undefined when this module is not a local file:
 * Deno refuses a local import from a remote module, so `uses:` needs redfill run from files.
 */
function moduleSpecifier(path: string): string | undefined {
  const here = new URL(".", import.meta.url);
  if (here.protocol !== "file:") return undefined;
  return posix.relative(here.pathname, pathToFileURL(path).pathname);
}

/** Registers the transports a module exports, or records why one cannot be. */
function registerTransports(
  state: LoadState,
  uses: string,
  offset: number,
  module: Record<string, unknown>,
  registry: Registry,
): void {
  if (!Array.isArray(module.transports)) {
    state.problem(offset, `Module "${uses}" exports "transports" that is not a list of transports`);
    return;
  }
  for (const transport of module.transports) {
    const transportProblem = transportDefinitionProblem(transport);
    const name = String((transport as { name?: unknown } | null)?.name);
    if (transportProblem !== undefined) {
      state.problem(offset, `Module "${uses}" exports an invalid transport: ${transportProblem}`);
    } else if (registry.transport(name) !== undefined && registry.transport(name) !== transport) {
      state.problem(
        offset,
        `Module "${uses}" exports transport "${name}", but a transport of that name is already registered`,
      );
    } else {
      registry.registerTransport(transport);
    }
  }
}
