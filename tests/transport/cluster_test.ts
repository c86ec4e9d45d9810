import { flagOf } from "../../lib/cli/fill_flags.ts";
import assert from "node:assert/strict";
import { ConnectionError, UsageError } from "../../lib/errors.ts";
import { localTarget, startLocalRedis } from "../../lib/local/mod.ts";
import { hashSlot } from "../../lib/cluster/slots.ts";
import { ClusterTransport, clusterTransport } from "../../lib/transport/cluster.ts";
import { isServerError } from "../../lib/transport/control.ts";
import type { NodeInfo } from "../../lib/types.ts";
import { memoryLogger } from "../_local.ts";

/** The master of a topology that serves a slot. */
function ownerOf(nodes: NodeInfo[], slot: number): NodeInfo {
  const owner = nodes.find((node) =>
    node.role === "master" && node.slots.some(([start, end]) => slot >= start && slot <= end)
  );
  assert.ok(owner, `no master serves slot ${slot}`);
  return owner;
}

Deno.test("ClusterTransport against a 3-master cluster", async (t) => {
  await using local = await startLocalRedis({ cluster: true, masters: 3, replicas: 0 });
  const target = localTarget(local);
  const transport = clusterTransport.create({ target, logger: memoryLogger() });
  try {
    const topology = await transport.connect();

    await t.step("connect() reads every master and its slots from CLUSTER NODES", () => {
      assert.equal(transport.name, "cluster");
      assert.equal(topology.mode, "cluster");
      assert.deepEqual(
        topology.nodes.map((node) => [node.port, node.role, node.slots]),
        local.masters().map((node) => [node.port, "master", node.slots]),
      );
    });

    await t.step("call() routes a key to the master that owns its slot", async () => {
      const owner = ownerOf(topology.nodes, hashSlot("somekey"));
      assert.equal(await transport.call(["SET", "somekey", "v"], { key: "somekey" }), "OK");
      assert.equal(await transport.call(["EXISTS", "somekey"], { node: owner.id }), 1);
      const other = topology.nodes.find((node) => node.id !== owner.id)!;
      const moved = await transport.call(["GET", "somekey"], { node: `127.0.0.1:${other.port}` })
        .catch((error) => error);
      assert.ok(isServerError(moved) && /^MOVED 11058 /.test(moved.message), String(moved));
    });

    await t.step("call() names a node id or address that is not in the cluster", async () => {
      await assert.rejects(
        () => transport.call(["PING"], { node: "nope" }),
        (error: unknown) =>
          error instanceof UsageError &&
          error.message === 'No cluster node has the id or address "nope"',
      );
    });

    await t.step("callEachMaster() asks every master that serves slots", async () => {
      const owner = ownerOf(topology.nodes, hashSlot("somekey"));
      const replies = await transport.callEachMaster(["DBSIZE"]);
      assert.deepEqual(
        replies.map(({ node, reply }) => [node.id, reply]),
        topology.nodes.map((node) => [node.id, node.id === owner.id ? 1 : 0]),
      );
    });

    await t.step("call() follows MOVED after a slot changed owner, and refreshes", async () => {
      // Slot 12182 ("foo") is empty: give it to the first master on every node.
      const slot = hashSlot("foo");
      const from = ownerOf(topology.nodes, slot);
      const to = topology.nodes.find((node) => node.id !== from.id)!;
      for (const node of topology.nodes) {
        await transport.call(["CLUSTER", "SETSLOT", slot, "NODE", to.id], { node: node.id });
      }
      assert.equal(ownerOf(transport.topology().nodes, slot).id, from.id, "still stale");
      assert.equal(await transport.call(["SET", "foo", "bar"], { key: "foo" }), "OK");
      assert.equal(await transport.call(["EXISTS", "foo"], { node: to.id }), 1);
      assert.equal(ownerOf(transport.topology().nodes, slot).id, to.id, "refreshed");
    });

    await t.step("call() names a slot that no master serves", async () => {
      const slot = hashSlot("unserved");
      for (const node of transport.topology().nodes) {
        await transport.call(["CLUSTER", "DELSLOTS", slot], { node: node.id });
      }
      await transport.refresh();
      await assert.rejects(
        () => transport.call(["GET", "unserved"], { key: "unserved" }),
        (error: unknown) =>
          error instanceof ConnectionError &&
          error.message ===
            `No reachable master serves slot ${slot}: the cluster is down or resharding`,
      );
    });
  } finally {
    await transport.close();
  }
});

Deno.test("ClusterTransport refuses a server without cluster support, naming the fix", async () => {
  await using local = await startLocalRedis();
  const target = localTarget(local, { mode: "cluster" });
  const transport = new ClusterTransport({ target, logger: memoryLogger() });
  try {
    await assert.rejects(
      () => transport.connect(),
      (error: unknown) =>
        error instanceof UsageError &&
        error.message ===
          `"127.0.0.1:${target.port}" is not a Redis Cluster node (cluster support is disabled): set target.mode: standalone` &&
        error.sentence.render({ name: flagOf }).endsWith(
          "(cluster support is disabled): drop --cluster",
        ),
    );
    assert.throws(() => transport.topology(), /ClusterTransport.topology\(\) before connect\(\)/);
  } finally {
    await transport.close();
  }
});
