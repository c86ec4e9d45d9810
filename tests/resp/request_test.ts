import assert from "node:assert/strict";
import { FillError } from "../../lib/errors.ts";
import { localTarget, startLocalRedis } from "../../lib/local/mod.ts";
import { encodeCommand } from "../../lib/resp/encode.ts";
import { requestLine } from "../../lib/resp/request.ts";
import { openDataSocket } from "../../lib/transport/data_socket.ts";
import type { NodeInfo, Target } from "../../lib/types.ts";
import { silentPeer } from "../_cli.ts";

function nodeAt(port: number): NodeInfo {
  return { id: "standalone", host: "127.0.0.1", port, role: "master", slots: [[0, 16383]] };
}

function targetAt(port: number): Target {
  return {
    host: "127.0.0.1",
    port,
    mode: "standalone",
    connectTimeoutMs: 2000,
    commandTimeoutMs: 2000,
  };
}

Deno.test("requestLine() sends one command on a data socket and reads its one-line reply", async () => {
  await using local = await startLocalRedis();
  const node = local.masters()[0]!;
  const socket = await openDataSocket(localTarget(local), nodeAt(node.port));
  try {
    assert.deepEqual(await requestLine(socket, encodeCommand(["PING"]), 2000), {
      type: "+",
      text: "PONG",
    });
    assert.deepEqual(await requestLine(socket, encodeCommand(["INCR", "counter"]), 2000), {
      type: ":",
      text: "1",
    });
    const error = await requestLine(socket, encodeCommand(["NOSUCHCOMMAND"]), 2000);
    assert.equal(error.type, "-");
    assert.match(error.text, /^ERR unknown command 'NOSUCHCOMMAND'/);
  } finally {
    socket.close();
    await socket.closed;
  }
});

Deno.test("requestLine() fails with the address when no reply comes in time", async () => {
  const peer = silentPeer();
  const socket = await openDataSocket(targetAt(peer.port), nodeAt(peer.port));
  try {
    await assert.rejects(
      () => requestLine(socket, encodeCommand(["PING"]), 200),
      (error: unknown) =>
        error instanceof FillError &&
        error.message === `"127.0.0.1:${peer.port}" did not answer within 0.2 s`,
    );
  } finally {
    socket.close();
    peer.close();
    await socket.closed.catch(() => {});
  }
});

Deno.test("requestLine() fails when the peer closes the connection before replying", async () => {
  const peer = silentPeer();
  const socket = await openDataSocket(targetAt(peer.port), nodeAt(peer.port));
  const waiting = requestLine(socket, encodeCommand(["PING"]), 10_000);
  // Let the peer accept the connection, then close it (a connection still in the listener's
  // backlog is reset instead: the socket then reports the lost connection).
  await new Promise((resolve) => setTimeout(resolve, 50));
  peer.close();
  await assert.rejects(waiting, /^Error: Connection is closed$|Lost the connection to node/);
  await socket.closed.catch(() => {});
});
