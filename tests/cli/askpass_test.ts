/**
 * Secrets on the command line: `--askpass` reads the password from the terminal without echo
 * (through tmux, as a user types it) or a line of stdin when stdin is not a terminal; `-a`
 * prints redis-cli's warning, adapted to `deno task`, which prints its command line.
 */

import assert from "node:assert/strict";
import { PASSWORD_WARNING } from "../../lib/cli/fill_args.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { assertFailure, assertNoSecret, runFillCli } from "../_cli.ts";
import { TmuxTerminal } from "../_tmux.ts";

const PASSWORD = "Vx7-askpass-secret-Q2";

Deno.test("--askpass reads the password at a terminal prompt without echoing it", async () => {
  await using redis = await startLocalRedis({ password: PASSWORD });
  await using terminal = await TmuxTerminal.start();
  const port = redis.nodes[0]!.port;
  const done = terminal.run(
    `deno task fill -h 127.0.0.1 -p ${port} --askpass -d 1MB --key-size 32 --value-size 32`,
  );
  await terminal.waitFor(/^Password: $/m);
  await terminal.press("-l", PASSWORD);
  await terminal.press("Enter");
  const { code, screen } = await done;
  assert.equal(code, 0, screen);
  assert.match(screen, /Verify passed/);
  assert.ok(!screen.includes(PASSWORD), `the password was echoed:\n${screen}`);
});

Deno.test("--askpass reads the first line of stdin when stdin is not a terminal", async () => {
  await using redis = await startLocalRedis({ password: PASSWORD });
  const port = String(redis.nodes[0]!.port);
  const args = ["-h", "127.0.0.1", "-p", port, "--askpass", "-d", "64KB", "--no-verify"];
  const run = await runFillCli([...args, "--report", "json"], { stdin: `${PASSWORD}\nrest\n` });
  assert.equal(run.code, 0, run.stderr);
  assert.equal((JSON.parse(run.stdout) as { fill: { keys: number } }).fill.keys, 64);
  assertNoSecret(run, [PASSWORD]);
  assert.doesNotMatch(run.stderr, /Password: /, "a prompt was printed without a terminal");

  const empty = await runFillCli(args, { stdin: "\n" });
  assertFailure(
    empty,
    2,
    /^--askpass read an empty password from stdin: pipe the password as its first line, or use REDISCLI_AUTH$/,
  );
});

Deno.test("--askpass beside a password given otherwise is one sentence", async () => {
  const run = await runFillCli(["-p", "6379", "-a", "x", "--askpass", "--dry-run"]);
  assertFailure(
    run,
    2,
    /^--askpass reads the password, so it cannot be given with --password too: keep one$/,
  );
});

Deno.test("-a prints one warning that deno task shows the password, and still works", async () => {
  await using redis = await startLocalRedis({ password: PASSWORD });
  const port = String(redis.nodes[0]!.port);
  const run = await runFillCli([
    "-h",
    "127.0.0.1",
    "-p",
    port,
    "-a",
    PASSWORD,
    "-d",
    "64KB",
    "--no-verify",
    "--report",
    "json",
  ]);
  assert.equal(run.code, 0, run.stderr);
  const warnings = run.stderr.split("\n").filter((line) => line.includes("REDISCLI_AUTH"));
  assert.deepEqual(warnings, [`warning: ${PASSWORD_WARNING}`]);
  assertNoSecret(run, [PASSWORD]);

  // REDISCLI_AUTH: no warning, and the password nowhere.
  const quiet = await runFillCli(
    ["-h", "127.0.0.1", "-p", port, "-d", "64KB", "--no-verify", "--report", "json"],
    { env: { REDISCLI_AUTH: PASSWORD } },
  );
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.doesNotMatch(quiet.stderr, /warning/);
  assertNoSecret(quiet, [PASSWORD]);
});
