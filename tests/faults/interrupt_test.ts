/**
 * SIGINT to the fill process alone: the barrier proves what the partial report counts, and no
 * connection is left open. What a terminal does (the whole process group, under `deno task`)
 * is tested through tmux in `tests/cli/signals_test.ts`.
 */

import assert from "node:assert/strict";
import { ExitCode } from "../../lib/errors.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { FillProcess, redisCli } from "../_cli.ts";

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
