import assert from "node:assert/strict";
import { stripVTControlCharacters } from "node:util";
import { renderTable } from "../../lib/report/table.ts";
import { assertSnapshot, clusterFailReport, SCENARIOS } from "./_reports.ts";

const ESC = "\u001b[";

for (const [name, make] of SCENARIOS) {
  Deno.test(`renderTable() matches fixtures/reports/${name}.txt and fits 80 columns`, async () => {
    const text = renderTable(make(), { color: false, width: 80 });
    await assertSnapshot(text, `${name}.txt`);
    for (const line of text.split("\n")) {
      assert.ok([...line].length <= 80, `line wider than 80 columns: ${JSON.stringify(line)}`);
    }
    assert.ok(!text.includes(ESC), "no ANSI codes");
  });
}

Deno.test("renderTable() colours the verdict and bars only when asked", () => {
  const plain = renderTable(clusterFailReport(), { color: false });
  const coloured = renderTable(clusterFailReport(), { color: true });
  assert.ok(!plain.includes(ESC));
  assert.ok(coloured.includes(ESC));
  assert.equal(stripVTControlCharacters(coloured), plain, "colour changes nothing else");
});

Deno.test("renderTable() names every failed check and the failed step", () => {
  const text = renderTable(clusterFailReport(), { width: 80 });
  assert.match(text, /^redfill: cluster-fill +FAIL$/m);
  assert.match(text, /FAIL {2}count: 12000 keys missing: found 1036576 of 1048576/);
  assert.match(text, /FAIL {2}content: 1 of 1000 sampled keys are wrong: key/);
  assert.match(text, /^ {2}verify: Verify failed: count:/m);
});

Deno.test("renderTable() never shows the target's password", () => {
  for (const [, make] of SCENARIOS) {
    assert.ok(!renderTable(make(), { color: true }).includes("hunter2"), "the password is shown");
  }
});

Deno.test("renderTable() wraps to the width it is given, 80 columns by default", () => {
  const report = clusterFailReport();
  const wide = renderTable(report, { color: false, width: 120 });
  assert.equal(renderTable(report, { color: false }), renderTable(report, { width: 80 }));
  assert.ok(wide.split("\n").some((line) => [...line].length > 80), "uses the wider width");
  assert.ok(wide.split("\n").every((line) => [...line].length <= 120));
});
