/**
 * Loads a pipeline file (YAML or JSON), keeping every value's line and column, substitutes
 * `${env.NAME}`, lays `--set` overrides over it, validates the target and every step's
 * options against the step's zod schema, runs the plan check, and reports every problem
 * found in one pass.
 *
 * File rules:
 * - `version: 1` is required; `name` (default: the file's base name), `description`,
 *   `target` and a non-empty `steps` list; `$schema` is allowed for editors.
 * - A step is a bare name (`- connect`), a one-key map `{name: options}` (options may be
 *   empty) with an optional `id:` beside the name, or `uses: ./module.ts` with optional
 *   `with:` (options) and `id:`. A step's id is its `id:`, else its name; ids are unique.
 * - Option names are kebab-case, exactly as the step's schema spells them.
 * - `${env.NAME}` in a string value is replaced by the variable (missing is an error); a
 *   plain (unquoted) value that is only `${env.NAME}` is read as YAML would read the text
 *   (`port: ${env.PORT}` is a number); `$${env.NAME}` is the literal text.
 * - `uses:` paths and TLS file paths are relative to the pipeline file.
 *
 * @module
 */

import { dirname, isAbsolute, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node as YamlNode,
  type Pair,
  parse as parseYaml,
  parseDocument,
  visit,
  type YAMLMap,
  type YAMLSeq,
} from "yaml";
import type { z } from "zod";
import type { StepDefinition, Target, TargetMode, TlsSettings } from "../types.ts";
import { describeValue, explainIssues, formatPath } from "./_issues.ts";
import { didYouMean } from "../suggest.ts";
import { stepDefinitionProblem, transportDefinitionProblem } from "./define.ts";
import { PipelineError, throwIfAny } from "./errors.ts";
import { planProblems } from "./plan.ts";
import type { Registry } from "./registry.ts";
import { TARGET_DEFAULTS } from "../defaults.ts";
import { type TargetFile, targetFileSchema } from "./target.ts";
import type { Pipeline, PlannedStep } from "./types.ts";

/** Options for {@linkcode loadPipeline} and {@linkcode parsePipeline}. */
export interface LoadPipelineOptions {
  /** Variables for `${env.NAME}` (default: the process environment). */
  env?: Record<string, string | undefined>;
  /** Overrides like `fill.size=2GiB` or `target.port=7000`; values are read as YAML. */
  set?: readonly string[];
  /** Steps and transports to resolve names against (`lib/builtins.ts` has the built-ins). */
  registry: Registry;
}

/** Top-level keys of a pipeline file. */
const TOP_LEVEL_KEYS = ["version", "name", "description", "target", "steps", "$schema"];
/** Keys of a `uses:` step. */
const USES_KEYS = ["uses", "with", "id"];
/** A step id: a letter, then letters, digits, `-` or `_` (no dots: `--set` splits on them). */
const STEP_ID = /^[A-Za-z][A-Za-z0-9_-]*$/;
/** A `${env.NAME}` reference; `$${…}` escapes it. */
const ENV_REFERENCE = /\$(\$?)\{env\.([^}]*)\}/g;
/** An environment variable name. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** File extensions of loadable step modules. */
const MODULE_EXTENSIONS = /\.(ts|mts|js|mjs)$/;

/** A problem found, before it is turned into a {@linkcode PipelineError}. */
interface Problem {
  offset: number | undefined;
  reason: string;
  step?: string | undefined;
  option?: string | undefined;
}

/** One item of `steps:` as read from the file. */
interface Entry {
  index: number;
  offset: number;
  line: number;
  column: number;
  id: string;
  name: string;
  uses?: string | undefined;
  definition?: StepDefinition | undefined;
  /** The map holding the options under `key`, or the bare item to replace. */
  holder: { map: YAMLMap; key: string } | { seq: YAMLSeq; index: number };
  options: z.output<z.ZodObject> | undefined;
}

/** Reads a pair's key as text, or undefined for a key that is not a scalar. */
function keyText(pair: Pair): string | undefined {
  const key = pair.key;
  if (isScalar(key)) return key.value === null ? "" : String(key.value);
  if (key === null || key === undefined) return "";
  if (typeof key !== "object") return String(key);
  return undefined;
}

/** The start offset of a node, if it came from the file. */
function offsetOf(node: unknown): number | undefined {
  const range = (node as { range?: readonly number[] } | null | undefined)?.range;
  return range?.[0];
}

/** The pair of a map with a key. */
function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((pair) => keyText(pair) === key);
}

