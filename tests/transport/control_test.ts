import assert from "node:assert/strict";
import { ConnectionError } from "../../lib/errors.ts";
import { localTarget, startLocalRedis } from "../../lib/local/mod.ts";
import { controlOptions, isServerError, NodeClients } from "../../lib/transport/control.ts";
import type { NodeInfo } from "../../lib/types.ts";
import { closedPort } from "../_cli.ts";
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

Deno.test("controlOptions() asks ioredis for RESP2, no retries, bounded timeouts, auth and TLS", async () => {
  await using local = await startLocalRedis({ tls: true, password: "pw-control" });
  const target = localTarget(local, { username: "alice", connectTimeoutMs: 1234 });
  const options = controlOptions(target, "127.0.0.1", 7000);
  assert.deepEqual(
    {
      host: options.host,
      port: options.port,
      lazyConnect: options.lazyConnect,
      protocol: options.protocol,
      connectTimeout: options.connectTimeout,
      commandTimeout: options.commandTimeout,
      maxRetriesPerRequest: options.maxRetriesPerRequest,
      retry: (options.retryStrategy as () => unknown)(),
      username: options.username,
      password: options.password,
    },
    {
      host: "127.0.0.1",
      port: 7000,
      lazyConnect: true,
      protocol: 2,
      connectTimeout: 1234,
      commandTimeout: 10000,
      maxRetriesPerRequest: 0,
      retry: null,
      username: "alice",
      password: "pw-control",
    },
  );
  assert.equal(options.tls?.ca, await Deno.readTextFile(local.tls!.ca));
  const plain = controlOptions({ ...target, tls: undefined, password: undefined }, "h", 1);
  assert.equal("tls" in plain || "password" in plain, false);
});

Deno.test("NodeClients.call() passes a server's error reply through and wraps a refused port", async () => {
  await using local = await startLocalRedis();
  const target = localTarget(local);
  const clients = new NodeClients(target);
  try {
    assert.equal(await clients.call(target, ["SET", "k", new TextEncoder().encode("v")]), "OK");
    assert.equal(await clients.call(target, ["GET", "k"]), "v");
    const reply = await clients.call(target, ["NOSUCHCOMMAND"]).catch((error) => error);
    assert.equal(isServerError(reply), true);
    assert.match((reply as Error).message, /^ERR unknown command/);
    const refused = closedPort();
    await assert.rejects(
      () => clients.call({ host: "127.0.0.1", port: refused }, ["PING"]),
      (error: unknown) =>
        error instanceof ConnectionError &&
        error.message.startsWith(`Cannot connect to "127.0.0.1:${refused}": connection refused`),
    );
    assert.equal(isServerError(new ConnectionError("x")), false);
  } finally {
    await clients.close();
  }
});

Deno.test("NodeClients.close() closes every data socket and refuses new ones", async () => {
  await using local = await startLocalRedis();
  const target = localTarget(local);
  const clients = new NodeClients(target);
  const node = standaloneNode(target);
  const socket = await clients.openWriter(node);
  await clients.close();
  await socket.closed;
  await clients.close(); // idempotent
  await assert.rejects(
    () => clients.openWriter(node),
    (error: unknown) =>
      error instanceof ConnectionError && error.message === "The transport is closed",
  );
});

Deno.test("NodeClients reconnects after the server closed its connections, and says a killed node stopped", async () => {
  const local = await startLocalRedis();
  const target = localTarget(local);
  const clients = new NodeClients(target);
  const node = standaloneNode(target);
  try {
    assert.equal(await clients.call(target, ["PING"]), "PONG");
    // Every other client's connection closed at once, as by a restart: the next call connects
    // anew instead of failing on the dead connection.
    const other = new NodeClients(target);
    try {
      assert.ok(Number(await other.call(target, ["CLIENT", "KILL", "TYPE", "normal"])) >= 1);
    } finally {
      await other.close();
    }
    assert.equal(await clients.call(target, ["PING"]), "PONG");

    await local.killNode(local.nodes[0]!);
    const stopped =
      `Node "${target.host}:${target.port}" stopped: it answered earlier in this run but now refuses connections; start it again (its log says why it stopped) and run again`;
    for (let attempt = 0; attempt < 2; attempt++) {
      await assert.rejects(
        () => clients.call(target, ["DBSIZE"]),
        (error: unknown) => error instanceof ConnectionError && error.message === stopped,
      );
    }
    await assert.rejects(
      () => clients.openWriter(node),
      (error: unknown) => error instanceof ConnectionError && error.message === stopped,
    );
  } finally {
    await clients.close();
    await local.stop();
  }
});

/** The one node of a standalone target. */
function standaloneNode(target: { host: string; port: number }): NodeInfo {
  return {
    id: "standalone",
    host: target.host,
    port: target.port,
    role: "master",
    slots: [[0, 16383]],
  };
}
