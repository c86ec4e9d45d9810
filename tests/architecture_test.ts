/**
 * The folder boundaries of docs/ARCHITECTURE.md, checked by parsing every import of `lib/`:
 * each folder imports only the folders below it, no two folders import each other (directly
 * or through others), private `_modules` stay inside their folder, and `lib/` never reaches
 * into `tasks/`, `bench/`, `tests/` or `fixtures/`.
 */

import assert from "node:assert/strict";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** What each layer of `lib/` may import, besides itself (as in docs/ARCHITECTURE.md). */
export const ALLOWED: Record<string, readonly string[]> = {
  foundation: [],
  resp: ["foundation"],
  cluster: ["foundation"],
  transport: ["foundation", "resp", "cluster"],
  shapes: ["foundation", "resp", "cluster"],
  fill: ["foundation", "resp", "cluster", "shapes"],
  local: ["foundation", "resp", "cluster"],
  verify: ["foundation", "resp", "cluster", "shapes", "fill"],
  report: ["foundation", "cluster", "fill", "verify"],
  pipeline: ["foundation"],
  steps: [
    "foundation",
    "resp",
    "cluster",
    "transport",
    "shapes",
    "fill",
    "verify",
    "report",
    "pipeline",
  ],
  builtins: ["foundation", "transport", "shapes", "pipeline", "steps"],
  cli: [
    "foundation",
    "resp",
    "cluster",
    "transport",
    "shapes",
    "fill",
    "local",
    "verify",
    "report",
    "pipeline",
    "steps",
    "builtins",
  ],
};

/** One import of a file under `lib/`. */
export interface ImportEdge {
  /** The importing file, relative to the root. */
  from: string;
  /** The imported file, relative to the root. */
  to: string;
  /** 1-based line of the import. */
  line: number;
}

/** The layer of a file under `lib/`: its folder, `foundation` for lib/*.ts, or `builtins`. */
export function layerOf(file: string): string {
  const parts = file.split("/");
  if (parts[0] !== "lib") return parts[0] ?? "";
  if (parts.length === 2) return parts[1] === "builtins.ts" ? "builtins" : "foundation";
  return parts[1] ?? "";
}

/** Every relative import (static, `export … from`, or a dynamic import of a literal) of a source. */
export function importsOf(file: string, source: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const pattern =
    /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s*["']([^"']+)["']/g;
  for (const match of source.matchAll(pattern)) {
    const specifier = match[1] ?? match[2] ?? match[3] ?? "";
    if (!specifier.startsWith(".")) continue;
    const to = normalize(join(dirname(file), specifier));
    const line = source.slice(0, match.index ?? 0).split("\n").length +
      (match[0].startsWith("\n") ? 1 : 0);
    edges.push({ from: file, to, line });
  }
  return edges;
}

/** The problems of a set of import edges, one sentence each. */
export function boundaryProblems(edges: readonly ImportEdge[]): string[] {
  const problems: string[] = [];
  const graph = new Map<string, Set<string>>();
  for (const edge of edges) {
    const from = layerOf(edge.from);
    const where = `${edge.from}:${edge.line} imports ${edge.to}`;
    if (!edge.to.startsWith("lib/")) {
      problems.push(`${where}: lib/ must not import from outside lib/`);
      continue;
    }
    const to = layerOf(edge.to);
    const base = edge.to.split("/").pop() ?? "";
    if (base.startsWith("_") && dirname(edge.to) !== dirname(edge.from)) {
      problems.push(`${where}: a private _module is imported from outside its folder`);
    }
    if (from === to) continue;
    if (!(ALLOWED[from] ?? []).includes(to)) {
      problems.push(`${where}: ${from} may not import ${to} (see docs/ARCHITECTURE.md)`);
    }
    let targets = graph.get(from);
    if (!targets) graph.set(from, targets = new Set());
    targets.add(to);
  }
  // A cycle between folders, whatever the table says.
  const state = new Map<string, "open" | "done">();
  const visit = (node: string, path: string[]): void => {
    if (state.get(node) === "done") return;
    if (state.get(node) === "open") {
      const cycle = [...path.slice(path.indexOf(node)), node];
      problems.push(`Folders import each other: ${cycle.join(" -> ")}`);
      return;
    }
    state.set(node, "open");
    for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
    state.set(node, "done");
  };
  for (const node of graph.keys()) visit(node, []);
  return [...new Set(problems)];
}

