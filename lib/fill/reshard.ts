/**
 * Resharding under a fire-and-forget fill. With replies off, a key sent to a master that no
 * longer owns its slot (`MOVED`), or to one migrating it away (`ASK`, for a key it does not
 * hold), is dropped without a word. So at each barrier of a round sent with replies off, the
 * fill asks every master which slots it owns itself and which it is migrating or importing
 * (`CLUSTER NODES`, its own line), and the cluster's epoch (`CLUSTER INFO`); every slot whose
 * owner is not the node its keys were sent to, or that is moving, has its keys re-sent, acked,
 * to its owner (keys are deterministic and `SET` is idempotent).
 *
 * Keys a master took before its slot moved are safe: the barrier proved it had them, and a
 * migration carries them along. What is lost is only what was sent while or after the slot
 * moved — exactly the slots this finds.
 *
 * @module
 */

import { parseClusterNodes, parseSlotMigrations, servingMasters } from "../cluster/nodes.ts";
import { SLOT_COUNT, slotOwners } from "../cluster/slots.ts";
import { infoField } from "../resp/info.ts";
import type { NodeInfo, Transport } from "../types.ts";

/** What a barrier's look at the slot map found. */
export interface SlotMapCheck {
  /** Slots to re-send: moved away from where their keys went, migrating, or claimed by none. */
  slots: number[];
  /** For each of `slots`, the node id its keys had been sent to ("" for none). */
  from: string[];
  /** The highest `cluster_current_epoch` the masters reported (0 when none answered). */
  epoch: number;
  /** How many of `slots` were migrating or importing at the barrier. */
  migrating: number;
}

/**
 * Which node each slot's keys were last sent to, and the cluster's epoch, as the fill planned
 * them.
 */
export class SlotWatch {
  readonly #sentTo: string[];
  #epoch = 0;

  /** @param masters The masters of the first round (the plan). */
  constructor(masters: readonly NodeInfo[]) {
    const owners = slotOwners(masters);
    this.#sentTo = Array.from(owners, (owner) => masters[owner]?.id ?? "");
  }

  /** The node id the keys of `slot` were last sent to ("" for none). */
  sentTo(slot: number): string {
    return this.#sentTo[slot] ?? "";
  }

  /** The highest epoch seen so far. */
  get epoch(): number {
    return this.#epoch;
  }

  /**
   * Reads the epoch the fill starts from.
   *
   * @param transport The connected transport.
   */
  async start(transport: Transport): Promise<void> {
    this.#epoch = await currentEpoch(transport, servingMasters(transport.topology()));
  }

  /**
   * Compares every master's own view of its slots with where their keys were sent, and marks
   * the slots it returns as sent to their owner now (their keys are about to be re-sent there).
   *
   * @param transport The connected transport (its topology is refreshed).
   * @returns The slots to re-send, the epoch, and how many were migrating.
   * @throws whatever the transport throws when the topology cannot be read.
   */
  async check(transport: Transport): Promise<SlotMapCheck> {
    const topology = await transport.refresh();
    const masters = servingMasters(topology);
    const claims = new Array<string[]>(SLOT_COUNT);
    const moving = new Set<number>();
    await Promise.all(masters.map(async (node) => {
      const text = String(await transport.call(["CLUSTER", "NODES"], { node: node.id }));
      const self = parseClusterNodes(text).find((entry) => entry.flags.includes("myself"));
      for (const [start, end] of self?.slots ?? []) {
        for (let slot = start; slot <= end; slot++) (claims[slot] ??= []).push(node.id);
      }
      for (const migration of parseSlotMigrations(text)) moving.add(migration.slot);
    }));
    const epoch = await currentEpoch(transport, masters);
    const slots: number[] = [];
    const from: string[] = [];
    let migrating = 0;
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      const owners = claims[slot] ?? [];
      const settled = owners.length === 1 && owners[0] === this.#sentTo[slot] && !moving.has(slot);
      if (settled) continue;
      slots.push(slot);
      from.push(this.#sentTo[slot] ?? "");
      if (moving.has(slot)) migrating++;
      this.#sentTo[slot] = owners.length === 1 ? owners[0]! : "";
    }
    this.#epoch = Math.max(this.#epoch, epoch);
    return { slots, from, epoch, migrating };
  }
}

/**
 * The indices of `[start, end)` whose slot is in `slots`, ascending by slot, then index.
 *
 * @param slots The slots.
 * @param range The indices the fill writes.
 * @returns The indices.
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { indicesOfSlots } from "./reshard.ts";
 * deepEqual(indicesOfSlots([1, 3], { start: 0, end: 16390 }), [1, 16385, 3, 16387]);
 * ```
 */
export function indicesOfSlots(
  slots: readonly number[],
  range: { start: number; end: number },
): number[] {
  const indices: number[] = [];
  for (const slot of slots) {
    // The first index ≥ start in this slot: i ≡ slot (mod 16384).
    const first = range.start + ((slot - range.start % SLOT_COUNT + SLOT_COUNT) % SLOT_COUNT);
    for (let index = first; index < range.end; index += SLOT_COUNT) indices.push(index);
  }
  return indices;
}

/** The highest `cluster_current_epoch` of the masters that answer (0 when none does). */
async function currentEpoch(transport: Transport, masters: readonly NodeInfo[]): Promise<number> {
  const epochs = await Promise.all(
    masters.map((node) =>
      transport.call(["CLUSTER", "INFO"], { node: node.id }).then(
        (reply) => Number(infoField(String(reply), "cluster_current_epoch") ?? 0),
        () => 0,
      )
    ),
  );
  return Math.max(0, ...epochs.filter((epoch) => Number.isFinite(epoch)));
}
