/**
 * The environment a command runs in: an `--out` that cannot be written fails before anything
 * connects; a stdout reader that went away ends the run quietly with the report file written;
 * a missing or unusable TMPDIR for the local demo is one sentence.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { assertFailure, redisCli, runFillCli } from "../_cli.ts";

Deno.test("an --out that cannot be written exits 2 before anything connects or is written", async () => {
  await using redis = await startLocalRedis();
  const port = String(redis.nodes[0]!.port);
  const dir = await Deno.makeTempDir({ prefix: "redfill-env-" });
  try {
    const file = join(dir, "a-file");
    await Deno.writeTextFile(file, "");
    const cases: [string, RegExp][] = [
      [
        join(file, "r.json"),
        /: "[^"]*a-file" is not a folder; choose a file in a folder you can write to$/,
      ],
      [dir, /: "[^"]*" is a folder; choose a file in a folder you can write to$/],
    ];
    for (const [out, pattern] of cases) {
      const run = await runFillCli([
        "-h",
        "127.0.0.1",
        "-p",
        port,
        "-f",
        "-d",
        "1MB",
        "--out",
        out,
      ]);
      assertFailure(run, 2, /^Cannot write the report \(--out\) to "/);
      assert.match(run.stderr.trim(), pattern);
      assert.doesNotMatch(run.stderr, /Connected to|Filling/);
    }
    assert.equal(
      Number(await redisCli(redis.nodes[0]!.port, "DBSIZE")),
      0,
      "something was written",
    );
    // A folder that does not exist yet is fine: it is made when the report is written.
    const nested = join(dir, "new", "deeper", "r.json");
    const ok = await runFillCli(["-h", "127.0.0.1", "-p", port, "-d", "64KB", "--out", nested]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(ok.stderr.includes(`Wrote the table report to ${nested}`), ok.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Runs redfill with stdout closed by its reader at once, as `| head -1` does after its line. */
async function withStdoutGone(args: string[]): Promise<{ code: number; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "tasks/redfill.ts", ...args],
    cwd: new URL("../../", import.meta.url),
    env: { NO_COLOR: "1", GITHUB_STEP_SUMMARY: "" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  await child.stdout.cancel();
  const [status, stderr] = await Promise.all([child.status, new Response(child.stderr).text()]);
  return { code: status.code, stderr };
}

Deno.test("a stdout reader that went away ends the run quietly, with the report file written", async () => {
  await using redis = await startLocalRedis();
  const port = String(redis.nodes[0]!.port);
  const dir = await Deno.makeTempDir({ prefix: "redfill-env-" });
  try {
    const fill = await withStdoutGone(["fill", "-h", "127.0.0.1", "-p", port, "-d", "64KB"]);
    assert.equal(fill.code, 0, fill.stderr);
    assert.doesNotMatch(fill.stderr, /BrokenPipe|Broken pipe|^\s+at /m);
    // The table goes to the closed stdout, the JSON to its file.
    const out = join(dir, "r.json");
    const run = await withStdoutGone([
      "run",
      "pipelines/fill.yaml",
      "--set",
      `target.port=${port}`,
      "--set",
      "fill.size=64KB",
      "--set",
      "report.format=[table, json]",
      "--set",
      `report.out=${out}`,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /BrokenPipe|Broken pipe|^\s+at /m);
    assert.equal((JSON.parse(await Deno.readTextFile(out)) as { ok: boolean }).ok, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a missing or unusable TMPDIR for the local demo is one sentence", async () => {
  const missing = await runFillCli(["-d", "1MB"], { env: { TMPDIR: "/nonexistent/tmp" } });
  assertFailure(
    missing,
    2,
    /^Cannot create a temporary folder for the local servers in "\/nonexistent\/tmp": it does not exist; set TMPDIR to a writable folder$/,
  );
  const file = await Deno.makeTempFile({ prefix: "redfill-env-" });
  try {
    const notAFolder = await runFillCli(["-d", "1MB"], { env: { TMPDIR: file } });
    assertFailure(
      notAFolder,
      2,
      /^Cannot create a temporary folder for the local servers in ".*": it is not a folder; set TMPDIR to a writable folder$/,
    );
  } finally {
    await Deno.remove(file);
  }
});
