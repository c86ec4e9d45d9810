import assert from "node:assert/strict";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { withTransport } from "../_local.ts";

Deno.test("a control client dropped by the server's idle timeout is replaced on the next call", async () => {
  await using local = await startLocalRedis({ extraArgs: ["--timeout", "1"] });
  await withTransport(local, async (transport) => {
    assert.equal(await transport.call(["PING"]), "PONG");
    // redis-server closes idle clients after `timeout` seconds (checked about once a second).
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const [size] = await transport.callEachMaster(["DBSIZE"]);
    assert.equal(Number(size?.reply), 0);
    assert.equal(await transport.call(["PING"]), "PONG");
  });
});