/** The masked text of the secrets in a line. */
function maskLine(line: string, secrets: ReadonlySet<string>): string {
  const keep = (value: string): boolean => /^["']?\$\{env\.[^}]*\}["']?$/.test(value);
  let masked = line
    .replace(/(rediss?:\/\/[^:@/\s"']*:)([^@\s"']+)(@)/g, "$1***$3")
    .replace(
      /^(\s*(?:-\s+)?["']?password["']?\s*:\s*)(.*?)(\s+#.*)?$/,
      (_m, key: string, value: string, comment: string | undefined) =>
        value === "" || keep(value)
          ? `${key}${value}${comment ?? ""}`
          : `${key}***${comment ?? ""}`,
    );
  masked = masked.replace(
    /([{,]\s*["']?password["']?\s*:\s*)("[^"]*"|'[^']*'|[^,}\s]+)/g,
    (match, key: string, value: string) => (keep(value) ? match : `${key}***`),
  );
  for (const secret of secrets) {
    if (secret.length >= 3) masked = masked.split(secret).join("***");
  }
  return masked;
}

/** Masks the secrets in a message. */
function maskText(text: string, secrets: ReadonlySet<string>): string {
  let masked = text.replace(/(rediss?:\/\/[^:@/\s"']*:)([^@\s"']+)(@)/g, "$1***$3");
  for (const secret of secrets) {
    if (secret.length >= 1) masked = masked.split(secret).join("***");
  }
  return masked;
}

/** The state of one load: the document, positions and the problems found so far. */
class LoadState {
  readonly file: string;
  readonly source: string;
  readonly doc: Document.Parsed;
  readonly lineCounter: LineCounter;
  readonly problems: Problem[] = [];
  readonly secrets = new Set<string>();
  /** Nodes made by `--set`: they have no place in the file. */
  readonly setNodes = new WeakMap<object, string>();

  constructor(file: string, source: string, doc: Document.Parsed, lineCounter: LineCounter) {
    this.file = file;
    this.source = source;
    this.doc = doc;
    this.lineCounter = lineCounter;
  }

  problem(offset: number | undefined, reason: string, extra: Partial<Problem> = {}): void {
    this.problems.push({ offset, reason, ...extra });
  }

  position(offset: number): { line: number; column: number } {
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, column: col };
  }

  sourceLine(line: number): string {
    const start = line === 1 ? 0 : (this.lineCounter.lineStarts[line - 1] ?? 0);
    const end = this.source.indexOf("\n", start);
    return this.source.slice(start, end === -1 ? undefined : end).replace(/\r$/, "");
  }

  errors(): PipelineError[] {
    const sorted = this.problems
      .map((problem, order) => ({ problem, order }))
      .sort((a, b) => (a.problem.offset ?? -1) - (b.problem.offset ?? -1) || a.order - b.order);
    return sorted.map(({ problem }) => {
      if (problem.offset === undefined) {
        return new PipelineError({
          file: this.file,
          line: 0,
          column: 0,
          reason: maskText(problem.reason, this.secrets),
          step: problem.step,
          option: problem.option,
        });
      }
      const { line, column } = this.position(problem.offset);
      return new PipelineError({
        file: this.file,
        line,
        column,
        sourceLine: maskLine(this.sourceLine(line), this.secrets),
        reason: maskText(problem.reason, this.secrets),
        step: problem.step,
        option: problem.option,
      });
    });
  }

  /** Plain data of a node, or a problem when it cannot be converted. */
  toData(node: unknown): { ok: true; value: unknown } | { ok: false } {
    if (node === null || node === undefined) return { ok: true, value: undefined };
    try {
      const value = (node as YamlNode).toJS(this.doc, { maxAliasCount: 100 });
      return { ok: true, value };
    } catch (error) {
      this.problem(
        offsetOf(node),
        `Cannot read this value: ${error instanceof Error ? error.message : String(error)}`,
      );
      return { ok: false };
    }
  }

  /** Follows an alias to its node. */
  deref(node: unknown): unknown {
    if (isAlias(node)) {
      try {
        return node.resolve(this.doc);
      } catch {
        return undefined;
      }
    }
    return node;
  }

  /**
   * Where a path inside a node points: the offset of the deepest node that has one, and
   * whether the exact node was made by `--set`.
   */
  locate(
    root: unknown,
    path: readonly PropertyKey[],
    fallback: number | undefined,
    atKey: boolean,
  ): { offset: number | undefined; fromSet: string | undefined } {
    let node: unknown = this.deref(root);
    let offset = offsetOf(node) ?? fallback;
    let fromSet = this.setOf(node);
    for (let index = 0; index < path.length; index++) {
      const segment = path[index];
      if (isMap(node)) {
        const pair = node.items.find((item) => keyText(item) === String(segment));
        if (pair === undefined) break;
        offset = offsetOf(pair.key) ?? offset;
        fromSet = this.setOf(pair) ?? fromSet;
        if (index === path.length - 1 && atKey) break;
        node = this.deref(pair.value);
      } else if (isSeq(node) && typeof segment === "number") {
        node = this.deref(node.items[segment]);
      } else break;
      if (node === null || node === undefined) break;
      offset = offsetOf(node) ?? offset;
      fromSet = this.setOf(node) ?? fromSet;
    }
    return { offset, fromSet };
  }

  /** The `--set` assignment that made a node, if one did. */
  setOf(node: unknown): string | undefined {
    return typeof node === "object" && node !== null ? this.setNodes.get(node) : undefined;
  }

  /**
   * Validates a map node against an object schema with kebab-case keys, reporting unknown
   * keys with a did-you-mean and every type error with expected and found.
   */
  validateObject(
    schema: z.ZodObject,
    node: unknown,
    fallback: number | undefined,
    label: { prefix: string; subject: (path: string) => string; step?: string | undefined },
  ): { ok: true; value: unknown } | { ok: false } {
    const resolved = this.deref(node);
    let data: unknown = {};
    if (
      resolved !== null && resolved !== undefined &&
      !(isScalar(resolved) && resolved.value === null)
    ) {
      if (!isMap(resolved)) {
        const converted = this.toData(resolved);
        this.problem(
          offsetOf(resolved) ?? fallback,
          `${label.prefix}expected a map like { name: value }, found ${
            converted.ok ? describeValue(converted.value) : "something else"
          }`,
          { step: label.step },
        );
        return { ok: false };
      }
      const converted = this.toData(resolved);
      if (!converted.ok) return { ok: false };
      data = converted.value;
    }
    const result = schema.safeParse(data);
    if (result.success) return { ok: true, value: result.data };
    for (const issue of explainIssues(result.error.issues, data, schema)) {
      const where = this.locate(resolved, issue.path, fallback, issue.atKey);
      const option = formatPath(issue.path);
      const sentence = issue.sentence(label.subject(option));
      if (where.fromSet !== undefined) {
        this.problem(undefined, `--set "${where.fromSet}": ${label.prefix}${sentence}`, {
          step: label.step,
          option,
        });
        continue;
      }
      this.problem(
        where.offset,
        `${label.prefix}${sentence}`,
        {
          step: label.step,
          option,
        },
      );
    }
    return { ok: false };
  }
}

/**
 * Loads, validates and plan-checks a pipeline file (`.yaml`, `.yml` or `.json`).
 *
 * @example
 * ```ts ignore
 * import { loadPipeline } from "./loader.ts";
 * const pipeline = await loadPipeline("pipelines/fill.yaml", { set: ["fill.size=2GiB"] });
 * console.log(pipeline.steps.map((step) => step.id));
 * ```
 *
 * @param path The file, as the user named it (errors quote it as given).
 * @param options Environment, `--set` overrides and the registry.
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
    source = await Deno.readTextFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "The pipeline file does not exist"
      : `Cannot read the pipeline file: ${error instanceof Error ? error.message : String(error)}`;
    throw new PipelineError({ file: path, line: 0, column: 0, reason });
  }
  return await parsePipeline(source, path, options);
}

/**
 * Validates and plan-checks pipeline text as if it were read from `file` (its `uses:` paths
 * resolve relative to that file).
 *
 * @param source The YAML or JSON text.
 * @param file The file name to report and to resolve relative paths against.
 * @param options Environment, `--set` overrides and the registry.
 * @returns The pipeline.
 * @throws {PipelineError} for one problem (exit 2).
 * @throws {PipelineErrors} for several (exit 2).
 */
export async function parsePipeline(
  source: string,
  file: string,
  options: LoadPipelineOptions,
): Promise<Pipeline> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const state = new LoadState(file, source, doc, lineCounter);

  for (const error of doc.errors) {
    const message = error.message.replace(/ at line \d+, column \d+[\s\S]*$/, "").replace(/:$/, "");
    state.problem(error.pos[0], `Invalid YAML: ${message}`);
  }
  throwIfAny(state.errors());

  const root = state.deref(doc.contents);
  if (root === null || root === undefined || (isScalar(root) && root.value === null)) {
    state.problem(undefined, 'The file is empty: start it with "version: 1"');
    throwIfAny(state.errors());
  }
  if (!isMap(root)) {
    state.problem(
      offsetOf(root),
      "A pipeline file must be a map with version, name, target and steps",
    );
    throwIfAny(state.errors());
    throw new Error("unreachable");
  }

  for (const pair of root.items) {
    const key = keyText(pair);
    if (key === undefined || !TOP_LEVEL_KEYS.includes(key)) {
      state.problem(
        offsetOf(pair.key),
        `Unknown key ${JSON.stringify(key ?? "?")}${didYouMean(key ?? "", TOP_LEVEL_KEYS)}`,
      );
    }
  }

  checkVersion(state, root);
  substituteEnv(state, options.env);

  const registry = options.registry.clone();

  const name = readString(state, root, "name") ?? baseName(file);
  const description = readString(state, root, "description");

  const entries = await readSteps(state, root, registry);
  applySets(state, root, entries, options.set ?? []);
  const target = readTarget(state, root, registry);

  for (const entry of entries) {
    if (entry.definition === undefined) continue;
    const holder = entry.holder;
    const node = "map" in holder ? pairOf(holder.map, holder.key)?.value : undefined;
    const result = state.validateObject(
      entry.definition.options as z.ZodObject,
      node,
      entry.offset,
      {
        prefix: `step "${entry.id}": `,
        subject: (option) => `option "${option}"`,
        step: entry.id,
      },
    );
    if (result.ok) entry.options = result.value as z.output<z.ZodObject>;
  }

  const resolved: Entry[] = [];
  for (const entry of entries) {
    if (entry.definition === undefined) break; // unknown step: what follows cannot be planned
    resolved.push(entry);
  }
  for (
    const problem of planProblems(
      resolved.map((entry) => ({
        id: entry.id,
        name: entry.name,
        needs: entry.definition?.needs ?? [],
        provides: entry.definition?.provides ?? [],
        line: entry.line,
      })),
      registry,
    )
  ) {
    const entry = resolved[problem.index];
    state.problem(entry?.offset, problem.reason, { step: entry?.id });
  }

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
    registry,
  };
}

/** The file's base name without its extension. */
function baseName(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.(ya?ml|json)$/i, "");
}

/** Checks `version: 1`. */
function checkVersion(state: LoadState, root: YAMLMap): void {
  const pair = pairOf(root, "version");
  if (pair === undefined) {
    state.problem(
      offsetOf(root.items[0]?.key) ?? 0,
      'The file has no version: add "version: 1" at the top',
    );
    return;
  }
  const node = state.deref(pair.value);
  const value = isScalar(node) ? node.value : undefined;
  if (value !== 1 && value !== "1") {
    state.problem(
      offsetOf(node) ?? offsetOf(pair.key),
      `Version ${
        describeValue(isScalar(node) ? node.value : "?")
      } is not supported: this redfill reads "version: 1"`,
    );
  }
}

/** Reads an optional string at the top level. */
function readString(state: LoadState, root: YAMLMap, key: string): string | undefined {
  const pair = pairOf(root, key);
  if (pair === undefined) return undefined;
  const node = state.deref(pair.value);
  if (isScalar(node) && typeof node.value === "string" && node.value.trim() !== "") {
    return node.value;
  }
  const data = state.toData(node);
  state.problem(
    offsetOf(node) ?? offsetOf(pair.key),
    `"${key}" must be a non-empty string, found ${
      data.ok ? describeValue(data.value) : "something else"
    }`,
  );
  return undefined;
}

/** Replaces `${env.NAME}` in every string value. */
function substituteEnv(
  state: LoadState,
  env: Record<string, string | undefined> | undefined,
): void {
  const lookup = (name: string): string | undefined => {
    if (env !== undefined) return env[name];
    try {
      return Deno.env.get(name);
    } catch {
      return undefined;
    }
  };
  visit(state.doc, {
    Scalar(key, node) {
      if (key === "key" || typeof node.value !== "string" || !node.value.includes("${")) return;
      const text = node.value;
      const start = offsetOf(node) ?? 0;
      const raw = state.source.slice(start, node.range?.[1] ?? start);
      let whole = false;
      let failed = false;
      const replaced = text.replace(ENV_REFERENCE, (match, escaped: string, name: string) => {
        if (escaped === "$") return match.slice(1);
        const at = raw.indexOf(match);
        const offset = at === -1 ? start : start + at;
        if (!ENV_NAME.test(name)) {
          state.problem(
            offset,
            `"${match}" is not a valid environment variable reference: use \${env.NAME}`,
          );
          failed = true;
          return match;
        }
        const value = lookup(name);
        if (value === undefined) {
          state.problem(
            offset,
            `Environment variable "${name}" is not set: set it, or write the value in place of "${match}"`,
          );
          failed = true;
          return match;
        }
        whole = match === text;
        return value;
      });
      if (failed || replaced === text) return;
      node.value = replaced;
      if (whole && node.type === "PLAIN") {
        try {
          const reread: unknown = parseYaml(replaced);
          if (typeof reread === "number" || typeof reread === "boolean") node.value = reread;
        } catch {
          // not a scalar YAML would read differently: keep the text
        }
      }
    },
  });
}

/** Reads the `steps:` list: the forms, the names, the ids, and `uses:` modules. */
async function readSteps(state: LoadState, root: YAMLMap, registry: Registry): Promise<Entry[]> {
  const pair = pairOf(root, "steps");
  if (pair === undefined) {
    state.problem(
      offsetOf(root.items[0]?.key) ?? 0,
      'The file has no steps: add "steps:" with a list of steps',
    );
    return [];
  }
  const seq = state.deref(pair.value);
  if (!isSeq(seq) || seq.items.length === 0) {
    state.problem(
      offsetOf(seq) ?? offsetOf(pair.key),
      '"steps" must be a non-empty list, like "steps: [connect, discover, fill]"',
    );
    return [];
  }
  const entries: Entry[] = [];
  const ids = new Map<string, number>();
  for (let index = 0; index < seq.items.length; index++) {
    const item = state.deref(seq.items[index]);
    const offset = offsetOf(item) ?? offsetOf(seq.items[index]) ?? offsetOf(seq) ?? 0;
    const entry = await readStep(state, item, offset, index, seq, registry);
    if (entry === undefined) continue;
    const first = ids.get(entry.id);
    if (first !== undefined) {
      state.problem(
        entry.offset,
        `Step id "${entry.id}" is used twice (first at line ${first}): give this step another "id:"`,
        { step: entry.id },
      );
      continue;
    }
    ids.set(entry.id, entry.line);
    entries.push(entry);
  }
  return entries;
}

/** What a step item must look like, for errors. */
const STEP_FORMS = 'a step name, "name: { options }" or "uses: ./module.ts"';

/** Reads one item of `steps:`. */
async function readStep(
  state: LoadState,
  item: unknown,
  offset: number,
  index: number,
  seq: YAMLSeq,
  registry: Registry,
): Promise<Entry | undefined> {
  const { line, column } = state.position(offset);
  const base = { index, offset, line, column, options: undefined };
  if (isScalar(item)) {
    if (typeof item.value !== "string" || item.value === "") {
      state.problem(offset, `A step must be ${STEP_FORMS}, found ${describeValue(item.value)}`);
      return undefined;
    }
    const definition = lookupStep(state, registry, item.value, offset);
    return { ...base, id: item.value, name: item.value, definition, holder: { seq, index } };
  }
  if (!isMap(item)) {
    const data = state.toData(item);
    state.problem(
      offset,
      `A step must be ${STEP_FORMS}, found ${
        data.ok ? describeValue(data.value) : "something else"
      }`,
    );
    return undefined;
  }
  const keys = item.items.map((pair) => ({ pair, key: keyText(pair) }));
  for (const { pair, key } of keys) {
    if (key === undefined) {
      state.problem(
        offsetOf(pair.key) ?? offset,
        `A step must be ${STEP_FORMS}, found a complex key`,
      );
      return undefined;
    }
  }
  const idPair = pairOf(item, "id");
  let id: string | undefined;
  if (idPair !== undefined) {
    const idNode = state.deref(idPair.value);
    const value = isScalar(idNode) ? idNode.value : undefined;
    if (typeof value !== "string" || !STEP_ID.test(value)) {
      state.problem(
        offsetOf(idNode) ?? offsetOf(idPair.key) ?? offset,
        `A step id must be a letter followed by letters, digits, "-" or "_", found ${
          describeValue(value)
        }`,
      );
      return undefined;
    }
    id = value;
  }

  if (pairOf(item, "uses") !== undefined) {
    for (const { pair, key } of keys) {
      if (!USES_KEYS.includes(key ?? "")) {
        state.problem(
          offsetOf(pair.key) ?? offset,
          `A "uses:" step takes only "uses", "with" and "id": ${JSON.stringify(key)} is not known${
            didYouMean(key ?? "", USES_KEYS)
          }`,
        );
        return undefined;
      }
    }
    const usesPair = pairOf(item, "uses") as Pair;
    const usesNode = state.deref(usesPair.value);
    const uses = isScalar(usesNode) ? usesNode.value : undefined;
    const usesOffset = offsetOf(usesNode) ?? offsetOf(usesPair.key) ?? offset;
    if (typeof uses !== "string") {
      state.problem(
        usesOffset,
        `"uses" must be a path like ./steps/my_step.ts, found ${describeValue(uses)}`,
      );
      return undefined;
    }
    const definition = await loadModuleStep(state, uses, usesOffset, registry);
    const stepName = definition?.name ?? uses;
    return {
      ...base,
      id: id ?? stepName,
      name: stepName,
      uses,
      definition,
      holder: { map: item, key: "with" },
    };
  }

  const names = keys.filter(({ key }) => key !== "id");
  if (names.length !== 1) {
    const found = names.map(({ key }) => JSON.stringify(key)).join(" and ");
    const withHint = names.some(({ key }) => key === "with")
      ? ': "with:" belongs to "uses:" steps; put a step\'s options under its name'
      : names.length === 0
      ? ""
      : ": put each step in its own list item";
    state.problem(
      offset,
      names.length === 0
        ? `A step must be ${STEP_FORMS}, found only an id`
        : `A step must be ${STEP_FORMS}, found ${found} in one item${withHint}`,
    );
    return undefined;
  }
  const namePair = names[0]?.pair as Pair;
  const name = names[0]?.key as string;
  const definition = lookupStep(state, registry, name, offsetOf(namePair.key) ?? offset);
  return { ...base, id: id ?? name, name, definition, holder: { map: item, key: name } };
}

/** Finds a registered step, or reports an unknown one with a did-you-mean. */
function lookupStep(
  state: LoadState,
  registry: Registry,
  name: string,
  offset: number,
): StepDefinition | undefined {
  const definition = registry.step(name);
  if (definition !== undefined) return definition;
  const known = registry.steps().map((step) => step.name);
  const hint = didYouMean(name, known);
  state.problem(
    offset,
    hint !== ""
      ? `Unknown step "${name}"${hint}`
      : `Unknown step "${name}": expected one of ${
        known.map((step) => `"${step}"`).join(", ")
      }, or "uses: ./module.ts"`,
    { step: name },
  );
  return undefined;
}

/** Imports a `uses:` module: its step, and the transports it exports. */
async function loadModuleStep(
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
  const path = isAbsolute(uses) ? uses : join(dirname(state.file), uses);
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) throw new Deno.errors.NotFound();
  } catch {
    state.problem(
      offset,
      `Module "${uses}" does not exist (looked for "${
        relative(Deno.cwd(), path) || path
      }"): the path is relative to the pipeline file`,
    );
    return undefined;
  }
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(path).href);
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
  if (module.transports !== undefined) {
    if (!Array.isArray(module.transports)) {
      state.problem(
        offset,
        `Module "${uses}" exports "transports" that is not a list of transports`,
      );
    } else {
      for (const transport of module.transports) {
        const transportProblem = transportDefinitionProblem(transport);
        const name = (transport as { name?: unknown } | null)?.name;
        if (transportProblem !== undefined) {
          state.problem(
            offset,
            `Module "${uses}" exports an invalid transport: ${transportProblem}`,
          );
        } else if (
          registry.transport(String(name)) !== undefined &&
          registry.transport(String(name)) !== transport
        ) {
          state.problem(
            offset,
            `Module "${uses}" exports transport "${
              String(name)
            }", but a transport of that name is already registered`,
          );
        } else {
          registry.registerTransport(transport);
        }
      }
    }
  }
  return exported as StepDefinition;
}

/** Reads one `--set` value as YAML would read it. */
function readSetValue(text: string): unknown {
  if (text === "") return "";
  try {
    return parseYaml(text);
  } catch {
    return text;
  }
}

/** Lays `--set id.option=value` and `--set target.key=value` over the document. */
function applySets(
  state: LoadState,
  root: YAMLMap,
  entries: Entry[],
  sets: readonly string[],
): void {
  for (const assignment of sets) {
    const equals = assignment.indexOf("=");
    const lhs = equals === -1 ? "" : assignment.slice(0, equals);
    const path = lhs.split(".");
    const [head = "", ...rest] = path;
    const flag = `--set "${assignment}"`;
    if (equals === -1 || rest.length === 0 || path.some((part) => part === "")) {
      state.problem(
        undefined,
        `${flag}: expected step.option=value, like fill.size=2GiB or target.port=7000`,
      );
      continue;
    }
    const value = readSetValue(assignment.slice(equals + 1));
    const node = state.doc.createNode(value);
    state.setNodes.set(node as object, assignment);
    if (head === "target") {
      try {
        const existing = pairOf(root, "target");
        if (existing === undefined) {
          root.set("target", state.doc.createNode({}));
        }
        const targetNode = state.deref(pairOf(root, "target")?.value);
        if (!isMap(targetNode)) {
          if (isScalar(targetNode) && targetNode.value === null) {
            (pairOf(root, "target") as Pair).value = state.doc.createNode({});
          } else throw new Error("target is not a map");
        }
        setIn(state, state.deref(pairOf(root, "target")?.value) as YAMLMap, rest, node, assignment);
      } catch {
        state.problem(undefined, `${flag}: "target" in the file is not a map`);
      }
      continue;
    }
    const entry = entries.find((candidate) => candidate.id === head);
    if (entry === undefined) {
      state.problem(
        undefined,
        `${flag}: the pipeline has no step with id "${head}"${
          didYouMean(head, [...entries.map((e) => e.id), "target"])
        }`,
      );
      continue;
    }
    try {
      const options = optionsMap(state, entry);
      setIn(state, options, rest, node, assignment);
    } catch {
      state.problem(
        undefined,
        `${flag}: the options of step "${entry.id}" in the file are not a map`,
        {
          step: entry.id,
        },
      );
    }
  }
}

/** Sets a value at a path inside a map, creating maps on the way; marks the pair as set. */
function setIn(
  state: LoadState,
  map: YAMLMap,
  path: readonly string[],
  node: unknown,
  assignment: string,
): void {
  let current = map;
  for (let index = 0; index < path.length - 1; index++) {
    const key = path[index] as string;
    const pair = pairOf(current, key);
    let next = state.deref(pair?.value);
    if (next === undefined || next === null || (isScalar(next) && next.value === null)) {
      next = state.doc.createNode({});
      state.setNodes.set(next as object, assignment);
      if (pair === undefined) current.set(key, next);
      else pair.value = next;
      const made = pairOf(current, key);
      if (made !== undefined) state.setNodes.set(made, assignment);
    }
    if (!isMap(next)) throw new Error("not a map");
    current = next;
  }
  const last = path[path.length - 1] as string;
  const pair = pairOf(current, last);
  if (pair === undefined) current.set(state.doc.createNode(last), node);
  else pair.value = node;
  const created = pairOf(current, last);
  if (created !== undefined) state.setNodes.set(created, assignment);
}

/** The options map of a step, made when the file gives none. */
function optionsMap(state: LoadState, entry: Entry): YAMLMap {
  const holder = entry.holder;
  if ("seq" in holder) {
    const map = state.doc.createNode({ [entry.name]: {} }) as YAMLMap;
    holder.seq.items[holder.index] = map;
    entry.holder = { map, key: entry.name };
    return pairOf(map, entry.name)?.value as YAMLMap;
  }
  const pair = pairOf(holder.map, holder.key);
  const value = state.deref(pair?.value);
  if (isMap(value)) return value;
  if (value === undefined || value === null || (isScalar(value) && value.value === null)) {
    const map = state.doc.createNode({}) as YAMLMap;
    if (pair === undefined) holder.map.set(holder.key, map);
    else pair.value = map;
    return map;
  }
  throw new Error("not a map");
}

/** Reads and checks `target:`, applying defaults. */
function readTarget(state: LoadState, root: YAMLMap, registry: Registry): Target | undefined {
  const pair = pairOf(root, "target");
  const node = state.deref(pair?.value);
  const fallback = offsetOf(pair?.key);
  // Collect secrets first, so no message or snippet shows them.
  if (isMap(node)) {
    const password = state.deref(pairOf(node, "password")?.value);
    if (
      isScalar(password) && password.value !== null && !String(password.value).includes("${env.")
    ) {
      state.secrets.add(String(password.value));
    }
    const url = state.deref(pairOf(node, "url")?.value);
    if (isScalar(url) && typeof url.value === "string") {
      const match = /^rediss?:\/\/[^:@/]*:([^@/]+)@/.exec(url.value);
      if (match?.[1] !== undefined) {
        state.secrets.add(match[1]);
        try {
          state.secrets.add(decodeURIComponent(match[1]));
        } catch {
          // keep the raw form only
        }
      }
    }
  }
  const result = state.validateObject(targetFileSchema, node, fallback, {
    prefix: "target: ",
    subject: (key) => (key === "password" ? `"password"` : `"${key}"`),
  });
  if (!result.ok) return undefined;
  const file = result.value as TargetFile;
  const at = (key: string): number | undefined => {
    if (!isMap(node)) return fallback;
    const keyPair = pairOf(node, key);
    return offsetOf(state.deref(keyPair?.value)) ?? offsetOf(keyPair?.key) ?? fallback;
  };

  let host = file.host;
  let port = file.port;
  let username = file.username;
  let password = file.password === undefined ? undefined : String(file.password);
  let tlsFromUrl = false;
  let ok = true;
  if (file.url !== undefined) {
    const parsed = parseRedisUrl(file.url);
    if (typeof parsed === "string") {
      state.problem(at("url"), `target: "url" ${parsed}`);
      ok = false;
    } else {
      // A key from --set overrides the url's part; the same key in the file is a conflict.
      const fromSet = (key: string): boolean =>
        isMap(node) && state.setOf(pairOf(node, key)) !== undefined;
      const conflicts: [key: string, inUrl: boolean, what: string][] = [
        ["host", true, "the address"],
        ["port", true, "the address"],
        ["username", parsed.username !== undefined, "a user name"],
        ["password", parsed.password !== undefined, "a password"],
      ];
      for (const [key, inUrl, what] of conflicts) {
        const given = (file as Record<string, unknown>)[key] !== undefined;
        if (inUrl && given && !fromSet(key)) {
          state.problem(at(key), `target: "url" and "${key}" both give ${what}: keep one`);
          ok = false;
        }
      }
      host = fromSet("host") ? host : parsed.host;
      port = fromSet("port") ? port : parsed.port;
      username = fromSet("username") ? username : parsed.username ?? username;
      password = fromSet("password") ? password : parsed.password ?? password;
      tlsFromUrl = parsed.tls;
    }
  }
  if (password !== undefined && password !== "" && !password.includes("${env.")) {
    state.secrets.add(password);
  }

  let tls: TlsSettings | undefined;
  if (file.tls === true || (tlsFromUrl && file.tls === undefined)) tls = {};
  else if (typeof file.tls === "object") tls = { ...file.tls };
  else if (file.tls === false && tlsFromUrl) {
    state.problem(at("tls"), 'target: "url" is rediss:// (TLS) but "tls" is false: keep one');
    ok = false;
  }
  if (tls !== undefined) {
    for (const key of ["ca", "cert", "key"] as const) {
      const value = tls[key];
      if (value === undefined) continue;
      const path = isAbsolute(value) ? value : join(dirname(state.file), value);
      try {
        Deno.statSync(path);
        tls[key] = path;
      } catch {
        const tlsNode = isMap(node) ? state.deref(pairOf(node, "tls")?.value) : undefined;
        const keyPair = isMap(tlsNode) ? pairOf(tlsNode, key) : undefined;
        const set = state.setOf(keyPair) ?? state.setOf(tlsNode);
        const reason =
          `target: tls "${key}" file "${value}" does not exist: the path is relative to the pipeline file`;
        if (set !== undefined) state.problem(undefined, `--set "${set}": ${reason}`);
        else state.problem(offsetOf(state.deref(keyPair?.value)) ?? at("tls"), reason);
        ok = false;
      }
    }
  }

  if (file.transport !== undefined && registry.transport(file.transport) === undefined) {
    const known = registry.transports().map((transport) => transport.name);
    const hint = didYouMean(file.transport, known);
    state.problem(
      at("transport"),
      hint !== ""
        ? `target: unknown transport "${file.transport}"${hint}`
        : `target: unknown transport "${file.transport}": registered transports are ${
          known.length === 0 ? "none" : known.map((name) => `"${name}"`).join(", ")
        }`,
    );
    ok = false;
  }
  if (!ok) return undefined;

  const target: Target = {
    host: host ?? TARGET_DEFAULTS.host,
    port: port ?? (tls === undefined ? TARGET_DEFAULTS.port : TARGET_DEFAULTS.tlsPort),
    mode: (file.mode ?? "auto") as TargetMode,
    connectTimeoutMs: file["connect-timeout"] ?? TARGET_DEFAULTS.connectTimeoutMs,
    commandTimeoutMs: file["command-timeout"] ?? TARGET_DEFAULTS.commandTimeoutMs,
  };
  if (tls !== undefined) target.tls = tls;
  if (username !== undefined) target.username = username;
  if (password !== undefined) target.password = password;
  if (file.transport !== undefined) target.transport = file.transport;
  return target;
}

/** An address read from a redis:// or rediss:// URL. */
export interface RedisUrl {
  /** Host (IPv6 without brackets). */
  host: string;
  /** Port, when the URL names one. */
  port: number | undefined;
  /** Whether the scheme is rediss://. */
  tls: boolean;
  /** The user name, percent-decoded. */
  username: string | undefined;
  /** The password, percent-decoded. */
  password: string | undefined;
}

/**
 * Parses a Redis URL, or says what is wrong with it without repeating the password.
 *
 * @param text The URL as written.
 * @returns The parts, or the reason it is not usable (a phrase like `has no host: …`).
 */
export function parseRedisUrl(text: string): RedisUrl | string {
  let url: URL;
  const shown = JSON.stringify(text.replace(/(\/\/[^:@/]*:)[^@/]*@/, "$1***@"));
  const expected = "expected redis://host:port or rediss://host:port (TLS)";
  try {
    url = new URL(text);
  } catch {
    return `is not a URL: ${expected}, found ${shown}`;
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    return `must start with redis:// or rediss://, found ${shown}`;
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") return `has no host: ${expected}, found ${shown}`;
  if (url.pathname !== "" && url.pathname !== "/" && url.pathname !== "/0") {
    return `selects database "${url.pathname.slice(1)}": redfill writes to database 0 only`;
  }
  if (url.search !== "" || url.hash !== "") {
    return `has a query or fragment: ${expected}, found ${shown}`;
  }
  let username: string | undefined;
  let password: string | undefined;
  try {
    username = url.username === "" ? undefined : decodeURIComponent(url.username);
    password = url.password === "" ? undefined : decodeURIComponent(url.password);
  } catch {
    return "has a user name or password that is not valid percent-encoding";
  }
  return {
    host,
    port: url.port === "" ? undefined : Number(url.port),
    tls: url.protocol === "rediss:",
    username,
    password,
  };
}
