import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { ExitCode } from "../../lib/errors.ts";
import { FillFailedError, runFill } from "../../lib/fill/fill.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { silentLogger } from "../../lib/logger.ts";
import { StandaloneTransport } from "../../lib/transport/standalone.ts";
import type { Target } from "../../lib/types.ts";
import { assertFailure, FillProcess } from "../_cli.ts";

const KEYS = 65536; // -d 64MB of 512 + 512 bytes

interface JsonFill {
  keys: number;
  nodes: Array<{ address: string; keys: number }>;
}

/** Waits until the node on `port` holds at least one key. */
async function waitForKeys(port: number): Promise<void> {
  const client = new Redis({ host: "127.0.0.1", port, lazyConnect: true });
  try {
    await client.connect();
    const deadline = performance.now() + 20_000;
    while ((await client.dbsize()) === 0) {
      assert.ok(performance.now() < deadline, `no key reached 127.0.0.1:${port} within 20 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    client.disconnect();
  }
}

/** Fills at 10 MiB/s (about 6 s in all), kills `victim` once the fill runs, checks the end. */
async function killMidFill(seedPort: number, kill: () => Promise<void>, victim: string) {
  const fill = new FillProcess([
    "-h",
    "127.0.0.1",
    "-p",
    String(seedPort),
    "-d",
    "64MB",
    "--rate",
    "10",
    "--report",
    "json",
  ]);
  await fill.waitForStderr(/Filling /);
  // Kill only once the victim holds keys: on a loaded machine the writers may still be connecting.
  await waitForKeys(Number(victim.split(":")[1]));
  const killed = performance.now();
  await kill();
  const run = await fill.finish();
  const surfacedMs = performance.now() - killed;
  assert.ok(surfacedMs < 10_000, `the error took ${surfacedMs} ms to surface`);
  assertFailure(
    run,
    ExitCode.Fill,
    new RegExp(
      `Lost the connection to node "${
        victim.replace(/\./g, "\\.")
      }".*; [\\d,]+ of 65,536 keys were sent before it failed$`,
    ),
  );
  const report = JSON.parse(run.stdout) as { ok: boolean; fill: JsonFill };
  assert.equal(report.ok, false);
  assert.ok(report.fill.keys > 0 && report.fill.keys < KEYS, `partial keys: ${report.fill.keys}`);
  assert.equal(
    report.fill.nodes.reduce((sum, node) => sum + node.keys, 0),
    report.fill.keys,
  );
  assert.ok(report.fill.nodes.some((node) => node.address === victim));
  return report.fill;
}

Deno.test("deno task fill exits 4 naming a standalone server killed mid-fill, with a partial report", async () => {
  const redis = await startLocalRedis();
  try {
    const node = redis.nodes[0]!;
    await killMidFill(node.port, () => redis.killNode(node), `127.0.0.1:${node.port}`);
  } finally {
    await redis.stop();
  }
});

Deno.test("deno task fill exits 4 naming a cluster master killed mid-fill; the others' keys are reported", async () => {
  const redis = await startLocalRedis({ cluster: true, replicas: 0 });
  try {
    const victim = redis.masters().at(-1)!;
    const fill = await killMidFill(
      redis.nodes[0]!.port,
      () => redis.killNode(victim),
      `127.0.0.1:${victim.port}`,
    );
    assert.equal(fill.nodes.length, 3);
    for (const node of fill.nodes) assert.ok(node.keys > 0, `${node.address} got no keys`);
  } finally {
    await redis.stop();
  }
});

Deno.test("runFill() rejects with the partial result when the server dies, and leaks no socket", async () => {
  const redis = await startLocalRedis();
  const node = redis.nodes[0]!;
  const target: Target = {
    host: node.host,
    port: node.port,
    mode: "standalone",
    connectTimeoutMs: 2000,
    commandTimeoutMs: 5000,
  };
  const transport = new StandaloneTransport({ target, logger: silentLogger });
  try {
    await transport.connect();
    const filling = runFill(transport, {
      keyspace: { count: KEYS, keySize: 512, valueSize: 512, seed: 1, prefix: "redfill:" },
      rateBytesPerSecond: 10 * 1024 * 1024,
      logger: silentLogger,
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await redis.killNode(node);
    const error = await filling.then(() => undefined, (error: unknown) => error);
    assert.ok(error instanceof FillFailedError, `expected FillFailedError, got ${error}`);
    assert.match(error.message, new RegExp(`node "127\\.0\\.0\\.1:${node.port}"`));
    assert.ok(error.result.keys > 0 && error.result.keys < KEYS);
    assert.equal(error.result.nodes[0]!.keys, error.result.keys);
  } finally {
    await transport.close();
    await redis.stop();
  }
  // Deno.test's resource and op sanitizers fail the test if a socket or timer is left open.
});
