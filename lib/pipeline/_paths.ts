/**
 * Options that name files. The rule: a path written in a pipeline file is relative to that
 * file; a path given by an override (`--set`, or a flag the CLI translated) is relative to the
 * directory the user typed it in (the loader's `cwd`). `-` (stdout) and absolute paths stay as
 * they are. A step marks such an option with `.meta({ format: "path" })` on its schema.
 *
 * @module
 */

import { isAbsolute, resolve } from "node:path";
import { z } from "zod";

/** Wrappers whose inner schema says what the value is. */
const WRAPPERS = [
  "optional",
  "nullable",
  "default",
  "prefault",
  "readonly",
  "catch",
  "nonoptional",
];

/**
 * Whether a schema, through optional/default wrappers, is marked as a file path.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { z } from "zod";
 * import { isPathSchema } from "./_paths.ts";
 * equal(isPathSchema(z.string().meta({ format: "path" }).optional()), true);
 * equal(isPathSchema(z.string()), false);
 * ```
 *
 * @param schema A zod schema.
 * @returns True when it is marked `.meta({ format: "path" })`.
 */
export function isPathSchema(schema: unknown): boolean {
  let current = schema;
  for (let guard = 0; guard < 20 && current !== undefined; guard++) {
    const meta = z.globalRegistry.get(current as z.ZodType) as { format?: unknown } | undefined;
    if (meta?.format === "path") return true;
    const def = (current as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (def === undefined) return false;
    if (WRAPPERS.includes(String(def.type))) current = def.innerType;
    else if (def.type === "pipe") current = def.in;
    else return false;
  }
  return false;
}

/**
 * The keys of an object schema whose values are file paths.
 *
 * @param schema An object schema.
 * @returns The keys, in schema order.
 */
export function pathKeys(schema: z.ZodObject): string[] {
  return Object.entries(schema.shape).filter(([, value]) => isPathSchema(value)).map(([key]) =>
    key
  );
}

/**
 * A path resolved against a directory; `-` and absolute paths stay as they are.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { resolvePath } from "./_paths.ts";
 * equal(resolvePath("r.json", "/tmp/x"), "/tmp/x/r.json");
 * equal(resolvePath("-", "/tmp/x"), "-");
 * ```
 *
 * @param path The path as given.
 * @param base The directory it is relative to.
 * @returns The absolute path.
 */
export function resolvePath(path: string, base: string): string {
  if (path === "-" || isAbsolute(path)) return path;
  return resolve(base, path);
}
