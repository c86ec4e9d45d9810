/**
 * Verify: compares what is on the servers with what a fill says it wrote — this fill's keys
 * per master and in total, each master's share against its share of slots, the contents of a
 * sample of keys (or of every key) recomputed from (seed, i) and compared byte for byte, TTLs,
 * and memory.
 *
 * Key i lives in slot i mod 16384, so the keys a master should hold are exactly the indices of
 * the written range whose slot it owns: the expectation is computed, not estimated. With
 * `count: exact` (the default) the keys found are counted one by one (batched `EXISTS` of
 * same-slot keys over data sockets), so whatever else the database holds never counts; with
 * `count: fast` DBSIZE stands in for them, which can only say "at least".
 *
 * Before counting, verify waits for a stable slot map (no slot migrating, every node agreeing)
 * and for a replica to take over from a master lost since the fill, and counts by slot against
 * the owners then; if the map moves while it counts, it counts again.
 *
 * @module
 */

import { formatAddress } from "../address.ts";
import { Keyspace, shardRange } from "../fill/keyspace.ts";
import { servingMasters } from "../cluster/nodes.ts";
import { SLOT_COUNT, slotCount, slotsOf } from "../cluster/slots.ts";
import { countIndices } from "../fill/batch.ts";
import { FILL_DEFAULTS, TARGET_DEFAULTS, VERIFY_DEFAULTS } from "../defaults.ts";
import { CheckFailedError, InterruptedError, RedfillError, UsageError } from "../errors.ts";
import { silentLogger } from "../logger.ts";
import { infoField } from "../resp/info.ts";
import { readServerFacts, serverFactChecks } from "./_server_facts.ts";
import type {
  FillResult,
  KeyRef,
  Logger,
  NodeInfo,
  NodeVerifyResult,
  Topology,
  Transport,
  VerifyCheck,
  VerifyFailover,
  VerifyResult,
} from "../types.ts";
import {
  deviationOf,
  distributionCheck,
  exactCountCheck,
  fastCountCheck,
  fullContentCheck,
  memoryCheck,
  NAMED_KEYS,
  sampleContentCheck,
  type SampleMismatch,
  topologyCheck,
  ttlCheck,
} from "./_checks.ts";
import { isFatalReply, SlotMovedError } from "./_pass.ts";
import { type ContentReader, readKeys, stringContent } from "./content.ts";
import { countKeys, keyCountingFor } from "./count.ts";
import { sampleIndices } from "./sample.ts";
import { settleTopology, type SettleTopologyOptions, slotMapOf } from "./settle.ts";
import { displayKey, named } from "./display.ts";

export { declaredFill, type DeclaredFillOptions } from "./declared.ts";
export { displayKey } from "./display.ts";

/** Options for {@linkcode verifyFill}. */
export interface VerifyFillOptions {
  /** Largest allowed |deviation| of a master's keys from its slot share, as a fraction. */
  tolerance?: number | undefined;
  /** Keys whose contents are fetched and compared (0 skips the content check). */
  sample?: number | undefined;
  /** `exact` (default): this fill's keys, by batched EXISTS; `fast`: DBSIZE (at least). */
  count?: "exact" | "fast" | undefined;
  /** `sample` (default): the sampled keys' contents; `full`: every key's. */
  content?: "sample" | "full" | undefined;
  /** How long to wait for a stable slot map, in milliseconds (default 30 s). */
  stableTimeoutMs?: number | undefined;
  /** How long to wait for a replica to take over a lost master (default: the fill's, 30 s). */
  failoverTimeoutMs?: number | undefined;
  /** Data sockets per master for the count and the full read (default 1; 2 standalone). */
  connections?: number | undefined;
  /** A data socket that gets no reply for this long fails, in milliseconds (default 10 s). */
  commandTimeoutMs?: number | undefined;
  /** Reads and judges each key for `content: full` (default: the string shape's GET). */
  reader?: ContentReader | undefined;
  /** Where to log details (default: nowhere). */
  logger?: Logger | undefined;
  /** Stops a wait or a count. */
  signal?: AbortSignal | undefined;
}

