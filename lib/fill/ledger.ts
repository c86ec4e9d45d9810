/**
 * The fill's ledger: every writer's counters, summed per node over the plans that still count,
 * as progress snapshots while the fill runs and as the {@linkcode FillResult} at the end.
 *
 * @module
 */

import { formatAddress } from "../address.ts";
import type {
  FillResult,
  KeyspaceParams,
  NodeFillResult,
  NodeInfo,
  NodeReplication,
  ProgressSnapshot,
  Shard,
} from "../types.ts";
import type { WriterCounters } from "./bulk_writer.ts";
import { newCounters, type WriterPlan } from "./plan.ts";
import { cpuSeconds, peakRssBytes } from "./process_stats.ts";

/** The distinct error replies a node's numbers quote at most. */
const MAX_QUOTED_ERRORS = 5;

/** Options for {@linkcode FillLedger}. */
export interface FillLedgerOptions {
  /** The keyspace written. */
  keyspace: KeyspaceParams;
  /** The part of the keyspace written. */
  shard: Shard;
  /** The masters of the first round: the result lists them first, in this order. */
  masters: readonly NodeInfo[];
  /** Keys to write in all (the shard's). */
  totalKeys: number;
  /** Whether the target was flushed before. */
  flushed: boolean;
  /** Acked mode was asked for. */
  acked: boolean;
  /** The fill's Ctrl-C signal: once aborted, the result says the fill was interrupted. */
  signal: AbortSignal;
}

/**
 * Counts what a fill wrote: holds every plan of every round, and the nodes written to (the
 * masters, then any node a later round wrote to). Time and CPU are counted from its making.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { FillLedger } from "./ledger.ts";
 * import { listPlan } from "./plan.ts";
 * const node = { id: "a", host: "127.0.0.1", port: 6379, role: "master" as const, slots: [] };
 * const ledger = new FillLedger({
 *   keyspace: { count: 4, keySize: 16, valueSize: 16, seed: 1, prefix: "p:" },
 *   shard: { index: 0, count: 1 }, masters: [node], totalKeys: 4, flushed: false, acked: false,
 *   signal: new AbortController().signal,
 * });
 * const plan = listPlan(node, [0, 1, 2, 3], false);
 * ledger.add([plan]);
 * plan.counters.keys = 3;
 * equal(ledger.snapshot().perNode["127.0.0.1:6379"], 3);
 * ```
 */
export class FillLedger {
  /** Set when a server refused `CLIENT REPLY` and a writer counted replies instead. */
  fellBack = false;
  readonly #options: FillLedgerOptions;
  readonly #plans: WriterPlan[] = [];
  readonly #nodes: NodeInfo[];
  readonly #keyValueBytes: number;
  /** When the fill started (`performance.now()`): its duration and throughput count from here. */
  readonly startedAt: number = performance.now();
  readonly #cpuStart = cpuSeconds();
  #peakRss = Deno.memoryUsage().rss;

  /** @param options The keyspace, shard, masters and flags of the fill. */
  constructor(options: FillLedgerOptions) {
    this.#options = options;
    this.#nodes = [...options.masters];
    this.#keyValueBytes = options.keyspace.keySize + options.keyspace.valueSize;
  }

  /** Every plan added so far, in order. */
  get plans(): readonly WriterPlan[] {
    return this.#plans;
  }

  /**
   * Adds a round's plans; their nodes join the result in order of first appearance.
   *
   * @param plans The plans.
   */
  add(plans: readonly WriterPlan[]): void {
    for (const plan of plans) {
      this.#plans.push(plan);
      if (!this.#nodes.some((node) => node.id === plan.node.id)) this.#nodes.push(plan.node);
    }
  }

  /**
   * Takes keys a node was sent back out of its numbers, because they are sent again to
   * another node (which counts them): each key counts once, where it was sent last.
   *
   * @param nodeId The node that was sent them.
   * @param keys How many.
   */
  uncount(nodeId: string, keys: number): void {
    const plan = this.#plans.find((candidate) =>
      candidate.node.id === nodeId && !candidate.replaced
    );
    if (!plan) return;
    plan.counters.keys -= keys;
    plan.counters.bytes -= keys * this.#keyValueBytes;
  }

  /**
   * A node's numbers: the sum over its plans that were not replaced, with the first few
   * distinct error replies.
   *
   * @param node The node.
   * @returns New counters.
   */
  nodeTotals(node: NodeInfo): WriterCounters {
    const total = newCounters();
    for (const plan of this.#plans) {
      if (plan.node.id !== node.id || plan.replaced) continue;
      total.keys += plan.counters.keys;
      total.bytes += plan.counters.bytes;
      total.acked += plan.counters.acked;
      total.errors += plan.counters.errors;
      for (const text of plan.counters.firstErrors) {
        if (total.firstErrors.length < MAX_QUOTED_ERRORS && !total.firstErrors.includes(text)) {
          total.firstErrors.push(text);
        }
      }
    }
    return total;
  }

  /**
   * The progress so far.
   *
   * @returns Keys and bytes sent, in all and per node address.
   */
  snapshot(): ProgressSnapshot {
    let keys = 0;
    let bytes = 0;
    const perNode: Record<string, number> = {};
    for (const node of this.#nodes) {
      const counters = this.nodeTotals(node);
      keys += counters.keys;
      bytes += counters.bytes;
      perNode[formatAddress(node.host, node.port)] = counters.keys;
    }
    const totalKeys = this.#options.totalKeys;
    return {
      keys,
      bytes,
      totalKeys,
      totalBytes: totalKeys * this.#keyValueBytes,
      elapsedMs: performance.now() - this.startedAt,
      perNode,
    };
  }

  /** The fewest replicas `WAIT` reported for a node's writers that still count, if any waited. */
  #replication(node: NodeInfo): { replication?: NodeReplication } {
    let replication: NodeReplication | undefined;
    for (const plan of this.#plans) {
      if (plan.node.id !== node.id || plan.replaced || !plan.replication) continue;
      if (!replication || plan.replication.acknowledged < replication.acknowledged) {
        replication = { ...plan.replication };
      }
    }
    return replication ? { replication } : {};
  }

  /** Notes the current RSS (the peak also reads VmHWM, where the system has it). */
  samplePeakRss(): void {
    this.#peakRss = Math.max(this.#peakRss, Deno.memoryUsage().rss);
  }

  /**
   * The result so far: what each node got, time, CPU and peak memory.
   *
   * @returns A new result.
   */
  result(): FillResult {
    const done = this.snapshot();
    const nodes: NodeFillResult[] = this.#nodes.map((node) => {
      const counters = this.nodeTotals(node);
      return {
        nodeId: node.id,
        address: `${formatAddress(node.host, node.port)}`,
        keys: counters.keys,
        bytes: counters.bytes,
        acked: counters.acked,
        errors: counters.errors,
        firstErrors: counters.firstErrors,
        ...this.#replication(node),
      };
    });
    const options = this.#options;
    return {
      keyspace: { ...options.keyspace },
      shard: options.shard,
      written: true,
      flushed: options.flushed,
      acked: options.acked || this.fellBack,
      keys: done.keys,
      bytes: done.bytes,
      durationMs: performance.now() - this.startedAt,
      cpuSeconds: cpuSeconds() - this.#cpuStart,
      peakRssBytes: Math.max(this.#peakRss, peakRssBytes()),
      nodes,
      errors: nodes.reduce((sum, node) => sum + node.errors, 0),
      interrupted: options.signal.aborted,
    };
  }
}
