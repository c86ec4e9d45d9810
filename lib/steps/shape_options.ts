/**
 * The fill's data-shape options (kebab-case, as written in files): one shape by `type` with
 * its sizes at the top level (`type: hash, fields: 10-50, field-size: 16-128`), or a mix in
 * `keyspace` (`[{type: string, share: 70, value-size: 64-4KiB}, …]`, a plugin entry with
 * `uses:` and `with:`); `keys` (exactly N keys) beside `size`; `compressibility`. Every size
 * takes the size forms `512`, `100-10000`, `64:60,1KiB:30,64KiB:10`.
 *
 * @module
 */

import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { BUILTIN_SHAPES, builtinShapes } from "../shapes/builtin.ts";
import type { ShapeRegistry } from "../shapes/define.ts";
import { ShapeMix } from "../shapes/mix.ts";
import { sizeFormProblem } from "../shapes/sizes.ts";
import type { KeyspaceShape, NameOption } from "../types.ts";
import { parseMemoryTarget } from "../fill/until_memory.ts";
import { parseSize } from "../units.ts";

/** A size form as written (`512`, `100-10000`, `64:60,1KiB:30`), checked, kept as written. */
export function sizeFormInput(name: string, least = 1) {
  return z.union([z.number(), z.string()]).superRefine((value, ctx) => {
    const problem = sizeFormProblem(value, least);
    if (problem === undefined) return;
    ctx.addIssue({
      code: "custom",
      message: problem,
      params: { words: (named: NameOption) => `Invalid ${named(name)}: ${problem}` },
    });
  });
}

/** The options of each built-in shape, as top-level options of a one-shape fill. */
export const SHAPE_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  string: ["value-size"],
  hash: ["fields", "field-size"],
  list: ["elements", "element-size"],
  set: ["members", "member-size"],
  zset: ["members", "member-size", "scores"],
  stream: ["entries", "fields", "field-size"],
};

const SHAPE_NAMES = BUILTIN_SHAPES.map((shape) => shape.name);
const TOP_LEVEL = ["fields", "field-size", "elements", "element-size", "members", "member-size"]
  .concat(["scores", "entries"]);

/** One entry of `keyspace`: a built-in `type` with its options inline, or `uses:` a module. */
const entrySchema = z.strictObject({
  type: z.enum(SHAPE_NAMES as [string, ...string[]]).optional().describe(
    `A built-in shape: ${SHAPE_NAMES.join(", ")}`,
  ),
  uses: z.string().optional().describe("A module exporting a shape (defineShape), ./ relative"),
  share: z.number().min(0).default(1).describe("Relative share of the keys (default 1)"),
  with: z.record(z.string(), z.unknown()).optional().describe("A plugin shape's options"),
  "value-size": sizeFormInput("value-size").optional().describe("string: bytes per value"),
  fields: sizeFormInput("fields").optional().describe("hash, stream: fields per key or entry"),
  "field-size": sizeFormInput("field-size").optional().describe("hash, stream: bytes per value"),
  elements: sizeFormInput("elements").optional().describe("list: elements per key"),
  "element-size": sizeFormInput("element-size").optional().describe("list: bytes per element"),
  members: sizeFormInput("members").optional().describe("set, zset: members per key"),
  "member-size": sizeFormInput("member-size").optional().describe("set, zset: bytes per member"),
  scores: sizeFormInput("scores", 0).optional().describe("zset: integer scores, like 0-1000"),
  entries: sizeFormInput("entries").optional().describe("stream: entries per key"),
}).superRefine((entry, ctx) => {
  if ((entry.type === undefined) === (entry.uses === undefined)) {
    ctx.addIssue({
      code: "custom",
      message: `expected either type (${SHAPE_NAMES.join(", ")}) or uses: ./a-shape.ts`,
    });
    return;
  }
  if (entry.uses !== undefined) {
    if (!/^\.{1,2}\//.test(entry.uses) && !isAbsolute(entry.uses)) {
      ctx.addIssue({
        code: "custom",
        path: ["uses"],
        message: "expected a local path starting with ./ or ../ (relative to the pipeline file)",
      });
    }
    return;
  }
  const shape = builtinShapes().get(entry.type!)!;
  const options = optionsOfEntry(entry);
  const parsed = shape.options?.safeParse(options);
  if (!parsed || parsed.success) return;
  for (const issue of parsed.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `is not an option of the ${shape.name} shape (it takes ${
            SHAPE_OPTIONS[shape.name]!.join(", ")
          })`,
        });
      }
    } else {
      ctx.addIssue({ code: "custom", path: issue.path as PropertyKey[], message: issue.message });
    }
  }
});