/** Sampled keys fetched at once (the control plane pipelines concurrent calls on each socket). */
const SAMPLE_BATCH = 200;
/** Key passes run again, at most, when the slot map moves under them. */
const PASS_ATTEMPTS = 3;

/**
 * Checks a fill against the servers behind a connected transport.
 *
 * With `count: exact` the count and the spread are this fill's keys only, found one by one:
 * exact whatever else the database holds, for a shard as for the whole keyspace, flushed or
 * not; after a flush DBSIZE is compared too, as a cross-check. With `count: fast` (DBSIZE)
 * counts are exact only when the fill flushed first and wrote the whole keyspace; otherwise
 * every master must hold at least its share, and a master's deviation compares its share of
 * the keys found with its share of the keys expected. A `fill` with `written: false` (a
 * keyspace declared for a fill made earlier) is checked the same way.
 *
 * @example
 * ```ts ignore
 * const fill = await runFill(transport, { keyspace, flushed: true, logger });
 * const result = await verifyFill(transport, fill, { tolerance: 0.2, sample: 1000 });
 * if (!result.ok) console.log(result.checks.filter((check) => !check.ok));
 * ```
 *
 * @param transport A connected transport.
 * @param fill What the fill says it wrote (or the declared keyspace).
 * @param options Tolerance, sample, count and content modes, timeouts and logger.
 * @returns Every check with its numbers, per master and in total.
 * @throws {ConnectionError} when a node cannot be reached, or a master stopped and no replica
 *   took over.
 * @throws {CheckFailedError} when the slot map does not settle in time.
 * @throws {UsageError} when the keyspace parameters are invalid.
 */
