import assert from "node:assert/strict";
import { ConnectionError } from "../../lib/errors.ts";
import { localTarget, startLocalRedis } from "../../lib/local/mod.ts";
import { encodeCommand } from "../../lib/resp/encode.ts";
import { RespError, type RespValue } from "../../lib/resp/parser.ts";
import { ReplyPipeline } from "../../lib/resp/pipeline.ts";
import { openDataSocket } from "../../lib/transport/data_socket.ts";
import type { NodeInfo, Target } from "../../lib/types.ts";
import { silentPeer } from "../_cli.ts";

function nodeAt(port: number): NodeInfo {
  return { id: "standalone", host: "127.0.0.1", port, role: "master", slots: [[0, 16383]] };
}

async function batch(commands: string[][]): Promise<Uint8Array> {
  return new Uint8Array(
    await new Blob(commands.map((command) => encodeCommand(command) as BlobPart)).arrayBuffer(),
  );
}

function plain(value: RespValue): unknown {
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  if (value instanceof RespError) return { error: value.code };
  return value;
}

Deno.test("ReplyPipeline matches the replies of batches in flight to their batches, in order", async () => {
  await using local = await startLocalRedis();
  const target = localTarget(local);
  const pipeline = new ReplyPipeline(
    await openDataSocket(target, nodeAt(target.port)),
    { timeoutMs: 5000 },
  );
  try {
    const first: unknown[] = [];
    const second: Array<[number, unknown]> = [];
    const value = "v".repeat(100_000); // a reply spread over several reads
    await Promise.all([
      pipeline.send(
        await batch([["SET", "a", "1"], ["SET", "b", value], ["EXISTS", "a", "b", "c"]]),
        3,
        (reply) => first.push(plain(reply)),
      ),
      pipeline.send(
        await batch([["GET", "b"], ["GET", "c"], ["HGET", "a", "f"], ["INCR", "n"]]),
        4,
        (reply, position) => second.push([position, plain(reply)]),
      ),
    ]);
    assert.deepEqual(first, ["OK", "OK", 2]);
    assert.deepEqual(second, [[0, value], [1, null], [2, { error: "WRONGTYPE" }], [3, 1]]);
  } finally {
    pipeline.close();
  }
});

Deno.test("ReplyPipeline rejects batches in flight when the node stops answering or goes away", async () => {
  const peer = silentPeer();
  const target: Target = {
    host: "127.0.0.1",
    port: peer.port,
    mode: "standalone",
    connectTimeoutMs: 2000,
    commandTimeoutMs: 2000,
  };
  try {
    const pipeline = new ReplyPipeline(
      await openDataSocket(target, nodeAt(peer.port)),
      { timeoutMs: 300 },
    );
    await assert.rejects(
      async () => pipeline.send(await batch([["PING"]]), 1, () => {}),
      (error: unknown) =>
        error instanceof ConnectionError &&
        error.message ===
          `"127.0.0.1:${peer.port}" did not answer within 0.3 s; check the node (it may be overloaded or stopped)`,
    );
    // A pipeline that failed refuses more work at once.
    await assert.rejects(
      async () => pipeline.send(await batch([["PING"]]), 1, () => {}),
      ConnectionError,
    );
  } finally {
    peer.close();
  }

  await using local = await startLocalRedis();
  const pipeline = new ReplyPipeline(
    await openDataSocket(localTarget(local), nodeAt(local.nodes[0]!.port)),
    { timeoutMs: 10_000 },
  );
  try {
    // Both replies are owed when the node dies: the BLPOP blocks.
    const outcome = pipeline.send(await batch([["PING"], ["BLPOP", "none", "0"]]), 2, () => {})
      .then(() => undefined, (error: unknown) => error);
    await local.killNode(local.nodes[0]!);
    assert.match(String(await outcome), /Lost the connection to node "127\.0\.0\.1:\d+"/);
  } finally {
    pipeline.close();
  }
});
