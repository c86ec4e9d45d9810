import { flagOf } from "../../lib/cli/fill_flags.ts";
import assert from "node:assert/strict";
import { UsageError } from "../../lib/errors.ts";
import { localTarget, startLocalRedis } from "../../lib/local/mod.ts";
import { StandaloneTransport, standaloneTransport } from "../../lib/transport/standalone.ts";
import { memoryLogger } from "../_local.ts";

Deno.test("StandaloneTransport connects to one master that serves every slot", async () => {
  await using local = await startLocalRedis();
  const target = localTarget(local);
  const transport = standaloneTransport.create({ target, logger: memoryLogger() });
  try {
    assert.equal(transport.name, "standalone");
    const topology = await transport.connect();
    assert.deepEqual(topology, {
      mode: "standalone",
      nodes: [{
        id: "standalone",
        host: "127.0.0.1",
        port: target.port,
        role: "master",
        slots: [[0, 16383]],
      }],
    });
    assert.equal(await transport.call(["SET", "a", "1"], { key: "a" }), "OK");
    const [each] = await transport.callEachMaster(["DBSIZE"]);
    assert.deepEqual([each?.node, each?.reply], [topology.nodes[0], 1]);
    assert.deepEqual(await transport.refresh(), topology);
    const socket = await transport.openWriter(topology.nodes[0]!);
    await transport.close();
    await socket.closed;
  } finally {
    await transport.close();
  }
});

Deno.test("StandaloneTransport.topology() before connect() is a bug, not a user error", () => {
  const transport = new StandaloneTransport({
    target: { host: "h", port: 1, mode: "standalone", connectTimeoutMs: 1, commandTimeoutMs: 1 },
    logger: memoryLogger(),
  });
  assert.throws(
    () => transport.topology(),
    (error: unknown) =>
      !(error instanceof UsageError) &&
      (error as Error).message === "StandaloneTransport.topology() before connect()",
  );
});

Deno.test("StandaloneTransport refuses a cluster node and a replica, naming the fix", async () => {
  await using cluster = await startLocalRedis({ cluster: true, masters: 1, replicas: 0 });
  const clusterTarget = localTarget(cluster, { mode: "standalone" });
  const onCluster = new StandaloneTransport({ target: clusterTarget, logger: memoryLogger() });
  await assert.rejects(
    () => onCluster.connect(),
    (error: unknown) =>
      error instanceof UsageError &&
      error.message ===
        `"127.0.0.1:${clusterTarget.port}" is a Redis Cluster node: set target.mode: cluster so every key goes to the master that owns its slot` &&
      error.sentence.render({ name: flagOf }) ===
        `"127.0.0.1:${clusterTarget.port}" is a Redis Cluster node: pass --cluster so every key goes to the master that owns its slot`,
  );
  await onCluster.close();

  await using master = await startLocalRedis();
  await using replica = await startLocalRedis();
  const masterPort = master.masters()[0]!.port;
  const replicaTarget = localTarget(replica);
  const control = new StandaloneTransport({ target: replicaTarget, logger: memoryLogger() });
  const onReplica = new StandaloneTransport({ target: replicaTarget, logger: memoryLogger() });
  try {
    await control.connect();
    await control.call(["REPLICAOF", "127.0.0.1", masterPort]);
    await assert.rejects(
      () => onReplica.connect(),
      (error: unknown) =>
        error instanceof UsageError &&
        error.message ===
          `"127.0.0.1:${replicaTarget.port}" is a read-only replica: point redfill at its master (127.0.0.1:${masterPort})`,
    );
  } finally {
    await control.close();
    await onReplica.close();
  }
});
