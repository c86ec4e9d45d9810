import assert from "node:assert/strict";
import { startLocalRedis } from "../../lib/local/mod.ts";
import type { LocalRedis } from "../../lib/local/mod.ts";
import { runFillCli } from "../_cli.ts";

async function redisCli(redis: LocalRedis, ...args: string[]): Promise<string> {
  const output = await new Deno.Command("redis-cli", {
    args: ["-p", String(redis.nodes[0]!.port), ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return new TextDecoder().decode(output.stdout).trim();
}

async function assertFallsBack(redis: LocalRedis, auth: string[]): Promise<void> {
  const run = await runFillCli([
    "-h",
    "127.0.0.1",
    "-p",
    String(redis.nodes[0]!.port),
    "-d",
    "16MB",
    "-f",
    "--report",
    "json",
    ...auth,
  ]);
  assert.equal(run.code, 0, run.stderr);
  const notices = run.stderr.match(/warning: The server refused CLIENT REPLY .*acked mode\)/g) ??
    [];
  assert.equal(notices.length, 1, run.stderr);
  // The notice comes before any progress: the probe runs first on every writer.
  assert.ok(run.stderr.indexOf("refused CLIENT REPLY") < run.stderr.indexOf("Wrote "));
  const report = JSON.parse(run.stdout) as { fill: { acked: boolean; keys: number } };
  assert.equal(report.fill.acked, true);
  assert.equal(report.fill.keys, 16384);
  assert.equal(await redisCli(redis, "DBSIZE"), "16384");
}

Deno.test("a renamed CLIENT command: the fill falls back to acked mode with one notice and writes every key", async () => {
  const redis = await startLocalRedis({ extraArgs: ["--rename-command", "CLIENT", ""] });
  try {
    await assertFallsBack(redis, []);
  } finally {
    await redis.stop();
  }
});

Deno.test("an ACL user without CLIENT: the fill falls back to acked mode with one notice and writes every key", async () => {
  const password = "filler-Pa55";
  const redis = await startLocalRedis({ user: { name: "filler", password } });
  try {
    assert.equal(await redisCli(redis, "ACL", "SETUSER", "filler", "-client"), "OK");
    await assertFallsBack(redis, ["-u", "filler", "-a", password]);
  } finally {
    await redis.stop();
  }
});
