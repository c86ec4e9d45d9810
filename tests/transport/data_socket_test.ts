import assert from "node:assert/strict";
import * as net from "node:net";
import { NodeDataSocket } from "../../lib/transport/data_socket.ts";
import { connectDeno, DenoDataSocket } from "../../lib/transport/deno_socket.ts";
import { TARGET_DEFAULTS } from "../../lib/defaults.ts";
import type { DataSocket, NodeInfo } from "../../lib/types.ts";

const MiB = 1024 * 1024;

/** A loopback peer that reads `bytesPerTick` every `tickMs` (0: never reads). */
function peer(bytesPerTick: number, tickMs: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  let received = 0;
  const served = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      if (bytesPerTick === 0) continue;
      (async () => {
        const buffer = new Uint8Array(bytesPerTick);
        try {
          for (;;) {
            await new Promise((resolve) => setTimeout(resolve, tickMs));
            const read = await conn.read(buffer);
            if (read === null) break;
            received += read;
          }
        } catch {
          // closed
        }
      })();
    }
  })().catch(() => {});
  const node: NodeInfo = {
    id: "peer",
    host: "127.0.0.1",
    port: (listener.addr as Deno.NetAddr).port,
    role: "master",
    slots: [],
  };
  return {
    node,
    received: () => received,
    async close() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // closed already
        }
      }
      await served;
    },
  };
}

type Opener = (node: NodeInfo, stallTimeoutMs: number) => Promise<DataSocket>;

const openers: Record<string, Opener> = {
  "DenoDataSocket": async (node, stallTimeoutMs) => {
    const target = { ...TARGET_DEFAULTS, mode: "standalone" as const };
    return new DenoDataSocket(await connectDeno(target, node), node, stallTimeoutMs);
  },
  "NodeDataSocket": async (node, stallTimeoutMs) => {
    const socket = net.connect({ host: node.host, port: node.port });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    return new NodeDataSocket(socket, node, stallTimeoutMs);
  },
};

for (const [name, open] of Object.entries(openers)) {
  Deno.test(`${name}.write() fails naming the node when the peer stops reading, and closes`, async () => {
    const silent = peer(0, 0);
    const socket = await open(silent.node, 300);
    try {
      const message =
        `Node "127.0.0.1:${silent.node.port}" stopped reading: a write made no progress for 0.3 s`;
      await assert.rejects(socket.write(new Uint8Array(64 * MiB)), { name: "FillError", message });
      await assert.rejects(socket.closed, { message });
      await assert.rejects(socket.write(new Uint8Array(16)), { message });
    } finally {
      socket.close();
      await silent.close();
    }
  });

  Deno.test(`${name}.write() keeps going while a slow peer takes some bytes within the stall timeout`, async () => {
    const slow = peer(MiB, 20);
    const socket = await open(slow.node, 500);
    try {
      // One write far larger than the socket buffers: it waits on the reader for about a
      // second in all, twice the stall timeout, each wait for some progress a few ms long.
      await socket.write(new Uint8Array(48 * MiB).fill(1));
      await socket.write(new Uint8Array(16).fill(2));
      socket.close();
      await socket.closed;
      assert.ok(slow.received() > 0);
    } finally {
      socket.close();
      await slow.close();
    }
  });
}
