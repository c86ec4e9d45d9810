import assert from "node:assert/strict";
import {
  clusterNodesTopology,
  parseClusterNodes,
  parseClusterSlots,
  parseSlotMigrations,
  servingMasters,
  sortNodes,
} from "../../lib/cluster/nodes.ts";
import type { NodeInfo } from "../../lib/types.ts";

/** CLUSTER NODES of a 2+1 cluster seen from its second master, with a failed and a new node. */
const NODES = [
  "m2 127.0.0.1:7001@17001 myself,master - 0 0 2 connected 8192-16383",
  "r1 127.0.0.1:7002@17002 slave m1 0 1 1 connected",
  "m1 127.0.0.1:7000@17000,redis.local master - 0 1 1 connected 0-100 101-8191 [5->-m2]",
  "gone 127.0.0.1:7003@17003 master,fail - 0 1 3 disconnected",
  "new :7004@17004 handshake - 0 0 0 connected",
  "bare :7005@17005 master - 0 1 4 connected",
  "",
].join("\n");

Deno.test("parseClusterNodes() reads ids, addresses, flags, masters and slot ranges", () => {
  const [entry] = parseClusterNodes(
    "abc 127.0.0.1:7000@17000,host myself,master - 0 0 1 connected 0-5 7 [8->-def]\n",
  );
  assert.deepEqual(entry, {
    id: "abc",
    address: "127.0.0.1:7000",
    flags: ["myself", "master"],
    linkState: "connected",
    slots: [[0, 5], [7, 7]],
  });
});

Deno.test("parseClusterNodes() keeps every line, a replica's master, and skips blank lines", () => {
  const entries = parseClusterNodes(NODES);
  assert.deepEqual(entries.map((entry) => entry.id), ["m2", "r1", "m1", "gone", "new", "bare"]);
  assert.equal(entries[1]?.masterId, "m1");
  assert.equal("masterId" in entries[0]!, false);
  assert.deepEqual(entries[3]?.flags, ["master", "fail"]);
  assert.equal(entries[3]?.linkState, "disconnected");
});

Deno.test("clusterNodesTopology() leaves out failed and handshaking nodes and sorts masters first", () => {
  const nodes = clusterNodesTopology(NODES, "seed.example");
  assert.deepEqual(nodes.map((node) => [node.id, node.host, node.port, node.role]), [
    ["m1", "127.0.0.1", 7000, "master"],
    ["m2", "127.0.0.1", 7001, "master"],
    ["bare", "seed.example", 7005, "master"],
    ["r1", "127.0.0.1", 7002, "replica"],
  ]);
  assert.deepEqual(nodes[0]?.slots, [[0, 100], [101, 8191]]);
  assert.equal(nodes[3]?.masterId, "m1");
  assert.equal("masterId" in nodes[0]!, false);
});

Deno.test("clusterNodesTopology() reads an IPv6 address without its brackets", () => {
  const [node] = clusterNodesTopology(
    "v6 [::1]:7000@17000 myself,master - 0 0 1 connected 0-16383\n",
    "seed",
  );
  assert.deepEqual([node?.host, node?.port], ["::1", 7000]);
});

Deno.test("sortNodes() orders masters by first slot, then replicas by their master's order", () => {
  const master = (id: string, port: number, first: number): NodeInfo => ({
    id,
    host: "h",
    port,
    role: "master",
    slots: first < 0 ? [] : [[first, first + 10]],
  });
  const replica = (id: string, port: number, masterId: string): NodeInfo => ({
    id,
    host: "h",
    port,
    role: "replica",
    masterId,
    slots: [],
  });
  const sorted = sortNodes([
    replica("rb", 7005, "b"),
    master("empty", 7009, -1),
    replica("ra", 7004, "a"),
    master("b", 7001, 9000),
    master("a", 7002, 0),
    replica("ra2", 7003, "a"),
  ]);
  assert.deepEqual(sorted.map((node) => node.id), ["a", "b", "empty", "ra2", "ra", "rb"]);
});

Deno.test("servingMasters() keeps masters that serve at least one slot", () => {
  const nodes = clusterNodesTopology(
    NODES + "idle 127.0.0.1:7006@17006 master - 0 1 5 connected\n",
    "seed",
  );
  assert.deepEqual(
    servingMasters({ mode: "cluster", nodes }).map((node) => node.id),
    ["m1", "m2"],
  );
});

Deno.test("parseClusterSlots() sorts ranges and their replicas, so equal maps compare equal", () => {
  const reply = [
    [8192, 16383, ["127.0.0.1", 7001, "m2"], ["127.0.0.1", 7005, "b"], ["127.0.0.1", 7004, "a"]],
    [0, 8191, ["127.0.0.1", 7000, "m1"]],
    "not a range",
  ];
  assert.deepEqual(parseClusterSlots(reply), [
    { start: 0, end: 8191, master: "127.0.0.1:7000", replicas: [] },
    {
      start: 8192,
      end: 16383,
      master: "127.0.0.1:7001",
      replicas: ["127.0.0.1:7004", "127.0.0.1:7005"],
    },
  ]);
  assert.deepEqual(parseClusterSlots("ERR"), []);
  assert.deepEqual(parseClusterSlots([[0, 1, "bad"]])[0]?.master, "?");
});

Deno.test("parseSlotMigrations() reads migrating and importing markers, and nothing from plain slots", () => {
  const text = [
    "m1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460 [100->-m2] [101->-m2]",
    "m2 127.0.0.1:7001@17001 master - 0 0 2 connected 5461-10922 [100-<-m1]",
    "m3 127.0.0.1:7002@17002 master - 0 0 3 connected 10923-16383",
    "",
  ].join("\n");
  assert.deepEqual(parseSlotMigrations(text), [
    { slot: 100, state: "migrating", nodeId: "m1", peerId: "m2" },
    { slot: 101, state: "migrating", nodeId: "m1", peerId: "m2" },
    { slot: 100, state: "importing", nodeId: "m2", peerId: "m1" },
  ]);
  assert.deepEqual(parseSlotMigrations(NODES), [
    { slot: 5, state: "migrating", nodeId: "m1", peerId: "m2" },
  ]);
  // The markers do not count as slots the node serves.
  assert.deepEqual(parseClusterNodes(text)[0]?.slots, [[0, 5460]]);
});
