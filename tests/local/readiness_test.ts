import assert from "node:assert/strict";
import {
  type ClusterSlotRange,
  parseClusterNodes,
  parseClusterSlots,
} from "../../lib/cluster/nodes.ts";
import { checkClusterReadiness, type NodeObservation } from "../../lib/local/mod.ts";
import { parseInfo } from "../../lib/resp/info.ts";

const MASTERS = [
  { id: "m0", port: 7000, range: [0, 5460] },
  { id: "m1", port: 7001, range: [5461, 10922] },
  { id: "m2", port: 7002, range: [10923, 16383] },
] as const;
const REPLICAS = [
  { id: "r0", port: 7003, master: "m0" },
  { id: "r1", port: 7004, master: "m1" },
  { id: "r2", port: 7005, master: "m2" },
] as const;

function nodesText(myselfPort: number): string {
  const lines = [
    ...MASTERS.map((m) =>
      `${m.id} 127.0.0.1:${m.port}@1${m.port}${
        m.port === myselfPort ? " myself,master" : " master"
      }` +
      ` - 0 0 1 connected ${m.range[0]}-${m.range[1]}`
    ),
    ...REPLICAS.map((r) =>
      `${r.id} 127.0.0.1:${r.port}@1${r.port}${
        r.port === myselfPort ? " myself,slave" : " slave"
      }` +
      ` ${r.master} 0 0 1 connected`
    ),
  ];
  return lines.join("\n") + "\n";
}

function slotsReply(): unknown[] {
  return MASTERS.map((m, i) => [
    m.range[0],
    m.range[1],
    ["127.0.0.1", m.port, m.id, []],
    ["127.0.0.1", REPLICAS[i]!.port, REPLICAS[i]!.id, []],
  ]);
}

function observe(port: number, role: "master" | "replica"): NodeObservation {
  return {
    address: `127.0.0.1:${port}`,
    clusterInfo: parseInfo(
      "cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\ncluster_known_nodes:6\r\n",
    ),
    replication: parseInfo(
      role === "master"
        ? "# Replication\r\nrole:master\r\n"
        : "role:slave\r\nmaster_link_status:up\r\n",
    ),
    nodes: parseClusterNodes(nodesText(port)),
    slots: parseClusterSlots(slotsReply()),
  };
}

function healthy(): NodeObservation[] {
  return [
    ...MASTERS.map((m) => observe(m.port, "master")),
    ...REPLICAS.map((r) => observe(r.port, "replica")),
  ];
}

const EXPECTED = { masters: 3, replicas: 1 };

Deno.test("checkClusterReadiness() returns no problems for a ready 3+3 cluster", () => {
  assert.deepEqual(checkClusterReadiness(healthy(), EXPECTED), []);
});

Deno.test("checkClusterReadiness() reports a node that is missing from the observations", () => {
  const observations = healthy().slice(0, 5);
  const problems = checkClusterReadiness(observations, EXPECTED);
  assert.ok(problems.includes("Expected 6 nodes, observed 5"), problems.join("\n"));
  assert.ok(
    problems.includes("Node 127.0.0.1:7000 knows 127.0.0.1:7005, which is not an expected node"),
    problems.join("\n"),
  );
});

Deno.test("checkClusterReadiness() reports a node that does not answer or is unknown to another", () => {
  const observations = healthy();
  observations[2] = { address: "127.0.0.1:7002", error: "Connection refused" };
  const first = observations[0]!;
  first.nodes = first.nodes!.filter((n) => n.address !== "127.0.0.1:7004");
  first.clusterInfo = { ...first.clusterInfo, cluster_known_nodes: "5" };
  const problems = checkClusterReadiness(observations, EXPECTED);
  assert.ok(problems.includes("Node 127.0.0.1:7002 did not answer: Connection refused"));
  assert.ok(problems.includes("Node 127.0.0.1:7000 does not know node 127.0.0.1:7004"));
});

Deno.test("checkClusterReadiness() reports nodes that disagree on the slot map", () => {
  const observations = healthy();
  const slots = observations[4]!.slots as ClusterSlotRange[];
  slots[0] = { ...slots[0]!, end: 5000 };
  slots[1] = { ...slots[1]!, start: 5001 };
  const problems = checkClusterReadiness(observations, EXPECTED);
  assert.deepEqual(problems, [
    "Nodes disagree on the slot map: CLUSTER SLOTS on 127.0.0.1:7004 differs from 127.0.0.1:7000",
  ]);
});

Deno.test("checkClusterReadiness() reports state, flags, links and replication that are not ready", () => {
  const observations = healthy();
  observations[0]!.clusterInfo = { cluster_state: "fail", cluster_slots_ok: "10923" };
  const handshaking = observations[1]!.nodes!.find((n) => n.address === "127.0.0.1:7002")!;
  handshaking.flags = ["master", "handshake"];
  handshaking.linkState = "disconnected";
  observations[3]!.replication = { role: "slave", master_link_status: "down" };
  const problems = checkClusterReadiness(observations, EXPECTED);
  assert.deepEqual(problems, [
    "Node 127.0.0.1:7000 reports cluster_state:fail",
    "Node 127.0.0.1:7000 reports cluster_slots_ok:10923",
    "Node 127.0.0.1:7001 sees 127.0.0.1:7002 with flags handshake",
    "Node 127.0.0.1:7001 sees 127.0.0.1:7002 disconnected",
    "Replica 127.0.0.1:7003 reports master_link_status:down",
  ]);
});

Deno.test("checkClusterReadiness() reports uncovered slots and ranges without a replica", () => {
  const observations = healthy();
  for (const o of observations) {
    o.slots = parseClusterSlots([
      [0, 5460, ["127.0.0.1", 7000, "m0"], ["127.0.0.1", 7003, "r0"]],
      [5461, 10922, ["127.0.0.1", 7001, "m1"]],
    ]);
  }
  const problems = checkClusterReadiness(observations, EXPECTED);
  assert.deepEqual(problems, [
    "CLUSTER SLOTS on 127.0.0.1:7000 leaves slots 10923-16383 unassigned",
    "CLUSTER SLOTS on 127.0.0.1:7000 lists 0 replicas for slots 5461-10922, expected 1",
  ]);
});

Deno.test("checkClusterReadiness() reports a master without its replica in CLUSTER NODES", () => {
  const observations = healthy().slice(0, 5);
  for (const o of observations) o.nodes = o.nodes!.filter((n) => n.id !== "r2");
  const problems = checkClusterReadiness(observations, EXPECTED);
  assert.ok(problems.includes("Expected 6 nodes, observed 5"));
  assert.ok(
    problems.includes("Node 127.0.0.1:7000 sees 0 replicas of master 127.0.0.1:7002, expected 1"),
    problems.join("\n"),
  );
});
