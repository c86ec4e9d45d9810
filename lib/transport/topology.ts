/**
 * Parsing what Redis says about its topology.
 *
 * @module
 */

import type { NodeInfo, SlotRange, Topology } from "../types.ts";
import { SLOT_COUNT } from "../fill/slot_tags.ts";

/**
 * Parses the reply of `CLUSTER NODES` into nodes, masters first. Nodes flagged `fail`,
 * `handshake` or `noaddr` are left out: nothing can be sent to them.
 *
 * @param text The reply.
 * @param seedHost The host used to reach the cluster, for nodes that report no address.
 * @returns The nodes.
 */
export function parseClusterNodes(text: string, seedHost: string): NodeInfo[] {
  const nodes: NodeInfo[] = [];
  for (const line of text.split("\n")) {
    const fields = line.trim().split(" ");
    if (fields.length < 8) continue;
    const [id, address, flagText, masterId] = fields as [string, string, string, string];
    const flags = flagText.split(",");
    if (flags.some((flag) => flag === "fail" || flag === "handshake" || flag === "noaddr")) {
      continue;
    }
    const endpoint = address.split(",")[0]!.split("@")[0]!;
    const colon = endpoint.lastIndexOf(":");
    const host = endpoint.slice(0, colon).replace(/^\[|\]$/g, "") || seedHost;
    const port = Number(endpoint.slice(colon + 1));
    if (!Number.isInteger(port) || port <= 0) continue;
    const slots: SlotRange[] = [];
    for (const field of fields.slice(8)) {
      if (field.startsWith("[")) continue;
      const [start, end] = field.split("-");
      slots.push([Number(start), Number(end ?? start)]);
    }
    const role = flags.includes("master") ? "master" : "replica";
    nodes.push({
      id,
      host,
      port,
      role,
      ...(role === "replica" && masterId !== "-" ? { masterId } : {}),
      slots: slots.sort((a, b) => a[0] - b[0]),
    });
  }
  return sortNodes(nodes);
}

/**
 * Orders nodes: masters by their first slot, then replicas by their master's order.
 *
 * @param nodes The nodes.
 * @returns A new sorted array.
 */
export function sortNodes(nodes: NodeInfo[]): NodeInfo[] {
  const masters = nodes.filter((node) => node.role === "master").sort((a, b) =>
    (a.slots[0]?.[0] ?? SLOT_COUNT) - (b.slots[0]?.[0] ?? SLOT_COUNT) || a.port - b.port
  );
  const order = new Map(masters.map((node, index) => [node.id, index]));
  const replicas = nodes.filter((node) => node.role === "replica").sort((a, b) =>
    (order.get(a.masterId ?? "") ?? 1e9) - (order.get(b.masterId ?? "") ?? 1e9) || a.port - b.port
  );
  return [...masters, ...replicas];
}

/**
 * The masters of a topology that serve at least one slot.
 *
 * @param topology The topology.
 * @returns The masters, in topology order.
 */
export function servingMasters(topology: Topology): NodeInfo[] {
  return topology.nodes.filter((node) => node.role === "master" && node.slots.length > 0);
}

/**
 * Number of slots in a list of ranges.
 *
 * @param ranges The ranges.
 * @returns The count.
 */
export function slotCount(ranges: readonly SlotRange[]): number {
  return ranges.reduce((sum, [start, end]) => sum + end - start + 1, 0);
}

/**
 * A map from slot to the index of the master serving it (-1 for none).
 *
 * @param masters The masters.
 * @returns 16384 entries.
 */
export function slotOwners(masters: readonly NodeInfo[]): Int32Array {
  const owners = new Int32Array(SLOT_COUNT).fill(-1);
  masters.forEach((master, index) => {
    for (const [start, end] of master.slots) owners.fill(index, start, end + 1);
  });
  return owners;
}

/**
 * Describes the slots no master serves, e.g. `0-99, 5000`, or "" when all are served.
 *
 * @param owners The slot owners.
 * @returns The description.
 */
export function uncoveredSlots(owners: Int32Array): string {
  const ranges: string[] = [];
  let start = -1;
  for (let slot = 0; slot <= SLOT_COUNT; slot++) {
    const missing = slot < SLOT_COUNT && owners[slot] === -1;
    if (missing && start < 0) start = slot;
    if (!missing && start >= 0) {
      ranges.push(start === slot - 1 ? `${start}` : `${start}-${slot - 1}`);
      start = -1;
    }
  }
  return ranges.join(", ");
}

/**
 * Reads a field from an INFO reply.
 *
 * @param info The INFO text.
 * @param field The field name.
 * @returns Its value, or undefined.
 */
export function infoField(info: string, field: string): string | undefined {
  const match = new RegExp(`^${field}:(.*)$`, "m").exec(info);
  return match?.[1]?.trim();
}
