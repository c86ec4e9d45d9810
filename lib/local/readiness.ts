/**
 * When is a local cluster ready? Parsers for what the nodes say (`INFO`, `CLUSTER NODES`,
 * `CLUSTER SLOTS`) and {@linkcode checkClusterReadiness}, the pure check of every condition
 * in FACTS.md ("Local clusters"): `cluster_state:ok` alone is not readiness.
 *
 * @module
 */

import type {
  ClusterExpectation,
  ClusterNodeEntry,
  ClusterSlotRange,
  NodeObservation,
} from "./types.ts";

/** Total number of hash slots in a Redis Cluster. */
export const SLOT_COUNT = 16384;

const BAD_FLAGS = ["fail", "fail?", "handshake", "noaddr"];

/**
 * Parses `INFO` or `CLUSTER INFO` text into its `field:value` pairs.
 *
 * @param text The reply.
 * @returns The fields.
 * @example
 * ```ts
 * import { parseInfo } from "./readiness.ts";
 * parseInfo("# Cluster\r\ncluster_state:ok\r\n").cluster_state; // "ok"
 * ```
 */
export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line === "" || line.startsWith("#")) continue;
    const colon = line.indexOf(":");
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

/**
 * Parses `CLUSTER NODES` text.
 *
 * @param text The reply.
 * @returns One entry per node.
 * @example
 * ```ts
 * import { parseClusterNodes } from "./readiness.ts";
 * parseClusterNodes("abc 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-16383\n");
 * ```
 */
export function parseClusterNodes(text: string): ClusterNodeEntry[] {
  const entries: ClusterNodeEntry[] = [];
  for (const line of text.split("\n")) {
    const parts = line.trim().split(" ");
    const [id, addr, flags, master, , , , linkState] = parts;
    if (!id || !addr || !flags || !master || !linkState) continue;
    const slots: Array<[number, number]> = [];
    for (const slot of parts.slice(8)) {
      if (slot.startsWith("[")) continue;
      const [from, to] = slot.split("-");
      slots.push([Number(from), Number(to ?? from)]);
    }
    const entry: ClusterNodeEntry = {
      id,
      address: addr.split("@")[0] ?? addr,
      flags: flags.split(","),
      linkState,
      slots,
    };
    if (master !== "-") entry.masterId = master;
    entries.push(entry);
  }
  return entries;
}

function endpoint(value: unknown): string {
  if (!Array.isArray(value)) return "?";
  return `${String(value[0])}:${String(value[1])}`;
}

/**
 * Parses a `CLUSTER SLOTS` reply (RESP2 arrays) into ranges sorted by their first slot, each
 * range's replicas sorted, so that two nodes' answers compare equal when they agree.
 *
 * @param reply The reply as an array.
 * @returns The ranges.
 * @example
 * ```ts
 * import { parseClusterSlots } from "./readiness.ts";
 * parseClusterSlots([[0, 16383, ["127.0.0.1", 7000, "abc"]]]);
 * ```
 */
export function parseClusterSlots(reply: unknown): ClusterSlotRange[] {
  if (!Array.isArray(reply)) return [];
  const ranges: ClusterSlotRange[] = [];
  for (const item of reply) {
    if (!Array.isArray(item)) continue;
    const [start, end, master, ...replicas] = item;
    ranges.push({
      start: Number(start),
      end: Number(end),
      master: endpoint(master),
      replicas: replicas.map(endpoint).sort(),
    });
  }
  return ranges.sort((a, b) => a.start - b.start);
}

function describeSlots(ranges: ClusterSlotRange[]): string {
  return JSON.stringify(ranges.map((r) => [r.start, r.end, r.master, r.replicas]));
}

function coverageProblems(address: string, ranges: ClusterSlotRange[]): string[] {
  const problems: string[] = [];
  let next = 0;
  for (const range of ranges) {
    if (range.start > next) {
      problems.push(
        `CLUSTER SLOTS on ${address} leaves slots ${next}-${range.start - 1} unassigned`,
      );
    } else if (range.start < next) {
      problems.push(`CLUSTER SLOTS on ${address} assigns slot ${range.start} twice`);
    }
    next = Math.max(next, range.end + 1);
  }
  if (next < SLOT_COUNT) {
    problems.push(`CLUSTER SLOTS on ${address} leaves slots ${next}-${SLOT_COUNT - 1} unassigned`);
  }
  return problems;
}

