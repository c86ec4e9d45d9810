import assert from "node:assert/strict";
import { join } from "node:path";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { assertNoSecret, type CliRun, runFillCli } from "../_cli.ts";

const PASSWORD = "Zq9-secret-pa55word-7Xk";
const ROOT = new URL("../../", import.meta.url);

async function runPipelineCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  const started = performance.now();
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "tasks/redfill.ts", "run", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
  }).output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
    ms: performance.now() - started,
  };
}

Deno.test("a password never appears in stdout, stderr, or the JSON and Markdown reports", async () => {
  const redis = await startLocalRedis({ password: PASSWORD });
  const dir = await Deno.makeTempDir({ prefix: "redfill-secrets-" });
  try {
    const port = String(redis.nodes[0]!.port);
    const base = ["-h", "127.0.0.1", "-p", port, "-d", "1MB", "-f"];
    const json = join(dir, "report.json");
    const md = join(dir, "report.md");
    // One after another: each run flushes the server, so overlapping runs would empty each other.
    const runs: CliRun[] = [];
    for (
      const run of [
        () => runFillCli([...base, "-a", PASSWORD, "--report", "json", "--out", json]),
        () =>
          runFillCli([...base, "--report", "md", "--out", md], {
            env: { REDISCLI_AUTH: PASSWORD },
          }),
        () => runFillCli([...base, "-a", PASSWORD, "--debug"]),
        () => runFillCli([...base, "-a", PASSWORD, "--dry-run"]),
        () => runFillCli(["--url", `redis://default:${PASSWORD}@127.0.0.1:${port}`, "-d", "1MB"]),
        // A failure: the wrong user with the right password.
        () => runFillCli([...base, "-u", "nobody", "-a", PASSWORD, "--debug"]),
        () =>
          runPipelineCli(
            [
              "pipelines/fill.yaml",
              "--set",
              `target.port=${port}`,
              "--set",
              `target.password=${PASSWORD}`,
              "--set",
              "fill.size=1MiB",
            ],
            {},
          ),
        () =>
          runPipelineCli(
            [
              "pipelines/fill.yaml",
              "--set",
              `target.url=redis://:${PASSWORD}@127.0.0.1:${port}`,
              "--set",
              "fill.size=1MiB",
            ],
            {},
          ),
      ]
    ) {
      runs.push(await run());
    }
    const [jsonRun, mdRun, debugRun, dryRun, urlRun, failedRun] = runs;
    assert.equal(jsonRun!.code, 0, jsonRun!.stderr);
    assert.equal(mdRun!.code, 0, mdRun!.stderr);
    assert.equal(debugRun!.code, 0, debugRun!.stderr);
    assert.equal(dryRun!.code, 0, dryRun!.stderr);
    assert.equal(urlRun!.code, 0, urlRun!.stderr);
    assert.equal(failedRun!.code, 3, failedRun!.stderr);
    for (const run of runs.slice(6)) assert.equal(run.code, 0, run.stderr);
    for (const run of runs) assertNoSecret(run, [PASSWORD]);
    for (const file of [json, md]) {
      const text = await Deno.readTextFile(file);
      assert.ok(text.length > 0, file);
      assert.ok(!text.includes(PASSWORD), `password in ${file}`);
    }
  } finally {
    await redis.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
