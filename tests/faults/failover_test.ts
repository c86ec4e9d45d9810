/**
 * Failover mid-fill: a master of a 3+3 cluster is killed while the fill runs and its replica
 * is promoted. Acked mode follows the new topology and ends with exactly N keys; fire-and-
 * forget mode fails naming the node — never "fill ok, verify ok" with keys missing.
 */

import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { ExitCode } from "../../lib/errors.ts";
import { runFill } from "../../lib/fill/fill.ts";
import {
  type LocalNode,
  type LocalRedis,
  localTarget,
  startLocalRedis,
} from "../../lib/local/mod.ts";
import { ClusterTransport } from "../../lib/transport/cluster.ts";
import type { FillResult } from "../../lib/types.ts";
import { declaredFill, verifyFill } from "../../lib/verify/verify.ts";
import { memoryLogger } from "../_local.ts";
import { FillProcess, lastLine } from "../_cli.ts";

const KEYS = 40960; // -d 40MB of 512 + 512 bytes: at 8 MiB/s about 5 s
const CLUSTER = { cluster: true, masters: 3, replicas: 1, clusterNodeTimeout: 1500 } as const;

/** What the CLI's fill of `keys` keys (seed 1) says it wrote, for a verify of its own. */
function declared(keys: number): FillResult {
  const keyspace = { count: keys, keySize: 512, valueSize: 512, seed: 1, prefix: "redfill:" };
  return declaredFill(keyspace, { flushed: true, written: true });
}

