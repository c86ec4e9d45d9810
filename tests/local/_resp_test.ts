import assert from "node:assert/strict";
import { RespClient, RespError } from "../../lib/local/_resp.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { silentPeer } from "../_cli.ts";
import { readClientTls } from "./_helpers.ts";

Deno.test("RespClient reads every RESP2 reply type the local servers send", async () => {
  await using local = await startLocalRedis();
  const client = await RespClient.connect({ port: local.nodes[0]!.port });
  try {
    assert.equal(await client.call("PING"), "PONG");
    assert.equal(await client.call("SET", "k", "välue"), "OK");
    assert.equal(await client.call("GET", "k"), "välue");
    assert.equal(await client.call("GET", "missing"), null);
    assert.equal(await client.call("RPUSH", "list", "a", "b"), 2);
    assert.deepEqual(await client.call("LRANGE", "list", "0", "-1"), ["a", "b"]);
    assert.deepEqual(await client.call("CONFIG", "GET", "maxmemory"), ["maxmemory", "0"]);
    const error = await client.send("NOSUCHCOMMAND");
    assert.ok(error instanceof RespError && /^ERR unknown command/.test(error.message));
    await assert.rejects(() => client.call("NOSUCHCOMMAND"), RespError);
    assert.match(await client.text("INFO", "server"), /^# Server\r\n/);
    await assert.rejects(() => client.text("DBSIZE"), /DBSIZE did not return text/);
    const big = "x".repeat(200_000); // longer than one read
    await client.call("SET", "big", big);
    assert.equal(await client.call("GET", "big"), big);
  } finally {
    client.close();
    client.close();
  }
});

Deno.test("RespClient authenticates over TLS with a client certificate", async () => {
  await using local = await startLocalRedis({
    mtls: true,
    password: "pw",
    user: { name: "app", password: "app-pw" },
  });
  const tls = await readClientTls(local);
  const port = local.nodes[0]!.port;
  const asDefault = await RespClient.connect({ port, tls, password: "pw" });
  const asApp = await RespClient.connect({ port, tls, username: "app", password: "app-pw" });
  try {
    assert.equal(await asDefault.call("ACL", "WHOAMI"), "default");
    assert.equal(await asApp.call("ACL", "WHOAMI"), "app");
  } finally {
    asDefault.close();
    asApp.close();
  }
  await assert.rejects(
    () => RespClient.connect({ port, tls, password: "wrong" }),
    (error: unknown) => error instanceof RespError && /^WRONGPASS/.test(error.message),
  );
});

Deno.test("RespClient gives up on a peer that never answers and closes the connection", async () => {
  const peer = silentPeer();
  try {
    const client = await RespClient.connect({ port: peer.port, timeoutMs: 200 });
    await assert.rejects(() => client.call("PING"), /No reply within 200 ms/);
    await assert.rejects(() => client.call("PING"), Error);
  } finally {
    peer.close();
  }
});
