import assert from "node:assert/strict";
import { join } from "node:path";
import { startLocalRedis } from "../lib/local/mod.ts";
import { addressFlags, runDeno, runFillCli } from "./_cli.ts";

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

Deno.test("the README's library example runs against a local server and reports a verified fill", async () => {
  const readme = await Deno.readTextFile("README.md");
  const start = readme.indexOf("\n## Using redfill as a library\n");
  assert.ok(start >= 0, "README has no library section");
  const example = /```ts\n([\s\S]*?)```\n/.exec(readme.slice(start))?.[1];
  assert.ok(example !== undefined, "no ts block in the library section");
  await using redis = await startLocalRedis();
  const dir = await Deno.makeTempDir({ prefix: "redfill-readme-" });
  try {
    const file = join(dir, "library_example.ts");
    await Deno.writeTextFile(file, example);
    // The README's `import … from "redfill"` resolves through deno.json, as in a user's project.
    const run = await runDeno(["run", "--check", "-A", "--config", "deno.json", file], {
      env: { REDIS_PORT: String(redis.nodes[0]!.port) },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^redfill: library +PASS$/m);
    assert.match(run.stdout, /^Fill +32,768 keys, 16\.0 MiB/m);
    const dbsize = await new Deno.Command("redis-cli", {
      args: ["-p", String(redis.nodes[0]!.port), "DBSIZE"],
      stdout: "piped",
    }).output();
    assert.equal(new TextDecoder().decode(dbsize.stdout).trim(), "32768");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the README's peak-memory figure for deno task fill is what a fill's report shows", async () => {
  const readme = await Deno.readTextFile("README.md");
  const stated = /report's peak\s+RSS for\s+`deno task fill`[^]*?is\s+about\s+(\d+)\s+MiB/.exec(
    readme,
  );
  assert.ok(stated !== null, "README states the report's peak RSS of deno task fill");
  await using redis = await startLocalRedis();
  const run = await runFillCli([...addressFlags(redis), "-d", "64MB", "--no-verify"].concat([
    "--report",
    "json",
  ]));
  assert.equal(run.code, 0, run.stderr);
  const peakMib = JSON.parse(run.stdout).fill.client.peakRssBytes / (1024 * 1024);
  const figure = Number(stated[1]);
  // Memory does not depend on the machine's speed; 20% covers Deno's own variation.
  assert.ok(
    Math.abs(peakMib - figure) <= figure * 0.2,
    `the report shows ${peakMib.toFixed(1)} MiB, the README says about ${figure} MiB`,
  );
});

Deno.test("the README's Gating CI pipeline is examples/ci-fill.yaml, and its error is the loader's", async () => {
  const readme = await Deno.readTextFile("README.md");
  const section = readme.slice(readme.indexOf("\n## Gating CI\n"));
  const yaml = /```yaml\n([\s\S]*?)```\n/.exec(section)?.[1];
  const example = (await Deno.readTextFile("examples/ci-fill.yaml"))
    .split("\n").filter((line) => !line.startsWith("#")).join("\n");
  assert.equal(
    yaml,
    example,
    "copy examples/ci-fill.yaml into the README (or the other way round)",
  );
  const error = /```text\n {2}(fixtures\/[\s\S]*?)\n {2}```\n/.exec(section)?.[1];
  const expected = (await Deno.readTextFile(
    "fixtures/pipelines/broken/threshold_wrong_unit.expected.txt",
  )).split("\n").slice(0, 3).join("\n");
  assert.equal(error?.replace(/\n {2}/g, "\n"), expected);
});