async function libEdges(): Promise<ImportEdge[]> {
  const edges: ImportEdge[] = [];
  const walk = async (dir: string): Promise<void> => {
    for await (const entry of Deno.readDir(join(ROOT, dir))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (/\.(ts|js)$/.test(entry.name)) {
        edges.push(...importsOf(path, await Deno.readTextFile(join(ROOT, path))));
      }
    }
  };
  await walk("lib");
  return edges;
}

Deno.test("lib/ folders import only the folders below them, with no cycle", async () => {
  const edges = await libEdges();
  assert.ok(edges.length > 100, `only ${edges.length} imports found: the parser is broken`);
  assert.deepEqual(boundaryProblems(edges), []);
});

/** The most lines a lib/ file may have: past it, a file holds more than one concern. */
const MAX_LINES = 500;

/** The lib/ files longer than `limit` lines, with their lengths. */
export function longFiles(files: ReadonlyMap<string, string>, limit = MAX_LINES): string[] {
  const problems: string[] = [];
  for (const [path, text] of files) {
    const lines = text.endsWith("\n") ? text.split("\n").length - 1 : text.split("\n").length;
    if (lines > limit) problems.push(`${path} has ${lines} lines (at most ${limit})`);
  }
  return problems.sort();
}

Deno.test("no lib/ file is longer than 500 lines", async () => {
  const files = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for await (const entry of Deno.readDir(join(ROOT, dir))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.name.endsWith(".ts")) {
        files.set(path, await Deno.readTextFile(join(ROOT, path)));
      }
    }
  };
  await walk("lib");
  assert.ok(files.size > 40, `only ${files.size} lib files found`);
  assert.deepEqual(longFiles(files), []);
});

Deno.test("longFiles() names a file past the limit and passes one at it", () => {
  const files = new Map([["lib/a.ts", "x\n".repeat(3)], ["lib/b.ts", "x\n".repeat(4)]]);
  assert.deepEqual(longFiles(files, 3), ["lib/b.ts has 4 lines (at most 3)"]);
});

Deno.test("boundaryProblems() fails on an upward import and on a folder cycle", () => {
  const problems = boundaryProblems([
    { from: "lib/fill/fill.ts", to: "lib/transport/cluster.ts", line: 3 },
    { from: "lib/transport/cluster.ts", to: "lib/fill/batch.ts", line: 9 },
  ]);
  assert.ok(
    problems.includes(
      "lib/fill/fill.ts:3 imports lib/transport/cluster.ts: fill may not import transport (see docs/ARCHITECTURE.md)",
    ),
    problems.join("\n"),
  );
  assert.ok(
    problems.includes("Folders import each other: fill -> transport -> fill"),
    problems.join("\n"),
  );
});

Deno.test("boundaryProblems() fails on a private module used from another folder and on tasks/", () => {
  const problems = boundaryProblems([
    { from: "lib/cli/errors.ts", to: "lib/pipeline/_issues.ts", line: 1 },
    { from: "lib/steps/fill.ts", to: "tasks/fill.ts", line: 2 },
  ]);
  assert.deepEqual(problems, [
    "lib/cli/errors.ts:1 imports lib/pipeline/_issues.ts: a private _module is imported from outside its folder",
    "lib/steps/fill.ts:2 imports tasks/fill.ts: lib/ must not import from outside lib/",
  ]);
});

Deno.test("importsOf() reads static, re-export, multi-line and dynamic imports with their lines", () => {
  const source = [
    'import { a } from "./a.ts";',
    "import {",
    "  b,",
    '} from "../cluster/b.ts";',
    'export { c } from "./c.ts";',
    'const d = await import("../resp/d.ts");',
    'import "npm:zod";',
  ].join("\n");
  assert.deepEqual(
    importsOf("lib/fill/x.ts", source).map((edge) => `${edge.to}@${edge.line}`),
    ["lib/fill/a.ts@1", "lib/cluster/b.ts@2", "lib/fill/c.ts@5", "lib/resp/d.ts@6"],
  );
});
