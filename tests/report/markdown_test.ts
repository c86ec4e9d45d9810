import assert from "node:assert/strict";
import { renderMarkdown } from "../../lib/report/markdown.ts";
import { assertSnapshot, clusterFailReport, clusterPassReport, SCENARIOS } from "./_reports.ts";

for (const [name, make] of SCENARIOS) {
  Deno.test(`renderMarkdown() matches fixtures/reports/${name}.md`, async () => {
    await assertSnapshot(renderMarkdown(make()), `${name}.md`);
  });
}

Deno.test("renderMarkdown() never shows the target's password", () => {
  for (const [, make] of SCENARIOS) {
    assert.ok(!renderMarkdown(make()).includes("hunter2"), "the password is shown");
  }
});

Deno.test("renderMarkdown() heads the summary with the pipeline and the verdict", () => {
  assert.match(renderMarkdown(clusterPassReport()), /^## redfill: cluster-fill/);
  assert.notEqual(
    renderMarkdown(clusterPassReport()).split("\n")[0],
    renderMarkdown(clusterFailReport()).split("\n")[0],
    "pass and fail are told apart in the heading",
  );
});