export async function verifyFill(
  transport: Transport,
  fill: FillResult,
  options: VerifyFillOptions = {},
): Promise<VerifyResult> {
  const tolerance = options.tolerance ?? VERIFY_DEFAULTS.tolerance;
  const sample = options.sample ?? VERIFY_DEFAULTS.sample;
  const countMode = options.count ?? VERIFY_DEFAULTS.count;
  const contentMode = options.content ?? VERIFY_DEFAULTS.content;
  const logger = options.logger ?? silentLogger;
  const keyspace = new Keyspace(fill.keyspace);
  const range = shardRange(keyspace.count, fill.shard);
  const sharded = fill.shard.count > 1;
  const expectedKeys = range.end - range.start;
  const settleOptions: SettleTopologyOptions = {
    stableTimeoutMs: options.stableTimeoutMs ?? VERIFY_DEFAULTS.stableTimeoutMs,
    failoverTimeoutMs: options.failoverTimeoutMs ?? FILL_DEFAULTS.failoverTimeoutMs,
    logger,
    signal: options.signal,
  };

  const settled = await settleTopology(transport, settleOptions);
  const failovers: VerifyFailover[] = [];
  const noteFailovers = (list: readonly VerifyFailover[]) => {
    for (const failover of list) {
      logger.warn(`${failover.from} failed over to ${failover.to} before verify`);
      failovers.push(failover);
    }
  };
  noteFailovers(settled.failovers);
  let topology = settled.topology;
  const indices = sampleIndices(range.start, range.end, sample);
  // With content: full every key is read anyway; else the sample's values are read too.
  const valueSample = contentMode === "full" ? [] : indices;
  let pass: KeyPass | undefined;
  let values: SampleRead = { named: [], total: 0 };
  if (countMode === "exact" || contentMode === "full" || valueSample.length > 0) {
    const outcome = await keyPass(transport, keyspace, range, topology, {
      all: countMode === "exact" || contentMode === "full",
      full: contentMode === "full",
      sample: valueSample,
      reader: options.reader ?? stringContent(keyspace),
      connections: options.connections ?? (topology.mode === "cluster" ? 1 : 2),
      timeoutMs: options.commandTimeoutMs ?? TARGET_DEFAULTS.commandTimeoutMs,
      settleOptions,
      noteFailovers,
      logger,
      signal: options.signal,
    });
    pass = outcome.pass;
    values = outcome.sample;
    topology = outcome.topology;
  }
  const masters = servingMasters(topology);

  // A user without DBSIZE or INFO (or a proxy) still gets the exact count; the report says so.
  const facts = await readServerFacts(transport, countMode);
  const { sizes, memory } = facts;
  const nodes: NodeVerifyResult[] = masters.map((node) => {
    const dbsize = sizes instanceof Error
      ? undefined
      : Number(sizes.find((entry) => entry.node.id === node.id)?.reply ?? 0);
    const counted = countMode === "exact" ? pass?.masters.get(node.id) : undefined;
    const expected = countIndices(slotsOf(node.slots), range.start, range.end);
    const info = memory instanceof Error
      ? ""
      : String(memory.find((entry) => entry.node.id === node.id)?.reply ?? "");
    return {
      nodeId: node.id,
      address: formatAddress(node.host, node.port),
      slots: slotCount(node.slots),
      keys: counted?.found ?? dbsize ?? 0,
      expectedKeys: expected,
      deviation: 0,
      usedMemory: Number(infoField(info, "used_memory") ?? 0),
      maxMemory: Number(infoField(info, "maxmemory") ?? 0),
      ...(counted === undefined ? {} : { missing: expected - counted.found }),
      dbsize,
    };
  });
  const totalKeys = nodes.reduce((sum, node) => sum + node.keys, 0);
  const dbsizeTotal = sizes instanceof Error
    ? undefined
    : nodes.reduce((sum, node) => sum + (node.dbsize ?? 0), 0);
  // DBSIZE alone is exact only after a flush of a whole (unsharded) fill.
  const exact = countMode === "exact" || (fill.flushed && !sharded);
  for (const node of nodes) {
    node.deviation = exact || totalKeys === 0
      ? deviationOf(node.keys, node.expectedKeys)
      // Other shards and earlier keys add to every master: compare shares, not counts.
      : deviationOf(node.keys / totalKeys, node.expectedKeys / Math.max(1, expectedKeys));
  }
  logger.debug(
    `verify: ${totalKeys} keys found, ${expectedKeys} expected (${
      countMode === "exact" ? "exact" : exact ? "DBSIZE after a flush" : "at least"
    })`,
  );

  const missingKeys = pass === undefined ? [] : named(keyspace, pass.missing);
  const checks: VerifyCheck[] = [];
  const topologyNote = topologyCheck(failovers, settled.waitedMs, settled.waitedFor);
  if (topologyNote) checks.push(topologyNote);
  checks.push(
    countMode === "exact"
      ? exactCountCheck({
        nodes,
        total: totalKeys,
        expected: expectedKeys,
        missing: missingKeys,
        by: pass!.by,
        interrupted: fill.interrupted,
        dbsizeAfterFlush: fill.flushed && !sharded ? dbsizeTotal : undefined,
      })
      : fastCountCheck(nodes, totalKeys, expectedKeys, {
        exact,
        sharded,
        interrupted: fill.interrupted,
      }),
  );
  const largest = nodes.reduce<NodeVerifyResult | undefined>(
    (worst, node) =>
      worst === undefined || Math.abs(node.deviation) > Math.abs(worst.deviation) ? node : worst,
    undefined,
  );
  const maxDeviation = largest === undefined ? 0 : Math.abs(largest.deviation);
  checks.push(
    distributionCheck(largest, maxDeviation, tolerance, {
      found: totalKeys,
      expected: expectedKeys,
      exact,
    }),
  );

  const full = contentMode === "full" ? pass : undefined;
  const ttls = fill.keyspace.ttl === undefined
    ? { badTtl: [], present: 0 }
    : await checkTtls(transport, keyspace, indices);
  let wrongKeys: KeyRef[] = [];
  if (full !== undefined) {
    wrongKeys = named(keyspace, full.wrong);
    checks.push(fullContentCheck({
      checked: expectedKeys,
      missing: expectedKeys - full.found,
      differing: full.differing,
      missingKeys,
      wrongKeys,
      keysPerSecond: full.keysPerSecond,
      by: full.by,
    }));
  } else {
    const slots = new Set(indices.map((index) => index % SLOT_COUNT)).size;
    checks.push(sampleContentCheck(values.named, values.total, indices.length, slots));
    logger.debug(
      `verify: ${indices.length} sampled keys over ${slots} slots, ${values.total} differ`,
    );
  }
  if (fill.keyspace.ttl !== undefined) {
    checks.push(ttlCheck(ttls.badTtl, fill.keyspace.ttl, ttls.present));
  }
  checks.push(...serverFactChecks(facts, () => memoryCheck(nodes, dbsizeTotal ?? totalKeys)));

  return {
    ok: checks.every((check) => check.ok),
    checks,
    totalKeys,
    expectedKeys,
    maxDeviation,
    tolerance,
    sampled: full === undefined ? indices.length : expectedKeys,
    mismatched: full === undefined ? values.total : expectedKeys - full.found + full.differing,
    nodes,
    count: countMode,
    content: contentMode,
    checkedKeys: pass === undefined ? 0 : expectedKeys,
    ...(pass === undefined ? {} : { keysPerSecond: pass.keysPerSecond }),
    missingKeys,
    wrongKeys,
    failovers,
  };
}

