/**
 * Shape plugins: `uses: ./shapes/session.ts` in a keyspace entry names a module whose default
 * (or `shape`) export is made with {@linkcode defineShape}. Modules are imported once and kept
 * by path, so verify finds the shape a fill used.
 *
 * @module
 */

import { pathToFileURL } from "node:url";
import { UsageError } from "../errors.ts";
import type { KeyspaceShape } from "../types.ts";
import { builtinShapes } from "./builtin.ts";
import { type ShapeDefinition, ShapeRegistry } from "./define.ts";

const loaded = new Map<string, ShapeDefinition>();

function isShape(value: unknown): value is ShapeDefinition {
  const shape = value as Partial<ShapeDefinition> | undefined;
  return typeof shape?.name === "string" && typeof shape.create === "function" &&
    typeof shape.type === "string";
}

/**
 * Imports a shape module (once per path).
 *
 * @param path The module's absolute path.
 * @returns Its shape.
 * @throws {UsageError} when it does not exist, does not load, or exports no shape.
 */
export async function loadShapeModule(path: string): Promise<ShapeDefinition> {
  const known = loaded.get(path);
  if (known) return known;
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(path).href);
  } catch (error) {
    const said = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new UsageError(`Shape module "${path}" could not be loaded: ${said}`, { cause: error });
  }
  const shape = [module.default, module.shape].find(isShape);
  if (!shape) {
    throw new UsageError(
      `Shape module "${path}" exports no shape: export default defineShape({ … }) from it`,
    );
  }
  loaded.set(path, shape);
  return shape;
}

/**
 * Loads the plugin shapes of a keyspace and names each entry by its shape.
 *
 * @param shapes The keyspace's shapes (a plugin entry has `uses`).
 * @returns The shapes with each plugin entry's `type` set to its shape's name.
 */
export async function loadShapes(shapes: readonly KeyspaceShape[]): Promise<KeyspaceShape[]> {
  return await Promise.all(shapes.map(async (shape) => {
    if (shape.uses === undefined) return shape;
    const definition = await loadShapeModule(shape.uses);
    return { ...shape, type: definition.name };
  }));
}

/**
 * The registry for a keyspace: the built-in shapes and its plugin shapes (loaded already).
 *
 * @param shapes The keyspace's shapes.
 * @returns The registry.
 */
export function registryFor(shapes: readonly KeyspaceShape[] | undefined): ShapeRegistry {
  const registry = builtinShapes();
  for (const shape of shapes ?? []) {
    if (shape.uses === undefined) continue;
    const definition = loaded.get(shape.uses);
    if (definition && !registry.get(definition.name)) registry.register(definition);
  }
  return registry;
}