function optionsOfEntry(entry: Record<string, unknown>): Record<string, unknown> {
  const { type: _type, uses: _uses, share: _share, with: given, ...inline } = entry;
  return { ...inline, ...(given as Record<string, unknown> | undefined) };
}

/** The shape options of `fill` and `keyspace`. */
export const shapeOptionsShape = {
  keys: z.number().int().min(1).max(2 ** 42).optional().describe(
    "Exactly this many keys (instead of size)",
  ),
  "until-memory": z.string().refine(
    (text) => parseMemoryTarget(text, (size) => parseSize(size)) !== undefined,
    { message: "expected a share of maxmemory like 80%, or a size of used_memory like 3GiB" },
  ).optional().describe(
    "Fill until every master's used_memory reaches 80% of its maxmemory, or a size like 3GiB (instead of size or keys)",
  ),
  type: z.enum(SHAPE_NAMES as [string, ...string[]]).optional().describe(
    `One shape for every key: ${SHAPE_NAMES.join(", ")} (default string)`,
  ),
  fields: sizeFormInput("fields").optional().describe(
    "Fields per hash or per stream entry, e.g. 10-50",
  ),
  "field-size": sizeFormInput("field-size").optional().describe(
    "Bytes per hash or stream field value, e.g. 16-128",
  ),
  elements: sizeFormInput("elements").optional().describe("Elements per list"),
  "element-size": sizeFormInput("element-size").optional().describe("Bytes per list element"),
  members: sizeFormInput("members").optional().describe("Members per set or sorted set"),
  "member-size": sizeFormInput("member-size").optional().describe(
    "Bytes per set or sorted-set member",
  ),
  scores: sizeFormInput("scores", 0).optional().describe(
    "Sorted-set scores, integers like 0-1000000",
  ),
  entries: sizeFormInput("entries").optional().describe("Entries per stream"),
  compressibility: z.number().min(0).max(0.9).optional().describe(
    "Fraction of each value that repeats one byte, 0 … 0.9 (default 0)",
  ),
  keyspace: z.array(entrySchema).min(1).optional().describe(
    "A mix of shapes with shares of the keys: [{type: string, share: 70, value-size: 64-4KiB}, …]",
  ),
};

/** The options {@linkcode refineShapes} and {@linkcode shapesOf} read. */
export interface ShapeOptions {
  size?: number | undefined;
  keys?: number | undefined;
  type?: string | undefined;
  "value-size": number | string;
  compressibility?: number | undefined;
  keyspace?: Array<Record<string, unknown>> | undefined;
  [option: string]: unknown;
}

/** Adds an issue at `path` with a file message and the reader's sentence. */
function issue(
  ctx: z.RefinementCtx,
  path: string[],
  message: string,
  words: (name: NameOption) => string,
): void {
  ctx.addIssue({ code: "custom", path, message, params: { words } });
}

/**
 * Refuses, while the file is checked, what contradicts itself: `keys` with `size`, `type` with
 * `keyspace`, a shape's option without its `type`, shares that are all zero.
 *
 * @param options The fill's options.
 * @param ctx The refinement.
 */
