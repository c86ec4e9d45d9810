import assert from "node:assert/strict";
import { ExitCode } from "../../lib/errors.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { assertFailure, runFillCli } from "../_cli.ts";

Deno.test("a full server (maxmemory, noeviction): --replies counts the rejected writes and exits 4; fire-and-forget fails too (the server's errorstat_OOM)", async () => {
  const redis = await startLocalRedis({ maxmemory: "8mb", maxmemoryPolicy: "noeviction" });
  try {
    const address = `127.0.0.1:${redis.nodes[0]!.port}`;
    const base = ["-h", "127.0.0.1", "-p", String(redis.nodes[0]!.port), "-d", "16MB", "-f"];

    const acked = await runFillCli([...base, "--replies", "--report", "json"]);
    assertFailure(
      acked,
      ExitCode.Fill,
      new RegExp(
        `^Step "fill" failed: Node "${address}" rejected [\\d,]+ of 16,384 writes with "OOM command not allowed.*": the node is full`,
      ),
    );
    const report = JSON.parse(acked.stdout) as { fill: { errors: number; keys: number } };
    assert.ok(report.fill.errors > 1000 && report.fill.errors < 16384, `${report.fill.errors}`);

    const blind = await runFillCli([...base, "--report", "json"]);
    // The fill cannot see the rejections, but the server counted them (errorstat_OOM).
    assertFailure(
      blind,
      ExitCode.Fill,
      new RegExp(
        `^Step "fill" failed: ${address} rejected [\\d,]+ writes: OOM command not allowed`,
      ),
    );
  } finally {
    await redis.stop();
  }
});
