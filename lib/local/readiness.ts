/**
 * When is a local cluster ready? {@linkcode checkClusterReadiness} is the pure check of every
 * condition in FACTS.md ("Local clusters") against what the nodes said (`INFO`, `CLUSTER
 * NODES`, `CLUSTER SLOTS`, parsed by `lib/resp` and `lib/cluster`): `cluster_state:ok` alone
 * is not readiness.
 *
 * @module
 */

import type { ClusterSlotRange } from "../cluster/nodes.ts";
import { SLOT_COUNT } from "../cluster/slots.ts";
import type { ClusterExpectation, NodeObservation } from "./types.ts";

const BAD_FLAGS = ["fail", "fail?", "handshake", "noaddr"];

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
 * import { equal } from "node:assert/strict";
 * import { checkClusterReadiness } from "./readiness.ts";
 * const problems = checkClusterReadiness([], { masters: 3, replicas: 1 });
 * equal(problems[0], "Expected 6 nodes, observed 0");
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