export function refineShapes(options: ShapeOptions, ctx: z.RefinementCtx): void {
  const amounts = ["keys", "size", "until-memory"].filter((option) =>
    options[option] !== undefined
  );
  if (amounts.length > 1) {
    const [first, second] = amounts as [string, string];
    issue(
      ctx,
      [second],
      `contradicts "${first}": a fill is so many keys, so many bytes or a memory level, use one of them`,
      (name) => `${name(first)} and ${name(second)} exclude each other: use one of them`,
    );
  }
  const given = TOP_LEVEL.filter((option) => options[option] !== undefined);
  if (options.keyspace !== undefined) {
    if (options.type !== undefined || given.length > 0) {
      const first = options.type !== undefined ? "type" : given[0]!;
      issue(
        ctx,
        [first],
        `contradicts "keyspace": give each shape's options in its keyspace entry`,
        (name) =>
          `${name(first)} and ${
            name("keyspace")
          } exclude each other: give each shape's options in its keyspace entry`,
      );
    }
    const total = options.keyspace.reduce((sum, entry) => sum + Number(entry.share ?? 1), 0);
    if (!(total > 0)) {
      issue(
        ctx,
        ["keyspace"],
        "has shares that are all zero: give at least one shape a share above 0",
        (name) =>
          `The shares of ${name("keyspace")} are all zero: give at least one shape a share above 0`,
      );
    }
    return;
  }
  const type = options.type ?? "string";
  for (const option of given) {
    if (SHAPE_OPTIONS[type]!.includes(option)) continue;
    const owners = Object.keys(SHAPE_OPTIONS).filter((name) =>
      SHAPE_OPTIONS[name]!.includes(option)
    );
    issue(
      ctx,
      [option],
      `applies to ${owners.join(" and ")} shapes, not ${type}: set type: ${owners[0]}`,
      (name) =>
        `${name(option)} applies to ${owners.join(" and ")} shapes, not ${type}: add ${
          name("type")
        } ${owners[0]}`,
    );
  }
  if (options.type === undefined) return;
  const shape = builtinShapes().get(type)!;
  const parsed = shape.options?.safeParse(oneShapeOptions(options, type));
  if (parsed && !parsed.success) {
    const first = parsed.error.issues[0]!;
    const path = first.path.map(String);
    issue(ctx, path, first.message, (name) => `Invalid ${name(path.join("."))}: ${first.message}`);
  }
}

function oneShapeOptions(options: ShapeOptions, type: string): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const option of SHAPE_OPTIONS[type]!) {
    if (options[option] !== undefined) picked[option] = options[option];
  }
  return picked;
}

/**
 * The shapes a fill's options declare, or undefined for plain strings of `value-size`.
 *
 * @param options The validated options.
 * @param base Where a plugin entry's relative `uses:` path starts (the pipeline's folder).
 * @returns The shapes.
 */
export function shapesOf(options: ShapeOptions, base = Deno.cwd()): KeyspaceShape[] | undefined {
  if (options.keyspace !== undefined) {
    return options.keyspace.map((entry) => {
      const uses = entry.uses as string | undefined;
      return {
        type: (entry.type as string | undefined) ?? "",
        share: Number(entry.share ?? 1),
        options: optionsOfEntry(entry),
        ...(uses === undefined ? {} : { uses: isAbsolute(uses) ? uses : resolve(base, uses) }),
      };
    });
  }
  const type = options.type ?? "string";
  const shaped = type !== "string" || typeof options["value-size"] === "string" ||
    (options.compressibility ?? 0) > 0;
  if (!shaped) return undefined;
  const picked = oneShapeOptions(options, type);
  if (type === "string") picked["value-size"] = options["value-size"];
  return [{ type, share: 1, options: picked }];
}

/**
 * The mean bytes of key and contents per key of some shapes.
 *
 * @param shapes The shapes.
 * @param options Key size, seed, compressibility and the registry.
 * @returns Bytes.
 */
export function meanPayloadBytes(
  shapes: readonly KeyspaceShape[],
  options: {
    keySize: number;
    seed: number;
    compressibility?: number | undefined;
    registry?: ShapeRegistry;
  },
): number {
  return new ShapeMix(shapes, {
    seed: options.seed,
    keys: { keySize: options.keySize, writeKey: () => {} },
    ttl: () => 0,
    compressibility: options.compressibility,
    registry: options.registry ?? builtinShapes(),
  }).meanPayloadBytes;
}
