/**
 * Deterministic report models for the snapshot tests, and a snapshot assertion
 * (`UPDATE_SNAPSHOTS=1 deno test -A tests/report` rewrites `fixtures/reports/`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { buildRunReport, type RunReport } from "../../lib/report/model.ts";
import type { FillResult, Target, Topology, VerifyResult } from "../../lib/types.ts";

const CREATED_AT = new Date("2025-01-02T03:04:05.000Z");

/** A TLS cluster target with a user and a password that must never show. */
export const CLUSTER_TARGET: Target = {
  host: "10.0.0.5",
  port: 7000,
  mode: "cluster",
  tls: { ca: "./ca.crt", servername: "redis.local" },
  username: "filler",
  password: "hunter2-never-shown",
  connectTimeoutMs: 5000,
  commandTimeoutMs: 10000,
};

const TOPOLOGY: Topology = {
  mode: "cluster",
  nodes: [
    { id: "a1", host: "10.0.0.5", port: 7000, role: "master", slots: [[0, 7999]] },
    { id: "b2", host: "10.0.0.6", port: 7001, role: "master", slots: [[8000, 11999]] },
    { id: "c3", host: "10.0.0.7", port: 7002, role: "master", slots: [[12000, 16383]] },
    { id: "d4", host: "10.0.0.8", port: 7003, role: "replica", masterId: "a1", slots: [] },
    { id: "e5", host: "10.0.0.9", port: 7004, role: "replica", masterId: "b2", slots: [] },
    { id: "f6", host: "10.0.0.10", port: 7005, role: "replica", masterId: "c3", slots: [] },
  ],
};

const FILL: FillResult = {
  keyspace: { count: 1048576, keySize: 512, valueSize: 512, seed: 7, prefix: "redfill:" },
  shard: { index: 0, count: 1 },
  written: true,
  flushed: true,
  acked: false,
  keys: 1048576,
  bytes: 1073741824,
  durationMs: 7234.5,
  cpuSeconds: 3.21,
  peakRssBytes: 96 * 1024 * 1024,
  nodes: [
    {
      nodeId: "a1",
      address: "10.0.0.5:7000",
      keys: 512000,
      bytes: 524288000,
      acked: 0,
      errors: 0,
      firstErrors: [],
      dbsize: 512000,
    },
    {
      nodeId: "b2",
      address: "10.0.0.6:7001",
      keys: 256000,
      bytes: 262144000,
      acked: 0,
      errors: 0,
      firstErrors: [],
      dbsize: 256000,
    },
    {
      nodeId: "c3",
      address: "10.0.0.7:7002",
      keys: 280576,
      bytes: 287309824,
      acked: 0,
      errors: 0,
      firstErrors: [],
      dbsize: 280576,
    },
  ],
  limit: {
    kind: "server-bound",
    summary: "server-bound (10.0.0.5:7000 used 0.97 of a core; the client 0.45)",
    clientCpu: 0.45,
    serverCpuMax: 0.97,
    servers: [
      { address: "10.0.0.5:7000", cpu: 0.97, inputMibPerSecond: 71.2, opsPerSecond: 72000 },
      { address: "10.0.0.6:7001", cpu: 0.52, inputMibPerSecond: 35.6, opsPerSecond: 36000 },
      { address: "10.0.0.7:7002", cpu: 0.55, inputMibPerSecond: 39.1, opsPerSecond: 39500 },
    ],
    unavailable: null,
  },
  errors: 0,
  interrupted: false,
  server: {
    read: true,
    readings: 3,
    nodes: [
      {
        nodeId: "a1",
        address: "10.0.0.5:7000",
        read: true,
        evictedKeys: 0,
        expiredKeys: 12,
        errorReplies: 2,
        rejectedCalls: 0,
        errors: { ERR: 2 },
      },
      {
        nodeId: "b2",
        address: "10.0.0.6:7001",
        read: true,
        evictedKeys: 0,
        expiredKeys: 0,
        errorReplies: 0,
        rejectedCalls: 0,
        errors: {},
      },
      {
        nodeId: "c3",
        address: "10.0.0.7:7002",
        read: false,
        reason: "NOPERM User filler has no permissions to run the 'info' command",
        evictedKeys: 0,
        expiredKeys: 0,
        errorReplies: 0,
        rejectedCalls: 0,
        errors: {},
      },
    ],
  },
};

