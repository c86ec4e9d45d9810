import assert from "node:assert/strict";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { assertFailure, redisCli, runDeno, runFillCli } from "../_cli.ts";

interface Report {
  target: { mode: string };
  fill: { keys: number; acked: boolean };
  verify: { totalKeys: number; checks: Array<{ name: string; ok: boolean; detail: string }> };
}

/** Sums DBSIZE over the servers behind the proxy. */
async function keysBehind(ports: number[]): Promise<number[]> {
  return await Promise.all(ports.map(async (port) => Number(await redisCli(port, "DBSIZE"))));
}

Deno.test("deno task fill --proxy through a real twemproxy: acked, exact count by TOUCH through it, keys really on both servers; without --proxy the hint; --flush refused", async () => {
  await using redis = await startLocalRedis({ proxy: true });
  const port = String(redis.proxy!.port);
  const backends = redis.nodes.map((node) => node.port);
  const base = ["-h", "127.0.0.1", "-p", port, "-d", "16MB", "--key-size", "64"];

  const [plain, flush] = await Promise.all([
    runFillCli(base),
    runFillCli([...base, "--proxy", "--flush"]),
  ]);
  // Without --proxy: the proxy closes the connection on INFO; the sentence says what it is.
  assertFailure(
    plain,
    3,
    new RegExp(
      `^Step "connect" failed: "127\\.0\\.0\\.1:${port}" closed the connection on INFO: this looks like a proxy \\(no INFO, CLIENT or CLUSTER\\): pass --proxy$`,
    ),
  );
  // --flush with --proxy: refused before anything connects.
  assertFailure(
    flush,
    2,
    /^Cannot flush through a proxy \(it has no FLUSHALL or SCAN\): drop --flush and flush the servers behind it directly; verify counts this fill's keys exactly either way$/,
  );
  assert.deepEqual(await keysBehind(backends), [0, 0], "nothing was written by refused runs");

  const run = await runFillCli([...base, "--proxy", "--verify", "full", "--report", "json"]);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as Report;
  const keys = 16 * 1024 * 1024 / (64 + 512);
  const expected = Math.ceil(keys);
  assert.equal(report.target.mode, "proxy");
  assert.equal(report.fill.acked, true);
  assert.equal(report.fill.keys, expected);
  assert.equal(report.verify.totalKeys, expected);
  const behind = await keysBehind(backends);
  assert.equal(behind[0]! + behind[1]!, expected, `servers hold ${behind}`);
  assert.ok(behind.every((count) => count > expected / 4), `one server got too few: ${behind}`);
  const memory = report.verify.checks.find((check) => check.name === "memory");
  assert.match(memory?.detail ?? "", /^not measured: INFO is not available through the proxy/);

  // Keys lost behind the proxy: the exact count through it (TOUCH) finds exactly how many.
  const victims = (await redisCli(backends[0]!, "--scan", "--pattern", "redfill:*"))
    .split("\n").slice(0, 7);
  assert.equal(await redisCli(backends[0]!, "DEL", ...victims), "7");
  const verify = await runDeno([
    "run",
    "-A",
    "tasks/redfill.ts",
    "run",
    "pipelines/verify.yaml",
    "--set",
    `target.url=redis://127.0.0.1:${port}`,
    "--set",
    "target.mode=proxy",
    "--set",
    "fill.size=16MiB",
    "--set",
    "fill.key-size=64",
  ]);
  assert.equal(verify.code, 1, verify.stderr);
  assert.match(verify.stderr, new RegExp(`found ${expected - 7} of ${expected}`), verify.stderr);
  assert.match(verify.stdout, /TOUCH/, verify.stdout);
});
