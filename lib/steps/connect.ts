/**
 * The `connect` and `discover` steps.
 *
 * @module
 */

import { z } from "zod";
import { defineStep } from "../pipeline/define.ts";
import { servingMasters } from "../cluster/nodes.ts";
import { slotCount, slotOwners, uncoveredSlots } from "../cluster/slots.ts";
import { ConnectionError } from "../errors.ts";
import { infoField } from "../resp/info.ts";
import type { Topology, Transport } from "../types.ts";
import { formatAddress } from "../address.ts";

/** What `connect` outputs. */
export interface ConnectOutput {
  /** The transport's name once connected (`standalone` or `cluster`). */
  transport: string;
  /** Masters that serve slots. */
  masters: number;
  /** Nodes in all. */
  nodes: number;
}

/** Connects to the target with the transport the registry picks; closes it when the run ends. */
export const connectStep = defineStep({
  name: "connect",
  description: "Connect to the target (control plane) and learn its topology",
  options: z.strictObject({
    "all-slots": z.boolean().optional().describe(
      "Fail at connect when a slot has no master (default: true when a flush or fill follows, so neither starts on a cluster that cannot take every key)",
    ),
  }),
  provides: ["connection", "topology"],
  resolve(options, { steps, index }) {
    if (options["all-slots"] !== undefined) return options;
    const later = steps.slice(index + 1);
    const writes = later.some((step) =>
      step.name === "fill" ||
      (step.name === "flush" &&
        (step.options as { enabled?: unknown } | undefined)?.enabled !== false)
    );
    return { ...options, "all-slots": writes };
  },
  async run(ctx, options): Promise<ConnectOutput> {
    // The executor closes every transport it made, on every path.
    const transport = ctx.createTransport();
    const topology = await transport.connect();
    ctx.provide("connection", transport);
    ctx.provide("topology", topology);
    if (options["all-slots"] === true) await checkSlotsServed(transport, topology);
    const masters = servingMasters(topology).length;
    ctx.logger.info(
      `Connected to ${formatAddress(ctx.target.host, ctx.target.port)} (${transport.name}${
        ctx.target.tls ? ", TLS" : ""
      }): ${masters} master${masters === 1 ? "" : "s"}, ${topology.nodes.length} node${
        topology.nodes.length === 1 ? "" : "s"
      }`,
    );
    return { transport: transport.name, masters, nodes: topology.nodes.length };
  },
});

/**
 * Fails at connect, before any flush or write, when some slots have no reachable master:
 * unassigned slots (`cluster_state:ok` without full coverage, or `CLUSTER DELSLOTS`) need
 * assigning, a failing cluster needs time.
 *
 * @throws {ConnectionError} naming the slots and what to do.
 */
async function checkSlotsServed(transport: Transport, topology: Topology): Promise<void> {
  if (topology.mode !== "cluster") return;
  const missing = uncoveredSlots(slotOwners(servingMasters(topology)));
  if (!missing) return;
  let state: string | undefined;
  try {
    state = infoField(String(await transport.call(["CLUSTER", "INFO"])), "cluster_state");
  } catch {
    state = undefined;
  }
  if (state === "ok") {
    throw new ConnectionError(
      `No master serves slots ${missing} (cluster_state is ok: they are assigned to no master): assign them (CLUSTER ADDSLOTS, or redis-cli --cluster fix) and run again`,
    );
  }
  throw new ConnectionError(
    `No reachable master serves slots ${missing} (cluster_state:${
      state ?? "unknown"
    }): assign them or wait until their master (or its replica) serves them, and run again`,
  );
}

/** What `discover` outputs. */
export interface DiscoverOutput {
  /** The topology. */
  topology: Topology;
  /** Slots served by a reachable master. */
  slotsServed: number;
}

/** Re-reads the topology and logs every node with its role and slots. */
export const discoverStep = defineStep({
  name: "discover",
  description: "Read the topology: masters, replicas and slot ranges",
  needs: ["connection"],
  provides: ["topology"],
  async run(ctx): Promise<DiscoverOutput> {
    const topology = await ctx.get("connection").refresh();
    ctx.provide("topology", topology);
    let slotsServed = 0;
    for (const node of topology.nodes) {
      const slots = slotCount(node.slots);
      if (node.role === "master") slotsServed += slots;
      ctx.logger.info(
        `  ${node.role.padEnd(7)} ${formatAddress(node.host, node.port)}${
          node.role === "master" ? `  ${slots} slots` : ""
        }`,
      );
    }
    if (slotsServed < 16384) {
      ctx.logger.warn(`Only ${slotsServed} of 16384 slots are served by a reachable master`);
    }
    return { topology, slotsServed };
  },
});