const VERIFY_PASS: VerifyResult = {
  ok: true,
  checks: [
    { name: "count", ok: true, detail: "found 1048576 of 1048576, exact after a flush" },
    {
      name: "distribution",
      ok: true,
      detail:
        "largest deviation 0.00% on 10.0.0.5:7000 (512000 keys, 512000 expected by its 8000 slots), within ±20%",
    },
    {
      name: "content",
      ok: true,
      detail: "1000 sampled keys over 1000 slots match their expected values",
    },
    { name: "memory", ok: true, detail: "1.2 GiB used on 3 masters, 1248 bytes per key" },
  ],
  totalKeys: 1048576,
  expectedKeys: 1048576,
  maxDeviation: 0,
  tolerance: 0.2,
  sampled: 1000,
  mismatched: 0,
  nodes: [
    {
      nodeId: "a1",
      address: "10.0.0.5:7000",
      slots: 8000,
      keys: 512000,
      expectedKeys: 512000,
      deviation: 0,
      usedMemory: 639000000,
      maxMemory: 0,
    },
    {
      nodeId: "b2",
      address: "10.0.0.6:7001",
      slots: 4000,
      keys: 256000,
      expectedKeys: 256000,
      deviation: 0,
      usedMemory: 319500000,
      maxMemory: 0,
    },
    {
      nodeId: "c3",
      address: "10.0.0.7:7002",
      slots: 4384,
      keys: 280576,
      expectedKeys: 280576,
      deviation: 0,
      usedMemory: 350122848,
      maxMemory: 0,
    },
  ],
};

const VERIFY_FAIL: VerifyResult = {
  ok: false,
  checks: [
    {
      name: "count",
      ok: false,
      detail: "12000 keys missing: found 1036576 of 1048576 (10.0.0.6:7001 has 244000 of 256000)",
    },
    {
      name: "distribution",
      ok: true,
      detail:
        "largest deviation -4.69% on 10.0.0.6:7001 (244000 keys, 256000 expected by its 4000 slots), within ±20%",
    },
    {
      name: "content",
      ok: false,
      detail:
        '1 of 1000 sampled keys are wrong: key "redfill:{a7Q}0065535…" (index 65535) is missing',
    },
    {
      name: "memory",
      ok: true,
      detail:
        "1.2 GiB used on 3 masters, 1247 bytes per key; at maxmemory: 10.0.0.6:7001 (289.9 MiB of 289.9 MiB)",
    },
  ],
  totalKeys: 1036576,
  expectedKeys: 1048576,
  maxDeviation: 0.046875,
  tolerance: 0.2,
  sampled: 1000,
  mismatched: 1,
  nodes: [
    {
      nodeId: "a1",
      address: "10.0.0.5:7000",
      slots: 8000,
      keys: 512000,
      expectedKeys: 512000,
      deviation: 0,
      usedMemory: 639000000,
      maxMemory: 1000000000,
    },
    {
      nodeId: "b2",
      address: "10.0.0.6:7001",
      slots: 4000,
      keys: 244000,
      expectedKeys: 256000,
      deviation: -0.046875,
      usedMemory: 304000000,
      maxMemory: 304000000,
    },
    {
      nodeId: "c3",
      address: "10.0.0.7:7002",
      slots: 4384,
      keys: 280576,
      expectedKeys: 280576,
      deviation: 0,
      usedMemory: 350000000,
      maxMemory: 1000000000,
    },
  ],
};

/** One standalone server on 127.0.0.1:6379. */
const STANDALONE: Topology = {
  mode: "standalone",
  nodes: [{
    id: "standalone",
    host: "127.0.0.1",
    port: 6379,
    role: "master",
    slots: [[0, 16383]],
  }],
};

const STEPS = [
  { id: "connect", name: "connect", ok: true, durationMs: 12.4 },
  { id: "discover", name: "discover", ok: true, durationMs: 3.1 },
  { id: "flush", name: "flush", ok: true, durationMs: 41.7 },
  { id: "fill", name: "fill", ok: true, durationMs: 7240.2 },
];

/** A 3+3 TLS cluster filled with 1 GiB, verify passed. */
export function clusterPassReport(): RunReport {
  return buildRunReport({
    pipeline: "cluster-fill",
    target: CLUSTER_TARGET,
    topology: TOPOLOGY,
    fill: FILL,
    verify: VERIFY_PASS,
    steps: [...STEPS, { id: "verify", name: "verify", ok: true, durationMs: 812.9 }],
    thresholds: [
      {
        metric: "fill.throughput",
        expression: "> 100 MiB/s",
        ok: true,
        observed: 141.54,
        unit: "MiB/s",
        observedText: "141.5 MiB/s",
        abortOnFail: false,
        stoppedRun: false,
      },
      {
        metric: "verify.missing",
        expression: "== 0",
        ok: true,
        observed: 0,
        unit: "number",
        observedText: "0",
        abortOnFail: false,
        stoppedRun: false,
      },
    ],
    createdAt: CREATED_AT,
  });
}

