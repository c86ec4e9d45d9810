/**
 * The servers' own counters of a fill: every master's `INFO stats` and `INFO errorstats`,
 * read before the fill, at each barrier and after it. With replies off the fill never sees an
 * `OOM` reply or an eviction; the server counts both (`errorstat_OOM`, `evicted_keys`), so
 * the differences tell what the fill could not. The counters are server-wide: another client's
 * errors, evictions and expirations count too.
 *
 * A node that does not answer `INFO` (an ACL user without `+info`, a proxy, a node lost
 * mid-fill) is not an error here: its counters are marked not read, with the reason.
 *
 * @module
 */

import { formatAddress } from "../address.ts";
import { parseInfo } from "../resp/info.ts";
import type { NodeInfo, NodeServerCounters, ServerCounters, Transport } from "../types.ts";

/** One reading of a node's counters. */
export interface CounterReading {
  /** `evicted_keys`. */
  evictedKeys: number;
  /** `expired_keys`. */
  expiredKeys: number;
  /** `total_error_replies`. */
  errorReplies: number;
  /** `rejected_calls`. */
  rejectedCalls: number;
  /** `errorstat_<PREFIX>:count=N`, by prefix (`OOM`, `NOPERM`, `MOVED`, …). */
  errors: Record<string, number>;
}

/** The text the server sends with an `OOM` rejection (Redis 6 and 7). */
export const OOM_TEXT = "OOM command not allowed when used memory > 'maxmemory'";

/**
 * Reads the counters out of the `INFO stats` and `INFO errorstats` replies.
 *
 * @param stats The `INFO stats` text.
 * @param errorstats The `INFO errorstats` text (empty before Redis 6.2).
 * @returns The counters; a field the server does not have is 0.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { parseCounters } from "./server_counters.ts";
 * const reading = parseCounters("evicted_keys:3\r\nexpired_keys:1\r\n", "errorstat_OOM:count=41409\r\n");
 * equal(reading.evictedKeys, 3);
 * equal(reading.errors.OOM, 41409);
 * ```
 */
export function parseCounters(stats: string, errorstats: string): CounterReading {
  const fields = parseInfo(stats);
  const number = (name: string) => {
    const value = Number(fields[name]);
    return Number.isFinite(value) ? value : 0;
  };
  const errors: Record<string, number> = {};
  for (const [name, value] of Object.entries(parseInfo(errorstats))) {
    const match = /^errorstat_(.+)$/.exec(name);
    const count = /(?:^|,)count=(\d+)/.exec(value);
    if (match && count) errors[match[1]!] = Number(count[1]);
  }
  return {
    evictedKeys: number("evicted_keys"),
    expiredKeys: number("expired_keys"),
    errorReplies: number("total_error_replies"),
    rejectedCalls: number("rejected_calls"),
    errors,
  };
}

/**
 * Reads one node's counters.
 *
 * @param transport The connected transport.
 * @param node The node.
 * @returns Its counters.
 * @throws whatever the transport throws (a refused `INFO`, a lost node).
 */
export async function readCounters(transport: Transport, node: NodeInfo): Promise<CounterReading> {
  const stats = await transport.call(["INFO", "stats"], { node: node.id });
  const errorstats = await transport.call(["INFO", "errorstats"], { node: node.id });
  return parseCounters(String(stats), String(errorstats));
}

/** What a barrier's reading found that the fill must act on, per node. */
export interface CounterFinding {
  /** The node. */
  node: NodeServerCounters;
  /** `OOM` rejections since the fill started. */
  rejected: number;
  /** Keys evicted since the fill started. */
  evicted: number;
}

interface NodeWatch {
  node: NodeInfo;
  first?: CounterReading;
  last?: CounterReading;
  reason?: string;
}

/**
 * Watches every master's counters through a fill: the first reading of a node is its
 * baseline, each later one its latest value; what a node did during the fill is the
 * difference.
 *
 * @example
 * ```ts ignore
 * const watch = new CounterWatch(transport);
 * await watch.read(masters); // before
 * // … a round of writers …
 * const findings = await watch.read(masters); // at the barrier
 * ```
 */
export class CounterWatch {
  readonly #transport: Transport;
  readonly #nodes = new Map<string, NodeWatch>();
  #readings = 0;

  /** @param transport The connected transport. */
  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Reads the counters of `masters` (a node seen for the first time gets its baseline), and
   * returns, per node read, what it counted since its baseline. Never throws: a node that
   * does not answer keeps its last reading and the reason.
   *
   * @param masters The masters now.
   * @returns Each node's rejections and evictions since the fill started.
   */
  async read(masters: readonly NodeInfo[]): Promise<CounterFinding[]> {
    this.#readings++;
    await Promise.all(masters.map(async (node) => {
      let watch = this.#nodes.get(node.id);
      if (!watch) this.#nodes.set(node.id, watch = { node });
      try {
        const reading = await readCounters(this.#transport, node);
        watch.first ??= reading;
        watch.last = reading;
        delete watch.reason;
      } catch (error) {
        watch.reason = reasonOf(error);
      }
    }));
    const findings: CounterFinding[] = [];
    for (const entry of this.result().nodes) {
      if (!entry.read) continue;
      findings.push({ node: entry, rejected: entry.errors.OOM ?? 0, evicted: entry.evictedKeys });
    }
    return findings;
  }

  /**
   * What every node counted during the fill, for the result.
   *
   * @returns The counters; `read` is false when no node answered `INFO`.
   */
  result(): ServerCounters {
    const nodes: NodeServerCounters[] = [...this.#nodes.values()].map((watch) => {
      const { first, last } = watch;
      const address = formatAddress(watch.node.host, watch.node.port);
      if (!first || !last) {
        return {
          nodeId: watch.node.id,
          address,
          read: false,
          reason: watch.reason ?? "not read",
          evictedKeys: 0,
          expiredKeys: 0,
          errorReplies: 0,
          rejectedCalls: 0,
          errors: {},
        };
      }
      const errors: Record<string, number> = {};
      for (const [name, count] of Object.entries(last.errors)) {
        const grown = count - (first.errors[name] ?? 0);
        if (grown > 0) errors[name] = grown;
      }
      return {
        nodeId: watch.node.id,
        address,
        read: true,
        ...(watch.reason === undefined ? {} : { reason: watch.reason }),
        evictedKeys: Math.max(0, last.evictedKeys - first.evictedKeys),
        expiredKeys: Math.max(0, last.expiredKeys - first.expiredKeys),
        errorReplies: Math.max(0, last.errorReplies - first.errorReplies),
        rejectedCalls: Math.max(0, last.rejectedCalls - first.rejectedCalls),
        errors,
      };
    });
    return { read: nodes.some((node) => node.read), readings: this.#readings, nodes };
  }
}

/** One line of why a node's counters could not be read. */
function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0]!.slice(0, 200);
}
