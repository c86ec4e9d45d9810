import { assertOk } from "./_assert.ts";
import { PipelineError, PipelineErrors } from "../../lib/pipeline/errors.ts";
import { parsePipeline } from "../../lib/pipeline/loader.ts";
import { defaultRegistry } from "../../lib/builtins.ts";

/** A small seeded PRNG (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS = [
  "fixtures/pipelines/all_forms.yaml",
  "fixtures/pipelines/all_forms.json",
  "fixtures/pipelines/custom_step.yaml",
  ...[...Deno.readDirSync("fixtures/pipelines/broken")]
    .filter((entry) => entry.name.endsWith(".yaml"))
    .map((entry) => `fixtures/pipelines/broken/${entry.name}`),
].sort().map((path) => Deno.readTextFileSync(path));

const PIECES = [
  ":",
  "-",
  " ",
  "  ",
  "\n",
  "\t",
  "{",
  "}",
  "[",
  "]",
  ",",
  '"',
  "'",
  "#",
  "&a",
  "*a",
  "!!str ",
  "!!binary ",
  "|",
  ">",
  "?",
  "$",
  "${env.X}",
  "${env.}",
  "${",
  "%",
  "@",
  "~",
  "null",
  "0",
  "-1",
  "1e999",
  "version",
  "steps",
  "target",
  "uses",
  "with",
  "id",
  "fill",
  "key-size",
  "url",
  "<<: *a",
  "redis://:p@",
  "rediss://",
  "\u0000",
  "é",
  "\r\n",
];

/** One random edit of a text. */
function mutate(text: string, next: () => number): string {
  const at = Math.floor(next() * (text.length + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const lines = text.split("\n");
  switch (Math.floor(next() * 7)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1 + Math.floor(next() * 8));
    case 1:
    case 2:
      return text.slice(0, at) + pick(PIECES) + text.slice(at);
    case 3: {
      const i = Math.floor(next() * lines.length);
      const j = Math.floor(next() * lines.length);
      [lines[i], lines[j]] = [lines[j] as string, lines[i] as string];
      return lines.join("\n");
    }
    case 4: {
      const i = Math.floor(next() * lines.length);
      lines.splice(i, 0, lines[i] ?? "");
      return lines.join("\n");
    }
    case 5:
      return text.slice(0, at);
    default:
      return text.slice(0, at) + text.slice(at).replace(/[a-z]/, pick(["X", "", "-", "9"]));
  }
}

/** Mutated files fed to the loader (issue 7 asks for 10,000). */
const CASES = 10_000;

Deno.test("parsePipeline() only ever throws PipelineError or PipelineErrors for 10,000 mutated files", async () => {
  const next = random(20240607);
  const registry = defaultRegistry();
  let rejected = 0;
  for (let i = 0; i < CASES; i++) {
    let text = SEEDS[Math.floor(next() * SEEDS.length)] as string;
    const edits = 1 + Math.floor(next() * 4);
    for (let e = 0; e < edits; e++) text = mutate(text, next);
    const file = next() < 0.2 ? "fixtures/pipelines/fuzz.json" : "fixtures/pipelines/fuzz.yaml";
    try {
      await parsePipeline(text, file, {
        registry,
        env: { X: "1" },
        set: next() < 0.1 ? ["fill.size=2MB"] : [],
      });
    } catch (error) {
      rejected++;
      if (!(error instanceof PipelineError || error instanceof PipelineErrors)) {
        throw new Error(`Case ${i} threw ${String(error)} for:\n${text}`, { cause: error });
      }
      for (const problem of error instanceof PipelineErrors ? error.errors : [error]) {
        assertOk(problem.reason.length > 0 && problem.exitCode === 2);
      }
    }
  }
  assertOk(rejected > CASES / 2, `only ${rejected} of ${CASES} mutated files were rejected`);
});
