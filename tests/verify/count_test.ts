import assert from "node:assert/strict";
import { Keyspace } from "../../lib/fill/keyspace.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { encodeCommand } from "../../lib/resp/encode.ts";
import { ReplyPipeline } from "../../lib/resp/pipeline.ts";
import type { KeyCounting, NodeInfo } from "../../lib/types.ts";
import { countKeys } from "../../lib/verify/count.ts";
import { withTransport } from "./_helpers.ts";

const KEYSPACE = { count: 2000, keySize: 40, valueSize: 16, seed: 3, prefix: "redfill:" };

Deno.test("countKeys() counts through twemproxy exactly with batched TOUCH or one key per EXISTS, where batched EXISTS undercounts", async () => {
  await using local = await startLocalRedis({ proxy: true });
  const proxy: NodeInfo = {
    id: "proxy",
    host: local.proxy!.host,
    port: local.proxy!.port,
    role: "master",
    slots: [[0, 16383]],
  };
  // The control plane talks to a server behind the proxy; the data sockets go to the proxy.
  await withTransport(local, async (transport) => {
    const keyspace = new Keyspace(KEYSPACE);
    const pipeline = new ReplyPipeline(await transport.openWriter(proxy), { timeoutMs: 10_000 });
    try {
      const lost = new Set(Array.from({ length: 37 }, (_, k) => 11 + 53 * k));
      const writes: Promise<void>[] = [];
      for (let index = 0; index < KEYSPACE.count; index++) {
        const key = keyspace.key(index);
        writes.push(pipeline.send(encodeCommand(["SET", key, keyspace.value(index)]), 1, () => {}));
        if (lost.has(index)) writes.push(pipeline.send(encodeCommand(["DEL", key]), 1, () => {}));
      }
      await Promise.all(writes);
    } finally {
      pipeline.close();
    }
    const count = (counting: KeyCounting) =>
      countKeys(transport, keyspace, { start: 0, end: KEYSPACE.count }, [proxy], {
        counting,
        timeoutMs: 10_000,
      });
    for (
      const counting of [
        { command: "TOUCH", maxKeys: 256, sameSlot: false },
        { command: "EXISTS", maxKeys: 1, sameSlot: false },
      ] as const
    ) {
      const [entry] = await count(counting);
      assert.deepEqual(
        [entry?.expected, entry?.found, entry?.missing],
        [2000, 1963, [11, 64, 117]],
        counting.command,
      );
    }
    // twemproxy sends a multi-key EXISTS whole to the first key's server: it counts short.
    const [batched] = await count({ command: "EXISTS", maxKeys: 256, sameSlot: false });
    assert.ok(batched!.found < 1963, `batched EXISTS found ${batched!.found}`);
  }, { target: { port: local.nodes[0]!.port } });
});
