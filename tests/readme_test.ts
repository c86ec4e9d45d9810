import assert from "node:assert/strict";

/** The body of the first code block after a heading of the README. */
function codeBlockAfter(readme: string, heading: string): string {
  const start = readme.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `README has no heading ${JSON.stringify(heading)}`);
  const match = /```ts ignore\n([\s\S]*?)```\n/.exec(readme.slice(start));
  assert.ok(match?.[1] !== undefined, `README has no code block after ${heading}`);
  return match[1];
}

Deno.test("the README's step example is fixtures/steps/count_keys.ts, which deno check checks", async () => {
  const readme = await Deno.readTextFile("README.md");
  assert.equal(
    codeBlockAfter(readme, "### Writing a step"),
    await Deno.readTextFile("fixtures/steps/count_keys.ts"),
    "copy fixtures/steps/count_keys.ts into the README (or the other way round)",
  );
});