/** The same cluster where one master hit maxmemory: verify failed (count and content). */
export function clusterFailReport(): RunReport {
  return buildRunReport({
    pipeline: "cluster-fill",
    target: CLUSTER_TARGET,
    topology: TOPOLOGY,
    fill: FILL,
    verify: VERIFY_FAIL,
    thresholds: [{
      metric: "verify.missing",
      expression: "== 0",
      ok: false,
      observed: 12000,
      unit: "number",
      observedText: "12000",
      abortOnFail: false,
      stoppedRun: false,
    }],
    steps: [...STEPS, {
      id: "verify",
      name: "verify",
      ok: false,
      durationMs: 790.3,
      error: `Verify failed: count: ${VERIFY_FAIL.checks[0]!.detail}; content: ${
        VERIFY_FAIL.checks[2]!.detail
      }`,
    }],
    createdAt: CREATED_AT,
  });
}

/** A standalone fill without verify, over plaintext, default user. */
export function standaloneFillReport(): RunReport {
  return buildRunReport({
    pipeline: "fill",
    target: {
      host: "127.0.0.1",
      port: 6379,
      mode: "auto",
      connectTimeoutMs: 5000,
      commandTimeoutMs: 10000,
    },
    topology: STANDALONE,
    fill: {
      ...FILL,
      keyspace: { ...FILL.keyspace, count: 262144, ttl: { min: 60, max: 120 } },
      acked: true,
      keys: 262144,
      bytes: 268435456,
      durationMs: 1712,
      cpuSeconds: 0.52,
      nodes: [{
        nodeId: "standalone",
        address: "127.0.0.1:6379",
        keys: 262144,
        bytes: 268435456,
        acked: 262144,
        errors: 0,
        firstErrors: [],
        dbsize: 262144,
      }],
    },
    steps: [
      { id: "connect", name: "connect", ok: true, durationMs: 2 },
      { id: "fill", name: "fill", ok: true, durationMs: 1715.5 },
    ],
    createdAt: CREATED_AT,
  });
}

/**
 * A standalone fill stopped by Ctrl-C: 22,862 of 32,768 keys written, verify never ran (the
 * run issue 11 found reported `"ok": true`).
 */
export function interruptedFillReport(): RunReport {
  const keys = 22_862;
  return buildRunReport({
    pipeline: "fill",
    target: {
      host: "127.0.0.1",
      port: 6379,
      mode: "standalone",
      connectTimeoutMs: 5000,
      commandTimeoutMs: 10000,
    },
    topology: STANDALONE,
    fill: {
      ...FILL,
      keyspace: { ...FILL.keyspace, count: 32_768 },
      flushed: false,
      keys,
      bytes: keys * 1024,
      durationMs: 2_790,
      cpuSeconds: 0.21,
      interrupted: true,
      nodes: [{
        nodeId: "standalone",
        address: "127.0.0.1:6379",
        keys,
        bytes: keys * 1024,
        acked: 0,
        errors: 0,
        firstErrors: [],
        dbsize: keys,
      }],
    },
    steps: [
      { id: "connect", name: "connect", ok: true, durationMs: 3 },
      { id: "flush", name: "flush", ok: true, durationMs: 0.2 },
      { id: "fill", name: "fill", ok: true, durationMs: 2_801 },
    ],
    interrupted: true,
    createdAt: CREATED_AT,
  });
}

/** The scenarios with a snapshot in `fixtures/reports/`, by file name. */
export const SCENARIOS = [
  ["cluster_pass", clusterPassReport],
  ["cluster_fail", clusterFailReport],
  ["standalone_fill", standaloneFillReport],
  ["standalone_interrupted", interruptedFillReport],
] as const;

/**
 * Compares text with a snapshot file, or rewrites the file when `UPDATE_SNAPSHOTS=1`.
 *
 * @param actual The rendered text.
 * @param name The file name under `fixtures/reports/`.
 */
export async function assertSnapshot(actual: string, name: string): Promise<void> {
  const url = new URL(`../../fixtures/reports/${name}`, import.meta.url);
  if (Deno.env.get("UPDATE_SNAPSHOTS") === "1") {
    await Deno.writeTextFile(url, actual);
    return;
  }
  let expected: string;
  try {
    expected = await Deno.readTextFile(url);
  } catch {
    assert.fail(`No snapshot fixtures/reports/${name}: run with UPDATE_SNAPSHOTS=1 to write it`);
  }
  assert.equal(
    actual,
    expected,
    `fixtures/reports/${name} differs (UPDATE_SNAPSHOTS=1 rewrites it)`,
  );
}
