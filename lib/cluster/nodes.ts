/**
 * Parsing what a cluster says about itself: `CLUSTER NODES` (as raw entries, and as the
 * topology the transports use) and `CLUSTER SLOTS`.
 *
 * @module
 */

import type { NodeInfo, SlotRange, Topology } from "../types.ts";
import { SLOT_COUNT } from "./slots.ts";

/** One line of `CLUSTER NODES`, parsed. */
export interface ClusterNodeEntry {
  /** The node id. */
  id: string;
  /** `ip:port` (without the bus port and hostname). */
  address: string;
  /** The flags: `myself`, `master`, `slave`, `fail?`, `fail`, `handshake`, `noaddr` … */
  flags: string[];
  /** The master's id, for a replica. */
  masterId?: string;
  /** `connected` or `disconnected`. */
  linkState: string;
  /** The slot ranges it serves (importing/migrating markers left out). */
  slots: Array<[number, number]>;
}

/** One range of `CLUSTER SLOTS`, parsed. */
export interface ClusterSlotRange {
  /** First slot. */
  start: number;
  /** Last slot (inclusive). */
  end: number;
  /** `ip:port` of the master. */
  master: string;
  /** `ip:port` of each replica, sorted. */
  replicas: string[];
}

/**
 * Parses `CLUSTER NODES` text into one entry per line.
 *
 * @param text The reply.
 * @returns One entry per node.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { parseClusterNodes } from "./nodes.ts";
 * const [node] = parseClusterNodes("abc 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-16383\n");
 * equal(node?.address, "127.0.0.1:7000");
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
      address: addr.split(",")[0]!.split("@")[0]!,
      flags: flags.split(","),
      linkState,
      slots,
    };
    if (master !== "-") entry.masterId = master;
    entries.push(entry);
  }
  return entries;
}

/** A slot being moved, as one line of `CLUSTER NODES` shows it: `[slot->-to]` or `[slot-<-from]`. */
export interface SlotMigration {
  /** The slot. */
  slot: number;
  /** `migrating` on the node giving the slot away, `importing` on the node taking it. */
  state: "migrating" | "importing";
  /** The id of the node whose line shows it. */
  nodeId: string;
  /** The id of the other node: where the slot goes, or where it comes from. */
  peerId: string;
}

/**
 * The slots a `CLUSTER NODES` reply shows as migrating or importing (only the answering
 * node's own line carries them, flagged `myself`).
 *
 * @param text The reply.
 * @returns One entry per marker, in the order of the reply.
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { parseSlotMigrations } from "./nodes.ts";
 * const text = "a 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-99 [5->-b] [7-<-c]\n";
 * deepEqual(parseSlotMigrations(text), [
 *   { slot: 5, state: "migrating", nodeId: "a", peerId: "b" },
 *   { slot: 7, state: "importing", nodeId: "a", peerId: "c" },
 * ]);
 * ```
 */
export function parseSlotMigrations(text: string): SlotMigration[] {
  const migrations: SlotMigration[] = [];
  for (const line of text.split("\n")) {
    const parts = line.trim().split(" ");
    const id = parts[0];
    if (!id || parts.length < 9) continue;
    for (const part of parts.slice(8)) {
      const match = /^\[(\d+)-([<>])-(\S+)\]$/.exec(part);
      if (!match) continue;
      migrations.push({
        slot: Number(match[1]),
        state: match[2] === ">" ? "migrating" : "importing",
        nodeId: id,
        peerId: match[3]!,
      });
    }
  }
  return migrations;
}

/**
 * The nodes of a `CLUSTER NODES` reply as a transport sees them, masters first. Nodes
 * flagged `fail`, `handshake` or `noaddr` are left out: nothing can be sent to them.
 *
 * @param text The reply.
 * @param seedHost The host used to reach the cluster, for nodes that report no address.
 * @returns The nodes.
 */
export function clusterNodesTopology(text: string, seedHost: string): NodeInfo[] {
  const nodes: NodeInfo[] = [];
  for (const entry of parseClusterNodes(text)) {
    const flags = entry.flags;
    if (flags.some((flag) => flag === "fail" || flag === "handshake" || flag === "noaddr")) {
      continue;
    }
    const colon = entry.address.lastIndexOf(":");
    const host = entry.address.slice(0, colon).replace(/^\[|\]$/g, "") || seedHost;
    const port = Number(entry.address.slice(colon + 1));
    if (!Number.isInteger(port) || port <= 0) continue;
    const role = flags.includes("master") ? "master" : "replica";
    const slots: SlotRange[] = entry.slots.map(([start, end]) => [start, end] as const);
    nodes.push({
      id: entry.id,
      host,
      port,
      role,
      ...(role === "replica" && entry.masterId !== undefined ? { masterId: entry.masterId } : {}),
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
 * import { equal } from "node:assert/strict";
 * import { parseClusterSlots } from "./nodes.ts";
 * equal(parseClusterSlots([[0, 16383, ["127.0.0.1", 7000, "abc"]]])[0]?.master, "127.0.0.1:7000");
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
