import assert from "node:assert/strict";
import { join } from "node:path";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { type CliRun, runDeno, runFillCli } from "../_cli.ts";

/**
 * Where `***` may stand, because a secret was masked where it was put into text: the dry
 * run's `password ***`, a snippet's `password: ***`, a URL's `:***@`. Masking by substring
 * would put `***` anywhere else (`red***: ***` for the password "fill").
 */
const STRUCTURAL_MASK = /password:? \*\*\*|\/\/[^\s:@/]*:\*\*\*@/g;

/** Asserts that every `***` in a text stands at a structural place, and returns the count. */
function structuralMasks(text: string, context: string): number {
  const rest = text.replace(STRUCTURAL_MASK, "");
  assert.ok(!rest.includes("***"), `"***" outside a password field or URL in ${context}:\n${text}`);
  return (text.match(STRUCTURAL_MASK) ?? []).length;
}

/** Everything a run printed. */
function output(run: CliRun): string {
  return `${run.stdout}\n${run.stderr}`;
}

/** Writes a pipeline file into `dir` and returns its path. */
async function writeFile(dir: string, name: string, lines: string[]): Promise<string> {
  const file = join(dir, name);
  await Deno.writeTextFile(file, [...lines, ""].join("\n"));
  return file;
}

for (const password of ["fill", "keys", "redis"]) {
  Deno.test(`the password "${password}" leaves every line of every output intact`, async () => {
    const redis = await startLocalRedis({ password });
    const dir = await Deno.makeTempDir({ prefix: "redfill-short-password-" });
    try {
      const port = String(redis.nodes[0]!.port);
      const base = ["-h", "127.0.0.1", "-p", port, "-d", "1MB", "-f"];
      const json = join(dir, "report.json");
      const md = join(dir, "report.md");
      const runs: Record<string, CliRun> = {};
      // One after another: each run flushes the server.
      runs.table = await runFillCli([...base, "-a", password]);
      runs.md = await runFillCli([...base, "--report", "md", "--out", md], {
        env: { REDISCLI_AUTH: password },
      });
      runs.json = await runFillCli([...base, "-a", password, "--report", "json", "--out", json]);
      runs.url = await runFillCli([
        "--url",
        `redis://:${password}@127.0.0.1:${port}`,
        "-d",
        "1MB",
        "-f",
        "--no-verify",
      ]);
      runs.dryRun = await runFillCli([...base, "-a", password, "--dry-run"]);
      runs.wrong = await runFillCli([...base, "-a", "wrong"]);
      const broken = await writeFile(dir, "broken.yaml", [
        "version: 1",
        "name: short-password",
        `target: { host: 127.0.0.1, port: ${port}, password: ${password}, mode: nope }`,
        "steps:",
        "  - connect",
      ]);
      runs.broken = await runDeno(["run", "-A", "tasks/redfill.ts", "run", broken]);
      const good = await writeFile(dir, "good.yaml", [
        "version: 1",
        "name: short-password",
        "target:",
        `  url: redis://:${password}@127.0.0.1:${port}`,
        "  mode: standalone",
        "steps:",
        "  - connect",
        "  - fill: { size: 1MiB }",
        "  - verify: { sample: 100 }",
        "  - report: { format: [table, json, md] }",
      ]);
      runs.file = await runDeno(["run", "-A", "tasks/redfill.ts", "run", good]);

      for (const [name, run] of Object.entries(runs)) {
        const expected = name === "wrong" ? 3 : name === "broken" ? 2 : 0;
        assert.equal(run.code, expected, `${name}: ${output(run)}`);
      }
      const files = { json: await Deno.readTextFile(json), md: await Deno.readTextFile(md) };
      for (const [name, run] of Object.entries(runs)) {
        const masks = structuralMasks(output(run), name);
        // Only the dry run's target line and the broken file's snippet show a masked password.
        assert.equal(masks, name === "dryRun" || name === "broken" ? 1 : 0, name);
      }
      for (const [name, text] of Object.entries(files)) {
        assert.equal(structuralMasks(text, name), 0);
      }

      // The lines that hold the words "fill", "keys" and "redis" read as they should.
      assert.match(runs.table!.stdout, /^redfill: fill +PASS$/m);
      assert.match(runs.table!.stdout, /^Fill +1,024 keys, 1\.0 MiB in .*MiB\/s, after a flush$/m);
      assert.match(runs.table!.stdout, /^Steps +connect \S+ ms, flush \S+ ms, fill /m);
      assert.match(runs.table!.stderr, /^Filling 1\.0 MiB: 1024 keys of 512\+512 bytes$/m);
      assert.match(runs.table!.stderr, /^Verify passed: 1024 of 1024 keys/m);
      assert.match(files.md, /^## redfill: fill — ✅ pass$/m);
      assert.equal(JSON.parse(files.json).pipeline, "fill");
      assert.equal(JSON.parse(files.json).fill.keys, 1024);
      assert.match(runs.dryRun!.stdout, /^Pipeline "fill" \(.*fill\.yaml\)$/m);
      assert.match(
        runs.dryRun!.stdout,
        new RegExp(`^Target: redis://127\\.0\\.0\\.1:${port}, mode auto, password \\*\\*\\*$`, "m"),
      );
      assert.match(runs.dryRun!.stdout, /^ {2}3\. fill$/m);
      assert.equal(
        runs.wrong!.stderr.trim().split("\n").at(-1),
        `Step "connect" failed: Authentication failed on "127.0.0.1:${port}": wrong password or unknown user; check --username and --password`,
      );
      assert.match(
        runs.broken!.stderr,
        new RegExp(
          `^ {2}3 \\| target: \\{ host: 127\\.0\\.0\\.1, port: ${port}, password: \\*\\*\\*, mode: nope \\}$`,
          "m",
        ),
      );
      assert.match(runs.broken!.stderr, /target: "mode": expected one of/);
      assert.match(runs.file!.stdout, /^redfill: short-password +PASS$/m);
      assert.match(runs.file!.stdout, /^## redfill: short-password — ✅ pass$/m);
      assert.match(runs.file!.stdout, /"pipeline": "short-password"/);
      // The password is never shown where a password goes.
      for (const [name, run] of Object.entries(runs)) {
        const text = output(run);
        assert.ok(!text.includes(`password ${password}`), name);
        assert.ok(!text.includes(`password: ${password}`), name);
        assert.ok(!text.includes(`:${password}@`), name);
      }
    } finally {
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("under deno task only deno's own echo of -a shows the password, and REDISCLI_AUTH shows it nowhere", async () => {
  const password = "Pw-only-in-the-echo-7q";
  const redis = await startLocalRedis({ password });
  try {
    const port = String(redis.nodes[0]!.port);
    const args = ["task", "fill", "-h", "127.0.0.1", "-p", port, "-d", "1MB", "--no-verify"];
    const typed = await runDeno([...args, "-a", password]);
    const fromEnv = await runDeno(args, { env: { REDISCLI_AUTH: password } });
    assert.equal(typed.code, 0, typed.stderr);
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    const lines = output(typed).split("\n").filter((line) => line.includes(password));
    assert.equal(lines.length, 1, lines.join("\n"));
    // deno colours its echo: strip the escape sequences before reading it.
    const echo = lines[0]!.replaceAll(String.fromCharCode(27), "").replace(/\[[0-9;]*m/g, "");
    assert.match(echo, /^Task fill .*'-a' '/);
    assert.ok(!output(fromEnv).includes(password), output(fromEnv));
  } finally {
    await redis.stop();
  }
});