/** Polls `probe` every 50 ms until it is true, failing after `ms`. */
async function until(what: string, probe: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await probe())) {
    assert.ok(performance.now() < deadline, `${what} did not happen within ${ms / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs `fn` with a client of each node given; disconnects them after. */
async function withClients<T>(nodes: LocalNode[], fn: (clients: Redis[]) => Promise<T>) {
  const clients = nodes.map((node) => {
    const client = new Redis({
      host: node.host,
      port: node.port,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on("error", () => {}); // a node killed or not yet failed over: the call rejects
    return client;
  });
  try {
    await Promise.all(clients.map((client) => client.connect()));
    return await fn(clients);
  } finally {
    for (const client of clients) client.disconnect();
  }
}

/** DBSIZE summed over the masters serving slots now (asked of a surviving node). */
async function servedKeys(redis: LocalRedis, alive: LocalNode): Promise<number> {
  return await withClients([alive], async ([client]) => {
    const text = String(await client!.call("CLUSTER", "NODES"));
    const serving = text.split("\n").map((line) => line.split(" ")).filter((fields) =>
      fields.length > 8 && fields[2]!.includes("master") && !fields[2]!.includes("fail")
    ).map((fields) => Number(fields[1]!.split("@")[0]!.split(":")[1]));
    const nodes = redis.nodes.filter((node) => serving.includes(node.port));
    assert.equal(nodes.length, 3, `serving masters: ${text}`);
    return await withClients(nodes, async (clients) => {
      const sizes = await Promise.all(clients.map((client) => client.dbsize()));
      return sizes.reduce((sum, size) => sum + size, 0);
    });
  });
}

/** Waits until `victim` holds keys and the fill has a while to go, then kills it. */
async function killWhenFilling(redis: LocalRedis, victim: LocalNode): Promise<void> {
  await withClients([victim], async ([client]) => {
    await until(`keys on ${victim.port}`, async () => (await client!.dbsize()) > KEYS / 20);
  });
  await redis.killNode(victim);
}

Deno.test("runFill() in acked mode follows a failover mid-fill and ends with exactly N keys", async () => {
  const redis = await startLocalRedis(CLUSTER);
  const logger = memoryLogger();
  const seed = redis.nodes[0]!;
  const transport = new ClusterTransport({
    target: localTarget(redis),
    logger,
  });
  try {
    await transport.connect();
    const victim = redis.masters()[1]!;
    const filling = runFill(transport, {
      keyspace: { count: KEYS, keySize: 512, valueSize: 512, seed: 7, prefix: "redfill:" },
      acked: true,
      flushed: true,
      rateBytesPerSecond: 8 * 1024 * 1024,
      logger,
    });
    // Keep a rejection from going unobserved while the victim is being killed.
    filling.catch(() => {});
    await killWhenFilling(redis, victim);
    const result = await filling;
    const context = logger.lines.join("\n");
    assert.ok(
      logger.lines.some((line) => line.includes(`Lost master "127.0.0.1:${victim.port}"`)),
      context,
    );
    // Each key counted once: the lost master's keys moved to the replica that took over.
    assert.equal(result.keys, KEYS, context);
    assert.equal(result.nodes.reduce((sum, node) => sum + node.keys, 0), KEYS);
    assert.equal(result.errors, 0);
    const lost = result.nodes.find((node) => node.address === `127.0.0.1:${victim.port}`)!;
    assert.equal(lost.keys, 0);
    const promoted = redis.replicas().find((node) => node.masterId === victim.id)!;
    const heir = result.nodes.find((node) => node.address === `127.0.0.1:${promoted.port}`);
    assert.ok(heir && heir.keys > 0, `the promoted replica is not in the result: ${context}`);
    assert.equal(await servedKeys(redis, seed), KEYS);
    const verify = await verifyFill(transport, result, { sample: 500 });
    assert.ok(verify.ok, JSON.stringify(verify.checks));
    assert.equal(verify.totalKeys, KEYS);
  } finally {
    await transport.close();
    await redis.stop();
  }
});

Deno.test("deno task fill without --replies never passes with keys lost to a failover mid-fill", async () => {
  const redis = await startLocalRedis(CLUSTER);
  try {
    const seed = redis.nodes[0]!;
    const victim = redis.masters()[2]!;
    const fill = new FillProcess([
      "-c",
      "-h",
      "127.0.0.1",
      "-p",
      String(seed.port),
      "-d",
      "40MB",
      "--rate",
      "8",
      "--report",
      "json",
    ]);
    await fill.waitForStderr(/Filling /);
    await killWhenFilling(redis, victim);
    const run = await fill.finish();
    const context = `exit ${run.code}\nstderr: ${run.stderr}`;
    let served = 0;
    await until("the failover", async () => {
      try {
        served = await servedKeys(redis, seed);
        return true;
      } catch {
        return false;
      }
    });
    if (run.code === 0) {
      // Had the fill and verify passed, every key would have to be there.
      assert.equal(served, KEYS, context);
    } else {
      assert.equal(run.code, ExitCode.Fill, context);
      assert.match(lastLine(run), new RegExp(`node "127\\.0\\.0\\.1:${victim.port}"`), context);
      const report = JSON.parse(run.stdout) as { ok: boolean; fill: { keys: number } };
      assert.equal(report.ok, false);
      assert.ok(report.fill.keys < KEYS, `${report.fill.keys} keys reported`);
    }
    // A verify of the whole keyspace after the failover reports what is missing.
    const transport = new ClusterTransport({
      target: localTarget(redis),
      logger: memoryLogger(),
    });
    try {
      await transport.connect();
      const verify = await verifyFill(transport, declared(KEYS), { sample: 200 });
      assert.equal(verify.totalKeys, served);
      assert.equal(verify.ok, served === KEYS, JSON.stringify(verify.checks));
      if (served < KEYS) {
        assert.ok(verify.checks.some((check) => check.name === "count" && !check.ok));
      }
    } finally {
      await transport.close();
    }
  } finally {
    await redis.stop();
  }
});

Deno.test("deno task fill --replies follows a failover mid-fill: exit 0, exactly N keys, verify passes", async () => {
  const redis = await startLocalRedis(CLUSTER);
  try {
    // The victim is the node the CLI was pointed at: the topology must come from the others.
    const seed = redis.masters()[0]!;
    const victim = seed;
    const fill = new FillProcess([
      "-c",
      "-h",
      "127.0.0.1",
      "-p",
      String(seed.port),
      "--replies",
      "-d",
      "40MB",
      "--rate",
      "8",
      "--report",
      "json",
    ]);
    await fill.waitForStderr(/Filling /);
    await killWhenFilling(redis, victim);
    const run = await fill.finish();
    const context = `exit ${run.code}\nstderr: ${run.stderr}`;
    assert.equal(run.code, 0, context);
    assert.match(run.stderr, new RegExp(`Lost master "127\\.0\\.0\\.1:${victim.port}"`), context);
    assert.match(run.stderr, /Verify passed: 40960 of 40960 keys/, context);
    const report = JSON.parse(run.stdout) as {
      ok: boolean;
      fill: { keys: number; nodes: Array<{ keys: number }> };
    };
    assert.equal(report.ok, true);
    assert.equal(report.fill.keys, KEYS);
    assert.equal(report.fill.nodes.reduce((sum, node) => sum + node.keys, 0), KEYS);
    assert.equal(await servedKeys(redis, redis.masters()[1]!), KEYS);
  } finally {
    await redis.stop();
  }
});
