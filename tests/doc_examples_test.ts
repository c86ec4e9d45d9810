/**
 * The JSDoc examples that `deno task test` runs (`--doc` over lib/ and mod.ts) must be able to
 * fail: each one asserts with node:assert/strict, and none uses console.assert (which only
 * logs) or states its result in a comment instead of checking it.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/**
 * Files whose examples do not assert yet, in folders being split by another change; each entry
 * must still be needed (the test fails once a file's examples all assert, so the list only
 * shrinks).
 */
const NOT_YET: readonly string[] = [
  "lib/cli/terminal.ts",
];

/** One runnable code block of a JSDoc comment. */
interface Example {
  /** `file:line` of the opening fence. */
  where: string;
  /** The code, without the comment's ` * ` prefixes. */
  code: string;
}

/** Every `ts` code block in the JSDoc comments of a source that is not marked `ignore`. */
export function examplesOf(file: string, source: string): Example[] {
  const examples: Example[] = [];
  const lines = source.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const fence = /^\s*\*?\s*```(\S*)(.*)$/.exec(lines[i]!);
    if (fence === null || !/^(ts|typescript|js|javascript)$/.test(fence[1]!)) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*\*?\s*```\s*$/.test(lines[i]!); i++) {
      body.push(lines[i]!.replace(/^\s*\* ?/, ""));
    }
    if (/\bignore\b/.test(fence[2]!)) continue;
    examples.push({ where: `${file}:${start + 1}`, code: body.join("\n") });
  }
  return examples;
}

/** Why an example cannot fail, or undefined when it asserts. */
export function exampleProblem(code: string): string | undefined {
  if (/console\.assert/.test(code)) return "uses console.assert, which only logs";
  if (!/from "node:assert\/strict"/.test(code)) return "does not import node:assert/strict";
  const result = /^[^/\n]*[^\s;{}/][^/\n]*;?\s*\/\/ (?:[-\d["{]|true\b|false\b|undefined\b).*$/m
    .exec(code);
  if (result !== null) return `states a result in a comment: ${result[0].trim()}`;
  return undefined;
}

/** The .ts files under a folder, relative to the root. */
function sources(dir: string): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(join(ROOT, dir))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) files.push(...sources(path));
    else if (entry.name.endsWith(".ts")) files.push(path);
  }
  return files.sort();
}

Deno.test("every JSDoc example in lib/ and mod.ts asserts with node:assert/strict", () => {
  const problems: string[] = [];
  const pending = new Set<string>();
  for (const file of ["mod.ts", ...sources("lib")]) {
    const source = Deno.readTextFileSync(join(ROOT, file));
    for (const example of examplesOf(relative(ROOT, join(ROOT, file)), source)) {
      const problem = exampleProblem(example.code);
      if (problem === undefined) continue;
      if (NOT_YET.includes(file)) pending.add(file);
      else problems.push(`${example.where}: ${problem}`);
    }
  }
  assert.deepEqual(problems, []);
  assert.deepEqual([...pending].sort(), [...NOT_YET].sort(), "remove fixed entries from NOT_YET");
});

Deno.test("exampleProblem() tells an example that asserts from one that cannot fail", () => {
  const asserting = 'import { equal } from "node:assert/strict";\nequal(1 + 1, 2);';
  assert.equal(exampleProblem(asserting), undefined);
  assert.equal(
    exampleProblem('import { ok } from "node:assert/strict";\nconsole.assert(ok);'),
    "uses console.assert, which only logs",
  );
  assert.equal(exampleProblem("f(1);"), "does not import node:assert/strict");
  assert.equal(
    exampleProblem('import { ok } from "node:assert/strict";\nf(3); // [1, 2, 3]'),
    "states a result in a comment: f(3); // [1, 2, 3]",
  );
  assert.equal(
    exampleProblem('import { ok } from "node:assert/strict";\nok(f()); // it was free'),
    undefined,
  );
});

Deno.test("examplesOf() finds fenced ts blocks in JSDoc and skips ts ignore", () => {
  const source = [
    "/**",
    " * @example",
    " * ```ts",
    " * run();",
    " * ```",
    " * ```ts ignore",
    " * server();",
    " * ```",
    " */",
  ].join("\n");
  assert.deepEqual(examplesOf("x.ts", source), [{ where: "x.ts:3", code: "run();" }]);
});
