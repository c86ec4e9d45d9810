/**
 * Helpers for the slot-migration tests (private to tests/faults): a plain client per node, a
 * poll-until, and a {@linkcode Migration} that moves slots step by step as
 * `redis-cli --cluster reshard` does (SETSLOT IMPORTING / MIGRATING, MIGRATE, SETSLOT NODE).
 *
 * @module
 */

import assert from "node:assert/strict";
import { Redis } from "ioredis";
import type { LocalNode } from "../../lib/local/mod.ts";

/** The integers of [start, end). */
export function range(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, k) => start + k);
}

/** A client for one node that neither retries nor reconnects. */
export function client(node: LocalNode): Redis {
  return new Redis({
    host: node.host,
    port: node.port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
}

/** Polls `probe` every 20 ms until it holds; fails naming `what` after `ms`. */
export async function until(
  what: string,
  probe: () => Promise<boolean>,
  ms = 20_000,
): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await probe())) {
    assert.ok(performance.now() < deadline, `${what} did not happen within ${ms / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Moves `slots` from `source` to `target` step by step, as `redis-cli --cluster reshard` does. */
export class Migration {
  constructor(
    readonly source: { node: LocalNode; redis: Redis },
    readonly target: { node: LocalNode; redis: Redis },
    readonly all: Redis[],
  ) {}

  /** SETSLOT IMPORTING on the target, then MIGRATING on the source. */
  async begin(slots: number[]): Promise<void> {
    for (const slot of slots) {
      await this.target.redis.call("CLUSTER", "SETSLOT", slot, "IMPORTING", this.source.node.id);
      await this.source.redis.call("CLUSTER", "SETSLOT", slot, "MIGRATING", this.target.node.id);
    }
  }

  /** MIGRATEs every key the source still has in `slots`, in batches; returns how many. */
  async moveKeys(slots: number[]): Promise<number> {
    let moved = 0;
    for (const slot of slots) {
      for (;;) {
        const keys = await this.source.redis.call(
          "CLUSTER",
          "GETKEYSINSLOT",
          slot,
          100,
        ) as string[];
        if (keys.length === 0) break;
        const { host, port } = this.target.node;
        await this.source.redis.call("MIGRATE", host, port, "", 0, 5000, "KEYS", ...keys);
        moved += keys.length;
      }
    }
    return moved;
  }

  /**
   * The reshard a fill meets: once the first key of every slot in `finished` and `asking` is
   * written, both start migrating and their keys move; `finished` are handed over while the
   * fill runs (its later keys get MOVED), `asking` only after it ends (they get ASK).
   *
   * @param fill The running fill.
   * @param finished Slots finished during the fill.
   * @param asking Slots left migrating until the fill is over.
   * @returns The fill's result, the keys moved during the fill and those still left after it.
   */
  async duringFill<T>(
    fill: Promise<T>,
    finished: number[],
    asking: number[],
  ): Promise<{ result: T; movedEarly: number; movedLate: number }> {
    fill.catch(() => {});
    const slots = [...finished, ...asking];
    await until("the first keys of the slots to move", async () => {
      const counts = await Promise.all(
        slots.map((slot) => this.all[0]!.call("CLUSTER", "COUNTKEYSINSLOT", slot)),
      );
      return counts.every((count) => Number(count) >= 1);
    });
    await this.begin(slots);
    const movedEarly = await this.moveKeys(slots);
    await this.finish(finished);
    const result = await fill;
    // The fill is over while `asking` still migrate: finish them now.
    const movedLate = await this.moveKeys(asking);
    await this.finish(asking);
    return { result, movedEarly, movedLate };
  }

  /** SETSLOT NODE target on the target, the source, then every other master. */
  async finish(slots: number[]): Promise<void> {
    const order = [
      this.target.redis,
      this.source.redis,
      ...this.all.filter((redis) => redis !== this.target.redis && redis !== this.source.redis),
    ];
    for (const slot of slots) {
      for (const redis of order) {
        await redis.call("CLUSTER", "SETSLOT", slot, "NODE", this.target.node.id);
      }
    }
  }
}