/**
 * Checks every readiness condition of a local cluster against what each node said, and
 * returns what is not yet true: `[]` means ready. The conditions (FACTS.md, "Local
 * clusters"): every expected node answered; each reports `cluster_state:ok` and
 * `cluster_slots_ok:16384` and knows exactly the expected nodes, each `connected` and
 * without `fail`, `fail?`, `handshake` or `noaddr`; there are `masters` masters with slots
 * and each has `replicas` replicas; every replica has `master_link_status:up`; and
 * `CLUSTER SLOTS` is identical on every node, covers 0–16383 exactly once and lists
 * `replicas` replicas per range.
 *
 * @param observations One per expected node (a node that did not answer has `error`).
 * @param expected The number of masters and of replicas per master.
 * @returns One sentence per unmet condition; empty when the cluster is ready.
 * @example
 * ```ts
 * import { checkClusterReadiness } from "./readiness.ts";
 * const problems = checkClusterReadiness([], { masters: 3, replicas: 1 });
 * problems[0]; // "Expected 6 nodes, observed 0"
 * ```
 */
export function checkClusterReadiness(
  observations: NodeObservation[],
  expected: ClusterExpectation,
): string[] {
  const total = expected.masters * (1 + expected.replicas);
  const problems: string[] = [];
  if (observations.length !== total) {
    problems.push(`Expected ${total} nodes, observed ${observations.length}`);
  }
  const addresses = new Set(observations.map((o) => o.address));
  let reference: { address: string; slots: string } | undefined;
  let topologyChecked = false;

  for (const o of observations) {
    if (o.error !== undefined) {
      problems.push(`Node ${o.address} did not answer: ${o.error}`);
      continue;
    }
    const info = o.clusterInfo ?? {};
    if (info.cluster_state !== "ok") {
      problems.push(`Node ${o.address} reports cluster_state:${info.cluster_state ?? "?"}`);
    }
    if (info.cluster_slots_ok !== String(SLOT_COUNT)) {
      problems.push(`Node ${o.address} reports cluster_slots_ok:${info.cluster_slots_ok ?? "?"}`);
    }

    const nodes = o.nodes ?? [];
    const myself = nodes.find((n) => n.flags.includes("myself"));
    if (!myself) {
      problems.push(`Node ${o.address} does not list itself in CLUSTER NODES`);
    } else if (myself.address !== o.address) {
      problems.push(`Node ${o.address} calls itself ${myself.address}`);
    }
    const seen = new Set(nodes.map((n) => n.address));
    for (const other of addresses) {
      if (!seen.has(other)) problems.push(`Node ${o.address} does not know node ${other}`);
    }
    for (const n of nodes) {
      if (!addresses.has(n.address)) {
        problems.push(`Node ${o.address} knows ${n.address}, which is not an expected node`);
      }
      const bad = n.flags.filter((f) => BAD_FLAGS.includes(f));
      if (bad.length > 0) {
        problems.push(`Node ${o.address} sees ${n.address} with flags ${bad.join(",")}`);
      }
      if (n.linkState !== "connected") {
        problems.push(`Node ${o.address} sees ${n.address} ${n.linkState}`);
      }
    }

    if (myself?.flags.includes("slave")) {
      const link = o.replication?.master_link_status;
      if (link !== "up") {
        problems.push(`Replica ${o.address} reports master_link_status:${link ?? "?"}`);
      }
    }

    if (!topologyChecked && nodes.length > 0) {
      topologyChecked = true;
      const masters = nodes.filter((n) => n.flags.includes("master") && n.slots.length > 0);
      if (masters.length !== expected.masters) {
        problems.push(
          `Node ${o.address} sees ${masters.length} masters with slots, expected ${expected.masters}`,
        );
      }
      for (const m of masters) {
        const count = nodes.filter((n) => n.flags.includes("slave") && n.masterId === m.id).length;
        if (count !== expected.replicas) {
          problems.push(
            `Node ${o.address} sees ${count} replicas of master ${m.address}, expected ${expected.replicas}`,
          );
        }
      }
    }

    const slots = o.slots ?? [];
    const described = describeSlots(slots);
    if (!reference) {
      reference = { address: o.address, slots: described };
      problems.push(...coverageProblems(o.address, slots));
      for (const range of slots) {
        if (range.replicas.length !== expected.replicas) {
          problems.push(
            `CLUSTER SLOTS on ${o.address} lists ${range.replicas.length} replicas for slots ${range.start}-${range.end}, expected ${expected.replicas}`,
          );
        }
      }
    } else if (described !== reference.slots) {
      problems.push(
        `Nodes disagree on the slot map: CLUSTER SLOTS on ${o.address} differs from ${reference.address}`,
      );
    }
  }
  return problems;
}