/** What the exact count or the full read found, per master and in all. */
interface KeyPass {
  /** Per master id. */
  masters: Map<string, { found: number }>;
  /** Keys that exist, in all. */
  found: number;
  /** Keys whose contents differ (full read). */
  differing: number;
  /** The first missing indices, ascending. */
  missing: number[];
  /** The first indices whose contents differ, ascending (full read). */
  wrong: number[];
  /** Keys looked at per second. */
  keysPerSecond: number;
  /** The command that found them: `EXISTS`, `GET`. */
  by: string;
}

/** What reading the sampled keys' values found. */
interface SampleRead {
  /** The first few wrong keys, by index. */
  named: SampleMismatch[];
  /** Sampled keys missing or different, in all. */
  total: number;
}

interface KeyPassOptions {
  /** Count (or read) every key of the range. */
  all: boolean;
  /** Read every key's contents (else only count them). */
  full: boolean;
  /** Indices whose values are read and compared (a sample). */
  sample: readonly number[];
  timeoutMs: number;
  reader: ContentReader;
  connections: number;
  settleOptions: SettleTopologyOptions;
  noteFailovers: (failovers: readonly VerifyFailover[]) => void;
  logger: Logger;
  signal: AbortSignal | undefined;
}

/**
 * Counts (or reads) every key of the range on the masters of `topology`, and reads the
 * sampled keys' values, then checks that the slot map did not move meanwhile; when it did, or
 * a slot moved under a command, or a node was lost, it waits for a stable map again and starts
 * over (at most three times).
 */
async function keyPass(
  transport: Transport,
  keyspace: Keyspace,
  range: { start: number; end: number },
  start: Topology,
  options: KeyPassOptions,
): Promise<{ pass: KeyPass | undefined; sample: SampleRead; topology: Topology }> {
  let topology = start;
  const counting = keyCountingFor(transport, topology.mode);
  for (let attempt = 1;; attempt++) {
    const masters = servingMasters(topology);
    let why: string;
    try {
      const started = performance.now();
      const passOptions = {
        names: NAMED_KEYS,
        connections: options.connections,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
      };
      const perMaster = !options.all
        ? undefined
        : options.full
        ? await readKeys(transport, options.reader, range, masters, passOptions)
        : await countKeys(transport, keyspace, range, masters, { ...passOptions, counting });
      const seconds = (performance.now() - started) / 1000;
      const sample = options.sample.length === 0 ? [] : await readKeys(
        transport,
        options.reader,
        range,
        masters,
        { ...passOptions, indices: options.sample },
      );
      // No quiet period here: the map only has to be the one the pass counted against.
      const after = await settleTopology(transport, { ...options.settleOptions, quietMs: 0 });
      options.noteFailovers(after.failovers);
      if (slotMapOf(after.topology.nodes) === slotMapOf(topology.nodes)) {
        return {
          pass: perMaster && summarize(perMaster, range, seconds, options, counting.command),
          sample: sampleRead(keyspace, sample),
          topology,
        };
      }
      why = "the slot map changed while verify counted";
      const again = await settleTopology(transport, { ...options.settleOptions, moving: true });
      options.noteFailovers(again.failovers);
      topology = again.topology;
    } catch (error) {
      if (!retryable(error)) throw error;
      // A node lost on the last attempt is that node's error; a slot that moved is the map's.
      if (attempt >= PASS_ATTEMPTS && !(error instanceof SlotMovedError)) throw error;
      why = error instanceof Error ? error.message : String(error);
      if (attempt < PASS_ATTEMPTS) {
        const again = await settleTopology(transport, { ...options.settleOptions, moving: true });
        options.noteFailovers(again.failovers);
        topology = again.topology;
      }
    }
    if (attempt >= PASS_ATTEMPTS) {
      throw new CheckFailedError(
        `The slot map kept changing while verify counted (${attempt} times; last: ${why}): run verify again once the cluster is stable`,
      );
    }
    options.logger.info(`Verify counts again: ${why}`);
  }
}

