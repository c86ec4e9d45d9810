import assert from "node:assert/strict";
import { ExitCode } from "../../lib/errors.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { FillProcess } from "../_cli.ts";

async function redisCli(port: number, ...args: string[]): Promise<string> {
  const output = await new Deno.Command("redis-cli", {
    args: ["-p", String(port), ...args],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(output.stdout).trim();
}

function isRedisServer(pid: number): boolean {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).includes("redis-server");
  } catch {
    return false;
  }
}

interface JsonReport {
  status: string;
  ok: boolean;
  fill: { interrupted: boolean; keys: number };
}

Deno.test("Ctrl-C mid-fill runs the barrier, prints the partial report and exits 130", async () => {
  const redis = await startLocalRedis();
  try {
    const port = redis.nodes[0]!.port;
    const fill = new FillProcess([
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-d",
      "64MB",
      "--rate",
      "10",
      "-f",
      "--report",
      "json",
    ]);
    await fill.waitForStderr(/Filling /);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    fill.kill("SIGINT");
    const run = await fill.finish(15_000);
    assert.equal(run.code, ExitCode.Interrupted, run.stderr);
    assert.match(run.stderr, /Interrupted: stopping/);
    assert.doesNotMatch(run.stderr, /^\s+at /m);
    const report = JSON.parse(run.stdout) as JsonReport;
    assert.deepEqual([report.status, report.ok, report.fill.interrupted], [
      "interrupted",
      false,
      true,
    ]);
    assert.ok(report.fill.keys > 0 && report.fill.keys < 65536, `${report.fill.keys}`);
    // The barrier proves the server consumed every key the report counts: exactly these.
    assert.equal(Number(await redisCli(port, "DBSIZE")), report.fill.keys);
    // No connection of the tool is left open on the server (only redis-cli's own).
    assert.equal(
      await redisCli(port, "INFO", "clients").then((info) =>
        /connected_clients:(\d+)/.exec(info)?.[1]
      ),
      "1",
    );
  } finally {
    await redis.stop();
  }
});

Deno.test("Ctrl-C in a terminal during the one-command demo exits 130 and leaves no redis-server", async () => {
  const fill = new FillProcess(["-d", "64MB", "--rate", "10", "--report", "json"], {
    terminal: true,
  });
  let serverPid: number | undefined;
  try {
    await fill.waitForStderr(/Filling /);
    const port = Number(
      /Local standalone is up at redis:\/\/127\.0\.0\.1:(\d+)/.exec(fill.stderr)?.[1],
    );
    serverPid = Number(/process_id:(\d+)/.exec(await redisCli(port, "INFO", "server"))?.[1]);
    assert.ok(isRedisServer(serverPid), `no redis-server with pid ${serverPid}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    fill.ctrlC();
    const run = await fill.finish(20_000);
    assert.equal(run.code, ExitCode.Interrupted, run.stderr);
    // The server outlived the Ctrl-C long enough for the barrier: the fill reports, not fails.
    assert.doesNotMatch(run.stderr, /Lost the connection/);
    const report = JSON.parse(run.stdout) as JsonReport;
    assert.equal(report.fill.interrupted, true);
    assert.ok(report.fill.keys > 0);
    assert.ok(!isRedisServer(serverPid), "the local redis-server was left running");
  } finally {
    if (serverPid !== undefined && isRedisServer(serverPid)) Deno.kill(serverPid, "SIGKILL");
  }
});
