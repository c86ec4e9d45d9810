import assert from "node:assert/strict";
import { ConnectionError, FillError } from "../../lib/errors.ts";
import {
  connectDeno,
  DenoDataSocket,
  describeSocketError,
  lostNode,
} from "../../lib/transport/deno_socket.ts";
import type { NodeInfo, Target } from "../../lib/types.ts";
import { closedPort, silentPeer, slowReader } from "../_cli.ts";

function nodeAt(port: number): NodeInfo {
  return { id: "standalone", host: "127.0.0.1", port, role: "master", slots: [[0, 16383]] };
}

const TARGET: Target = {
  host: "127.0.0.1",
  port: 1,
  mode: "standalone",
  connectTimeoutMs: 2000,
  commandTimeoutMs: 2000,
};

Deno.test("connectDeno() names a refused port in one sentence", async () => {
  const port = closedPort();
  await assert.rejects(
    () => connectDeno(TARGET, nodeAt(port)),
    (error: unknown) =>
      error instanceof ConnectionError &&
      error.message ===
        `Cannot connect to "127.0.0.1:${port}": connection refused; check the host and port, and that redis-server is running`,
  );
});

Deno.test("DenoDataSocket hands incoming bytes to its listener and settles closed at EOF", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const server = (async () => {
    const conn = await listener.accept();
    const buffer = new Uint8Array(64);
    const read = await conn.read(buffer);
    await conn.write(buffer.subarray(0, read ?? 0)); // echo once, then hang up
    conn.close();
  })();
  const socket = new DenoDataSocket(await connectDeno(TARGET, nodeAt(port)), nodeAt(port), 2000);
  const received: string[] = [];
  socket.onData((chunk) => received.push(new TextDecoder().decode(chunk)));
  await socket.write(new TextEncoder().encode("+echo\r\n"));
  await socket.closed;
  await server;
  listener.close();
  assert.deepEqual(received, ["+echo\r\n"]);
  await assert.rejects(
    () => socket.write(new TextEncoder().encode("late")),
    (error: unknown) =>
      error instanceof FillError && error.message === lostNode(`127.0.0.1:${port}`).message,
  );
  socket.close();
  socket.close(); // idempotent
});

Deno.test("DenoDataSocket fails a write that makes no progress for the stall timeout", async () => {
  const peer = silentPeer(); // accepts and never reads
  const node = nodeAt(peer.port);
  const socket = new DenoDataSocket(await connectDeno(TARGET, node), node, 200);
  try {
    await assert.rejects(
      () => socket.write(new Uint8Array(64 * 1024 * 1024)),
      (error: unknown) =>
        error instanceof FillError &&
        error.message ===
          `Node "127.0.0.1:${peer.port}" stopped reading: a write made no progress for 0.2 s`,
    );
    await assert.rejects(() => socket.closed, /stopped reading/);
  } finally {
    socket.close();
    peer.close();
  }
});

Deno.test("DenoDataSocket keeps writing to a slow peer that takes some bytes within the stall timeout", async () => {
  const seen = { bytes: 0 };
  const peer = silentPeer(slowReader(1024 * 1024, 20, seen));
  const node = nodeAt(peer.port);
  const socket = new DenoDataSocket(await connectDeno(TARGET, node), node, 500);
  try {
    // One write far larger than the socket buffers: it waits on the reader for about a second
    // in all, twice the stall timeout, each wait for some progress a few milliseconds long.
    await socket.write(new Uint8Array(48 * 1024 * 1024).fill(1));
    await socket.write(new Uint8Array(16).fill(2));
    assert.ok(seen.bytes > 0);
  } finally {
    socket.close();
    peer.close();
  }
});

Deno.test("lostNode() and describeSocketError() say what happened in a few words", () => {
  assert.equal(
    lostNode("10.0.0.7:7002").message,
    'Lost the connection to node "10.0.0.7:7002": it closed the connection (the node may have stopped or restarted)',
  );
  assert.equal(lostNode("h:1").exitCode, 4);
  const coded = (code: string) => Object.assign(new Error(code), { code });
  assert.equal(
    describeSocketError(coded("ECONNRESET")),
    "connection reset (the node may have stopped)",
  );
  assert.equal(
    describeSocketError(coded("EPIPE")),
    "broken pipe (the node closed the connection)",
  );
  assert.equal(describeSocketError(new Error("other")), "other");
  assert.equal(describeSocketError("text"), "text");
});
