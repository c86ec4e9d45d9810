import { assertEquals, assertOk, assertThrows } from "./_assert.ts";
import { UsageError } from "../../lib/errors.ts";
import {
  formatSnippet,
  PipelineError,
  PipelineErrors,
  throwIfAny,
} from "../../lib/pipeline/errors.ts";

Deno.test("formatSnippet() puts a caret under the column, keeping tabs so it lines up", () => {
  assertEquals(
    formatSnippet(12, 9, "  - fill: { size: x }   "),
    "  12 |   - fill: { size: x }\n     |         ^",
  );
  assertEquals(formatSnippet(3, 3, "\t\tx"), "  3 | \t\tx\n    | \t\t^");
  assertEquals(formatSnippet(1, 1, "x"), "  1 | x\n    | ^");
});

Deno.test("PipelineError gives file:line:column, the sentence and the line with a caret", () => {
  const error = new PipelineError({
    file: "p.yaml",
    line: 4,
    column: 5,
    sourceLine: "  - conect",
    reason: 'Unknown step "conect"',
    step: "conect",
  });
  assertEquals(error.message, 'p.yaml:4:5: Unknown step "conect"\n  4 |   - conect\n    |     ^');
  assertEquals(
    [error.file, error.line, error.column, error.reason, error.step, error.option],
    ["p.yaml", 4, 5, 'Unknown step "conect"', "conect", undefined],
  );
  assertEquals(error.snippet, "  4 |   - conect\n    |     ^");
  assertEquals([error.exitCode, error.name], [2, "PipelineError"]);
  assertOk(error instanceof UsageError);
});

Deno.test("PipelineError without a place names only the file", () => {
  const error = new PipelineError({
    file: "p.yaml",
    line: 0,
    column: 0,
    reason: "The pipeline file does not exist",
  });
  assertEquals(error.message, "p.yaml: The pipeline file does not exist");
  assertEquals(error.snippet, "");
});

Deno.test("throwIfAny() throws nothing, one PipelineError, or every problem in one PipelineErrors", () => {
  throwIfAny([]);
  const one = new PipelineError({ file: "p.yaml", line: 2, column: 1, reason: "First" });
  const two = new PipelineError({ file: "p.yaml", line: 5, column: 3, reason: "Second" });
  assertEquals(assertThrows(() => throwIfAny([one]), PipelineError, "First"), one);
  const joined = assertThrows(() => throwIfAny([one, two]), PipelineErrors, "First");
  assertEquals(joined.message, "p.yaml:2:1: First\n\np.yaml:5:3: Second");
  assertEquals((joined as PipelineErrors).errors, [one, two]);
  assertEquals([(joined as PipelineErrors).exitCode, joined.name], [2, "PipelineErrors"]);
});
