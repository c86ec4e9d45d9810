import assert from "node:assert/strict";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { silentLogger } from "../../lib/logger.ts";
import { deleteByPrefix } from "../../lib/steps/flush.ts";
import { ClusterTransport } from "../../lib/transport/cluster.ts";
import { servingMasters } from "../../lib/cluster/nodes.ts";
import type { Target } from "../../lib/types.ts";
import { assertFailure, runFillCli } from "../_cli.ts";

Deno.test("deno task fill --flush refuses a non-loopback host without --yes before connecting (exit 2)", async () => {
  // --deny-net: had the CLI tried to connect, Deno would have refused it, with another
  // message; so the refusal comes first and no packet leaves for the TEST-NET address.
  const run = await runFillCli(["-h", "192.0.2.1", "-p", "6379", "-f", "-d", "1MB"], {
    permissions: ["-A", "--deny-net"],
  });
  assertFailure(
    run,
    2,
    /^Refusing to flush "192\.0\.2\.1": it is not a loopback address; pass --yes to confirm$/,
  );
  const prefixRun = await runFillCli(["--url", "redis://192.0.2.1:6379", "-f", "prefix"], {
    permissions: ["-A", "--deny-net"],
  });
  assertFailure(prefixRun, 2, /^Refusing to flush "192\.0\.2\.1"/);
});

Deno.test("--flush prefix deletes only the keys under the prefix, on every master of a cluster", async () => {
  const redis = await startLocalRedis({ cluster: true, replicas: 0 });
  const seed = redis.nodes[0]!;
  const target: Target = {
    host: seed.host,
    port: seed.port,
    mode: "cluster",
    connectTimeoutMs: 2000,
    commandTimeoutMs: 5000,
  };
  const transport = new ClusterTransport({ target, logger: silentLogger });
  try {
    const fill = (prefix: string) =>
      runFillCli([
        "-h",
        "127.0.0.1",
        "-p",
        String(seed.port),
        "-c",
        "-d",
        "16MB", // 16384 keys: one per slot, so every master holds some
        "--prefix",
        prefix,
        "--no-verify",
      ]);
    for (const run of await Promise.all([fill("a:"), fill("b:")])) {
      assert.equal(run.code, 0, run.stderr);
    }
    await transport.connect();
    // Keys a glob would match by mistake: "a:" must not take "a*x", "ab:1" or "A:1".
    for (const key of ["a*x", "ab:1", "A:1", "{a:}-not-a-prefix"]) {
      await transport.call(["SET", key, "1"], { key });
    }
    const masters = servingMasters(transport.topology());
    assert.equal(masters.length, 3);

    const deleted = await deleteByPrefix(transport, "a:", new AbortController().signal);
    assert.equal(deleted, 16384);

    const scan = async (pattern: string) => {
      const perMaster: number[] = [];
      for (const node of masters) {
        let cursor = "0";
        let count = 0;
        do {
          const [next, keys] = await transport.call(
            ["SCAN", cursor, "MATCH", pattern, "COUNT", 1000],
            { node: node.id },
          ) as [string, string[]];
          cursor = String(next);
          count += keys.length;
        } while (cursor !== "0");
        perMaster.push(count);
      }
      return perMaster;
    };
    assert.deepEqual(await scan("a:*"), [0, 0, 0]);
    const others = await scan("b:*");
    assert.equal(others.reduce((a, b) => a + b, 0), 16384);
    assert.ok(others.every((count) => count > 0), `b: keys on every master: ${others}`);
    for (const key of ["a*x", "ab:1", "A:1", "{a:}-not-a-prefix"]) {
      assert.equal(await transport.call(["EXISTS", key], { key }), 1, key);
    }

    // A glob character in the prefix is literal: "a*" deletes "a*x" only.
    assert.equal(await deleteByPrefix(transport, "a*", new AbortController().signal), 1);
    assert.equal(await transport.call(["EXISTS", "ab:1"], { key: "ab:1" }), 1);
  } finally {
    await transport.close();
    await redis.stop();
  }
});

Deno.test("deno task fill -f prefix on a cluster reports the deleted keys and keeps the others", async () => {
  const redis = await startLocalRedis({ cluster: true, replicas: 0 });
  try {
    const base = ["-h", "127.0.0.1", "-p", String(redis.nodes[0]!.port), "-c", "-d", "1MB"];
    assert.equal((await runFillCli([...base, "--prefix", "keep:", "--no-verify"])).code, 0);
    assert.equal((await runFillCli([...base, "--prefix", "tmp:", "--no-verify"])).code, 0);
    const run = await runFillCli([...base, "--prefix", "tmp:", "-f", "prefix", "--no-verify"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /Deleted 1024 keys under "tmp:"/);
    let total = 0;
    for (const node of redis.masters()) {
      const output = await new Deno.Command("redis-cli", {
        args: ["-p", String(node.port), "DBSIZE"],
      }).output();
      total += Number(new TextDecoder().decode(output.stdout).trim());
    }
    assert.equal(total, 2048, "keep: keys plus the refilled tmp: keys");
  } finally {
    await redis.stop();
  }
});
