import assert from "node:assert/strict";
import { localTarget, startLocalRedis } from "../../lib/local/mod.ts";
import { AutoTransport, autoTransport } from "../../lib/transport/auto.ts";
import { memoryLogger } from "../_local.ts";

Deno.test("AutoTransport asks the server and becomes the standalone or the cluster transport", async () => {
  await using standalone = await startLocalRedis();
  await using cluster = await startLocalRedis({ cluster: true, masters: 1, replicas: 0 });
  for (const [local, name] of [[standalone, "standalone"], [cluster, "cluster"]] as const) {
    const transport = autoTransport.create({
      target: localTarget(local, { mode: "auto" }),
      logger: memoryLogger(),
    });
    try {
      assert.equal(transport.name, "auto");
      const topology = await transport.connect();
      assert.equal(transport.name, name);
      assert.equal(topology.mode, name);
      assert.deepEqual(transport.topology(), topology);
      assert.equal(await transport.call(["SET", "k", "v"], { key: "k" }), "OK");
      const replies = await transport.callEachMaster(["DBSIZE"]);
      assert.deepEqual(replies.map((reply) => reply.reply), [1]);
    } finally {
      await transport.close();
    }
  }
});

Deno.test("AutoTransport used before connect() is a bug with a clear message", async () => {
  const transport = new AutoTransport({
    target: { host: "h", port: 1, mode: "auto", connectTimeoutMs: 1, commandTimeoutMs: 1 },
    logger: memoryLogger(),
  });
  assert.throws(() => transport.topology(), /AutoTransport used before connect\(\)/);
  assert.throws(() => transport.call(["PING"]), /AutoTransport used before connect\(\)/);
  await transport.close(); // nothing to close yet
});
