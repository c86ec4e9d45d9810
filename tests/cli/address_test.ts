/**
 * Addresses beyond host:port, against real servers: `--socket PATH` and `unix:///path` fill a
 * server over its Unix socket (control plane and data plane), `-h ::1` and `-h [::1]` fill one
 * over IPv6 loopback, and IPv6 addresses print in brackets.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { assertFailure, redisCli, runFillCli } from "../_cli.ts";

interface JsonReport {
  ok: boolean;
  fill: { keys: number };
}

Deno.test("--socket and unix:/// fill a server over its Unix socket", async () => {
  const dir = await Deno.makeTempDir({ prefix: "redfill-socket-" });
  try {
    const socket = join(dir, "redis.sock");
    await using _redis = await startLocalRedis({
      extraArgs: ["--unixsocket", socket, "--unixsocketperm", "700"],
    });
    const flags = ["-d", "64KB", "--report", "json"];
    const bySocket = await runFillCli(["--socket", socket, "-f", ...flags]);
    assert.equal(bySocket.code, 0, bySocket.stderr);
    // A socket's address is its path: any TCP connection to that "host" would have failed.
    assert.ok(bySocket.stderr.includes(`Connected to ${socket} (standalone)`), bySocket.stderr);
    const report = JSON.parse(bySocket.stdout) as JsonReport;
    assert.deepEqual([report.ok, report.fill.keys], [true, 64]);
    assert.equal(Number(await redisCli(socket, "DBSIZE")), 64);

    const byUrl = await runFillCli(["--url", `unix://${socket}`, "--seed", "2", ...flags]);
    assert.equal(byUrl.code, 0, byUrl.stderr);
    assert.equal((JSON.parse(byUrl.stdout) as JsonReport).ok, true);

    const plan = await runFillCli(["--socket", socket, "--dry-run"]);
    assert.match(plan.stdout, new RegExp(`^Target: unix://${socket}, mode auto$`, "m"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--socket beside another address, TLS or --cluster is one sentence", async () => {
  const cases: [string[], RegExp][] = [
    [
      ["--socket", "/tmp/r.sock", "-h", "10.0.0.5"],
      /^--socket and --host both give the address: keep one$/,
    ],
    [
      ["--socket", "/tmp/r.sock", "-p", "7000"],
      /^--socket and --port both give the address: keep one$/,
    ],
    [
      ["--socket", "/tmp/r.sock", "--tls"],
      /^A Unix socket \(--socket\) carries no TLS: drop --tls$/,
    ],
    [
      ["--socket", "/tmp/r.sock", "-c"],
      /^A Unix socket \(--socket\) reaches one standalone server, not a cluster: drop --cluster$/,
    ],
  ];
  for (const [args, pattern] of cases) {
    assertFailure(await runFillCli([...args, "--dry-run"]), 2, pattern);
  }
});

Deno.test("-h ::1 and -h [::1] fill a server over IPv6 loopback, printed in brackets", async () => {
  await using redis = await startLocalRedis({ extraArgs: ["--bind", "127.0.0.1", "::1"] });
  const port = String(redis.nodes[0]!.port);
  for (const host of ["::1", "[::1]"]) {
    const run = await runFillCli(["-h", host, "-p", port, "-d", "64KB", "--report", "json"]);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stderr.includes(`Connected to [::1]:${port} (standalone)`), run.stderr);
    assert.equal((JSON.parse(run.stdout) as JsonReport).fill.keys, 64);
  }
  const plan = await runFillCli(["--url", `redis://[::1]:${port}`, "--dry-run"]);
  assert.match(plan.stdout, new RegExp(`^Target: redis://\\[::1\\]:${port}, mode auto$`, "m"));
});
