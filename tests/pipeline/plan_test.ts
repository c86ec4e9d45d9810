import { assertEquals, assertRejects } from "./_assert.ts";
import { PipelineErrors } from "../../lib/pipeline/errors.ts";
import { parsePipeline } from "../../lib/pipeline/loader.ts";
import { factWords, planProblems } from "../../lib/pipeline/plan.ts";
import { defaultRegistry } from "../../lib/builtins.ts";

const registry = defaultRegistry();

Deno.test("planProblems() accepts steps whose needs are all provided earlier", () => {
  const steps = ["connect", "discover", "fill", "verify", "report"].map((name, index) => {
    const step = registry.step(name);
    return {
      id: name,
      name,
      needs: step?.needs ?? [],
      provides: step?.provides ?? [],
      line: index + 1,
    };
  });
  assertEquals(planProblems(steps, registry), []);
});

Deno.test("planProblems() says which step to add before which line", () => {
  const problems = planProblems([
    { id: "verify", name: "verify", needs: ["connection", "fill"], provides: [], line: 14 },
  ], registry);
  assertEquals(problems.map((problem) => problem.reason), [
    'step "verify" needs a connection: add a "connect" step before line 14',
    'step "verify" needs a fill result: add a "fill" step before line 14',
  ]);
});

Deno.test("planProblems() says to move a step that comes too late", () => {
  const problems = planProblems([
    { id: "discover", name: "discover", needs: ["connection"], provides: ["topology"], line: 4 },
    { id: "connect", name: "connect", needs: [], provides: ["connection"], line: 5 },
  ], registry);
  assertEquals(problems.map((problem) => problem.reason), [
    'step "discover" needs a connection: move step "connect" (line 5) before line 4',
  ]);
});

Deno.test("planProblems() names a plugin fact no registered step provides", () => {
  const problems = planProblems([
    { id: "x", name: "x", needs: ["doctor"], provides: [], line: 3 },
  ], registry);
  assertEquals(
    problems[0]?.reason,
    'step "x" needs the fact "doctor": no registered step provides it; add a step that provides "doctor" before line 3',
  );
});

Deno.test("factWords() names the built-in facts as a person would", () => {
  assertEquals(["connection", "topology", "fill"].map(factWords), [
    "a connection",
    "a topology",
    "a fill result",
  ]);
});

Deno.test("parsePipeline() reports plan problems with the other problems, at the step", async () => {
  const error = await assertRejects(
    () =>
      parsePipeline(
        "version: 1\ntarget: { port: 0 }\nsteps:\n  - connect\n  - verify\n",
        "x.yaml",
        { registry, env: {} },
      ),
    PipelineErrors,
    "",
  );
  assertEquals((error as PipelineErrors).errors.map((e) => `${e.line}:${e.column} ${e.reason}`), [
    '2:17 target: "port": expected a number of at least 1, found 0',
    '5:5 step "verify" needs a fill result: add a "fill" step before line 5',
  ]);
});

Deno.test("factWords() names a fact without words by its name", () => {
  assertEquals([factWords("verify"), factWords("doctor")], [
    "a verify result",
    'the fact "doctor"',
  ]);
});