function summarize(
  perMaster: ReadonlyArray<
    { node: NodeInfo; found: number; missing: number[]; differing?: number; wrong?: number[] }
  >,
  range: { start: number; end: number },
  seconds: number,
  options: KeyPassOptions,
  counted: string,
): KeyPass {
  const first = (lists: number[][]) => lists.flat().sort((a, b) => a - b).slice(0, NAMED_KEYS);
  return {
    masters: new Map(perMaster.map((entry) => [entry.node.id, { found: entry.found }])),
    found: perMaster.reduce((sum, entry) => sum + entry.found, 0),
    differing: perMaster.reduce((sum, entry) => sum + (entry.differing ?? 0), 0),
    missing: first(perMaster.map((entry) => entry.missing)),
    wrong: first(perMaster.map((entry) => entry.wrong ?? [])),
    keysPerSecond: (range.end - range.start) / Math.max(seconds, 1e-6),
    by: options.full ? options.reader.command : counted,
  };
}

/** Whether a failed key pass may succeed once the slot map is stable again. */
function retryable(error: unknown): boolean {
  if (isFatalReply(error) || error instanceof UsageError || error instanceof InterruptedError) {
    return false;
  }
  return error instanceof RedfillError || error instanceof SlotMovedError;
}

/** The wrong sampled keys: counted in all, the first few named. */
function sampleRead(
  keyspace: Keyspace,
  perMaster: ReadonlyArray<
    { expected: number; found: number; differing: number; missing: number[]; wrong: number[] }
  >,
): SampleRead {
  const named = perMaster.flatMap((entry) => [
    ...entry.missing.map((index) => ({ index, key: displayKey(keyspace, index), missing: true })),
    ...entry.wrong.map((index) => ({ index, key: displayKey(keyspace, index), missing: false })),
  ]).sort((a, b) => a.index - b.index).slice(0, NAMED_KEYS);
  const total = perMaster.reduce(
    (sum, entry) => sum + entry.expected - entry.found + entry.differing,
    0,
  );
  return { named, total };
}

/**
 * Reads the TTLs of the sampled keys through the control plane (routed by key, following
 * MOVED and ASK) and names those out of the keyspace's range; missing keys are the count's
 * finding, not the TTL's.
 */
async function checkTtls(
  transport: Transport,
  keyspace: Keyspace,
  indices: number[],
): Promise<{ badTtl: { key: string; ttl: number }[]; present: number }> {
  const badTtl: { key: string; ttl: number }[] = [];
  let present = 0;
  for (let from = 0; from < indices.length; from += SAMPLE_BATCH) {
    const batch = indices.slice(from, from + SAMPLE_BATCH);
    await Promise.all(batch.map(async (index) => {
      const key = keyspace.keyString(index);
      const seconds = Number(await transport.call(["TTL", key], { key }));
      if (seconds === -2) return;
      present++;
      if (!(seconds > 0 && seconds <= keyspace.params.ttl!.max)) {
        badTtl.push({ key: displayKey(keyspace, index), ttl: seconds });
      }
    }));
  }
  return { badTtl, present };
}
