import assert from "node:assert/strict";
import { LineCounter, parseDocument } from "yaml";
import { maskLine, secretRanges } from "../../lib/pipeline/_mask.ts";

/** Each line of a source with its secrets masked, as a snippet would show it. */
function masked(source: string): string[] {
  const doc = parseDocument(source, { lineCounter: new LineCounter(), uniqueKeys: true });
  const ranges = secretRanges(doc, source);
  let start = 0;
  return source.split("\n").map((line) => {
    const shown = maskLine(line, start, ranges);
    start += line.length + 1;
    return shown;
  });
}

Deno.test("secretRanges() finds secret keys' values and URL passwords, and leaves other text alone", () => {
  assert.deepEqual(
    masked(
      "name: fill\ntarget:\n  url: redis://u:keys@h:1\n  password: fill # fill it\n" +
        "steps:\n  - uses: ./x.ts\n    with: { token: 'redis', label: fill }\n",
    ),
    [
      "name: fill",
      "target:",
      "  url: redis://u:***@h:1",
      "  password: *** # fill it",
      "steps:",
      "  - uses: ./x.ts",
      "    with: { token: ***, label: fill }",
      "",
    ],
  );
});

Deno.test("secretRanges() shows ${env.…} references as written: they are not the secret", () => {
  assert.deepEqual(
    masked("target:\n  password: ${env.PW}\n  url: redis://:${env.PW}@h:1\n"),
    ["target:", "  password: ${env.PW}", "  url: redis://:${env.PW}@h:1", ""],
  );
});

Deno.test("secretRanges() reads a file with syntax errors line by line, block and flow", () => {
  for (
    const [source, line, expected] of [
      ["version: 1\ntarget:\n  password: fill\n   port: 1\n", 2, "  password: ***"],
      ["target:\n\tpassword: keys\n", 1, "\tpassword: ***"],
      ['target: { "password": "redis", port: [ }\n', 0, 'target: { "password": ***, port: [ }'],
      ['target:\n  password: "fill\n', 1, "  password: ***"],
    ] as const
  ) {
    assert.equal(masked(source)[line], expected, source);
  }
});
