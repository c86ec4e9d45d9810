import assert from "node:assert/strict";
import * as net from "node:net";
import { ConnectionError, FillError } from "../../lib/errors.ts";
import { localTarget, startLocalRedis } from "../../lib/local/mod.ts";
import type { LocalRedis } from "../../lib/local/mod.ts";
import { encodeCommand } from "../../lib/resp/encode.ts";
import { type LineReply, ReplyScanner } from "../../lib/resp/reply.ts";
import { NodeDataSocket, openDataSocket } from "../../lib/transport/data_socket.ts";
import { DenoDataSocket } from "../../lib/transport/deno_socket.ts";
import type { DataSocket, NodeInfo, Target } from "../../lib/types.ts";
import { silentPeer, slowReader } from "../_cli.ts";

const MiB = 1024 * 1024;

function seed(local: LocalRedis): NodeInfo {
  const node = local.masters()[0]!;
  return { id: node.id, host: node.host, port: node.port, role: "master", slots: node.slots };
}

/** Writes `count` SETs in one buffer and collects the replies until there are `count`. */
async function setMany(socket: DataSocket, count: number, valueBytes = 16): Promise<LineReply[]> {
  const parts = Array.from(
    { length: count },
    (_, i) => encodeCommand(["SET", `k:${i}`, "v".repeat(valueBytes)]),
  );
  const buffer = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    buffer.set(part, offset);
    offset += part.length;
  }
  const replies: LineReply[] = [];
  const all = new Promise<void>((resolve) => {
    const scanner = new ReplyScanner((reply) => {
      replies.push(reply);
      if (replies.length === count) resolve();
    });
    socket.onData((chunk) => scanner.push(chunk));
  });
  await socket.write(buffer);
  await all;
  return replies;
}

Deno.test("openDataSocket() gives a plaintext socket over Deno.connect that takes RESP", async () => {
  await using local = await startLocalRedis();
  const socket = await openDataSocket(localTarget(local), seed(local));
  try {
    assert.ok(socket instanceof DenoDataSocket);
    const replies = await setMany(socket, 100);
    assert.ok(replies.every((reply) => reply.type === "+" && reply.text === "OK"));
  } finally {
    socket.close();
  }
});

Deno.test("openDataSocket() authenticates first, and names a wrong password", async () => {
  await using local = await startLocalRedis({ password: "right-pw" });
  const socket = await openDataSocket(localTarget(local), seed(local));
  try {
    assert.deepEqual((await setMany(socket, 1))[0], { type: "+", text: "OK" });
  } finally {
    socket.close();
  }
  const address = `127.0.0.1:${seed(local).port}`;
  await assert.rejects(
    () => openDataSocket(localTarget(local, { password: "wrong-pw" }), seed(local)),
    (error: unknown) =>
      error instanceof ConnectionError &&
      error.message.startsWith(`Authentication failed on "${address}"`) &&
      !error.message.includes("wrong-pw"),
  );
});

Deno.test("openDataSocket() over TLS writes a batch larger than a slice, in order", async () => {
  await using local = await startLocalRedis({ tls: true });
  const socket = await openDataSocket(localTarget(local), seed(local));
  try {
    assert.ok(socket instanceof NodeDataSocket);
    // 3,000 SETs of 1 KiB values: about 3 MiB, written as several 1 MiB slices.
    const replies = await setMany(socket, 3000, 1024);
    assert.equal(replies.length, 3000);
    assert.ok(replies.every((reply) => reply.text === "OK"));
  } finally {
    socket.close();
  }
});

Deno.test("a data socket fails a write with the node's address once the node is gone", async () => {
  for (const tls of [false, true]) {
    await using local = await startLocalRedis({ tls });
    const target: Target = localTarget(local);
    const socket = await openDataSocket(target, seed(local));
    await local.killNode(local.masters()[0]!);
    await socket.closed.catch(() => {});
    await assert.rejects(
      () => socket.write(encodeCommand(["PING"])),
      (error: unknown) =>
        error instanceof FillError &&
        error.message.startsWith(`Lost the connection to node "127.0.0.1:${seed(local).port}"`),
      `tls ${tls}`,
    );
    socket.close();
  }
});

/** A NodeDataSocket over plain node:net to a local peer (the class TLS uses, without TLS). */
async function nodeSocketTo(port: number, stallTimeoutMs: number): Promise<NodeDataSocket> {
  const socket = net.connect({ host: "127.0.0.1", port });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const node: NodeInfo = { id: "peer", host: "127.0.0.1", port, role: "master", slots: [] };
  return new NodeDataSocket(socket, node, stallTimeoutMs);
}

Deno.test("NodeDataSocket fails a write that makes no progress for the stall timeout, and closes", async () => {
  const peer = silentPeer(); // accepts and never reads
  const socket = await nodeSocketTo(peer.port, 300);
  try {
    const message =
      `Node "127.0.0.1:${peer.port}" stopped reading: a write made no progress for 0.3 s`;
    await assert.rejects(socket.write(new Uint8Array(64 * MiB)), { name: "FillError", message });
    await assert.rejects(socket.closed, { message });
    await assert.rejects(socket.write(new Uint8Array(16)), { message });
  } finally {
    socket.close();
    peer.close();
  }
});

Deno.test("NodeDataSocket keeps writing to a slow peer that takes some bytes within the stall timeout", async () => {
  const seen = { bytes: 0 };
  const peer = silentPeer(slowReader(MiB, 20, seen));
  const socket = await nodeSocketTo(peer.port, 500);
  try {
    // One write far larger than the socket buffers: it waits on the reader for about a second
    // in all, twice the stall timeout, each wait for some progress a few milliseconds long.
    await socket.write(new Uint8Array(48 * MiB).fill(1));
    await socket.write(new Uint8Array(16).fill(2));
    assert.ok(seen.bytes > 0);
  } finally {
    socket.close();
    peer.close();
  }
});
