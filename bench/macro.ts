/**
 * The macro benchmark: local servers started for the run (standalone, a cluster of 3 masters,
 * a cluster of 3 masters + 3 replicas, a TLS standalone server), then interleaved rounds of
 * the raw ceiling and the fills, each into an empty server, each in a fresh process.
 *
 * Per run it records MiB/s, client CPU per GiB, the peak RSS of the process that ran it, and
 * the server CPU (INFO cpu deltas summed over the masters; replicas separately). After the
 * standalone and 3-master fills, verify runs twice on what they wrote, each in a fresh
 * process: the exact count (with the default 1000 sampled values) and every key read back.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { keyCount } from "../lib/fill/keyspace.ts";
import { infoField } from "../lib/resp/info.ts";
import { localTarget, startLocalRedis } from "../lib/local/mod.ts";
import type { LocalRedis, LocalRedisOptions } from "../lib/local/mod.ts";
import { ClusterTransport } from "../lib/transport/cluster.ts";
import { StandaloneTransport } from "../lib/transport/standalone.ts";
import type { KeyspaceParams, Logger, Target, Transport } from "../lib/types.ts";
import { mibPerSecond } from "../lib/units.ts";
import type { CaseOutput, CaseSpec } from "./_case.ts";
import {
  CASE_IDS,
  type CaseId,
  type CaseInfo,
  GIB,
  MIB,
  type RunResult,
  VERIFY_CASES,
  VERIFY_MODES,
  type VerifyRunResult,
} from "./results.ts";

/** Options for {@linkcode runMacro}. */
export interface MacroOptions {
  /** Bytes of keys and values per run. */
  sizeBytes: number;
  /** Key size in bytes. */
  keySize: number;
  /** Value size in bytes. */
  valueSize: number;
  /** Keyspace seed. */
  seed: number;
  /** Rounds; each round runs every case once. */
  rounds: number;
  /** Writers per master for every fill (default: the fill's own defaults). */
  connections?: number | undefined;
  /** Bytes per batch buffer for every fill (default: the fill's own). */
  batchBytes?: number | undefined;
  /** The cases to run (default all, in {@linkcode CASE_IDS} order). */
  cases?: readonly CaseId[] | undefined;
  /** Measure verify (exact count, every key read back) after the standalone and 3-master fills (default true). */
  verify?: boolean | undefined;
  /** Receives one line per server start and per run. */
  log: (line: string) => void;
}

/** What {@linkcode runMacro} measured. */
export interface MacroOutcome {
  /** The cases that ran. */
  cases: CaseInfo[];
  /** Every run, in the order they ran. */
  runs: RunResult[];
  /** Every verify run, in the order they ran. */
  verifyRuns: VerifyRunResult[];
  /** `redis_version` of the servers. */
  redisVersion: string | null;
}

type SetupId = "standalone" | "cluster-3x0" | "cluster-3x3" | "tls";

const SETUPS: Record<SetupId, LocalRedisOptions> = {
  "standalone": {},
  "cluster-3x0": { cluster: true, masters: 3, replicas: 0 },
  "cluster-3x3": { cluster: true, masters: 3, replicas: 1 },
  "tls": { tls: true },
};

const CASE_SETUP: Record<CaseId, SetupId> = {
  "ceiling": "standalone",
  "standalone": "standalone",
  "cluster-3x0": "cluster-3x0",
  "cluster-3x3": "cluster-3x3",
  "tls": "tls",
};

const CASE_LABELS: Record<CaseId, string> = {
  "ceiling": "raw ceiling (1 socket, pre-generated)",
  "standalone": "standalone fill",
  "cluster-3x0": "cluster fill, 3 masters",
  "cluster-3x3": "cluster fill, 3 masters + 3 replicas",
  "tls": "TLS standalone fill",
};

interface Setup {
  redis: LocalRedis;
  target: Target;
  control: Transport;
}

const quiet: Logger = { debug() {}, info() {}, warn() {} };
/** A file of this folder, as a path (the benchmark runs from a local copy of redfill). */
function localFile(relative: string): string {
  return fileURLToPath(new URL(relative, import.meta.url));
}

/**
 * Starts the local servers, runs the rounds, stops the servers.
 *
 * @param options Sizes, rounds and fill settings.
 * @returns Every run.
 * @throws {Error} when a run fails or a fill does not land every key.
 */
export async function runMacro(options: MacroOptions): Promise<MacroOutcome> {
  const caseIds = options.cases ?? CASE_IDS;
  const keyspace: KeyspaceParams = {
    count: keyCount(options.sizeBytes, options.keySize, options.valueSize),
    keySize: options.keySize,
    valueSize: options.valueSize,
    seed: options.seed,
    prefix: "redfill:",
  };
  const setups = new Map<SetupId, Setup>();
  try {
    for (const id of new Set(caseIds.map((c) => CASE_SETUP[c]))) {
      const started = performance.now();
      const setup = await startSetup(SETUPS[id]);
      setups.set(id, setup);
      options.log(
        `Started local ${id} (${setup.redis.nodes.length} node${
          setup.redis.nodes.length === 1 ? "" : "s"
        }) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    const cases: CaseInfo[] = caseIds.map((id) => {
      const redis = setups.get(CASE_SETUP[id])!.redis;
      return {
        id,
        label: CASE_LABELS[id],
        kind: id === "ceiling" ? "ceiling" : "fill",
        mode: redis.kind,
        tls: redis.tls !== undefined,
        masters: redis.masters().length,
        replicas: redis.masters().length === 0
          ? 0
          : redis.replicas().length / redis.masters().length,
        connections: id === "ceiling" ? 1 : options.connections ?? null,
      };
    });
    const runs: RunResult[] = [];
    const verifyRuns: VerifyRunResult[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      for (const info of cases) {
        const setup = setups.get(CASE_SETUP[info.id])!;
        const { run, verify } = await runOne(setup, info, round, keyspace, options);
        runs.push(run);
        verifyRuns.push(...verify);
        options.log(
          `Round ${round}/${options.rounds} ${info.id.padEnd(12)} ${
            run.mibPerSecond.toFixed(1).padStart(7)
          } MiB/s  client ${run.clientCpuPerGib.toFixed(2)} CPU-s/GiB  server ${
            run.serverCpuPerGib.toFixed(2)
          } CPU-s/GiB  RSS ${(run.peakRssBytes / MIB).toFixed(0)} MiB`,
        );
        for (const check of verify) {
          options.log(
            `Round ${round}/${options.rounds} ${`${info.id}+verify-${check.mode}`} ${
              (check.keysPerSecond / 1000).toFixed(0)
            }k keys/s  ${check.secondsPerGib.toFixed(2)} s/GiB filled  ${
              check.fillRatio.toFixed(2)
            }× the fill's time`,
          );
        }
      }
    }
    const standalone = setups.values().next().value;
    const redisVersion = standalone
      ? infoField(String(await standalone.control.call(["INFO", "server"])), "redis_version") ??
        null
      : null;
    return { cases, runs, verifyRuns, redisVersion };
  } finally {
    for (const setup of setups.values()) {
      await setup.control.close().catch(() => {});
      await setup.redis.stop();
    }
  }
}

async function startSetup(options: LocalRedisOptions): Promise<Setup> {
  // The command's own signal listener (lib/cli/signals.ts) quits on Ctrl-C; lib/local's
  // unload listener then kills these servers.
  const redis = await startLocalRedis({ ...options, handleSignals: false });
  const target: Target = localTarget(redis, { commandTimeoutMs: 60_000 });
  const init = { target, logger: quiet };
  const control = redis.kind === "cluster"
    ? new ClusterTransport(init)
    : new StandaloneTransport(init);
  try {
    await control.connect();
  } catch (error) {
    await redis.stop();
    throw error;
  }
  return { redis, target, control };
}

async function runOne(
  setup: Setup,
  info: CaseInfo,
  round: number,
  keyspace: KeyspaceParams,
  options: MacroOptions,
): Promise<{ run: RunResult; verify: VerifyRunResult[] }> {
  await setup.control.callEachMaster(["FLUSHALL"]);
  await settleReplicas(setup);
  const before = await serverCpu(setup);
  const load = Deno.loadavg()[0] ?? 0;
  const spec: CaseSpec = {
    kind: info.kind,
    target: setup.target,
    keyspace,
    connections: info.kind === "fill" ? options.connections : undefined,
    batchBytes: info.kind === "fill" ? options.batchBytes : undefined,
  };
  const output = await runCaseProcess(spec, info.id);
  await settleReplicas(setup);
  const after = await serverCpu(setup);
  const sizes = await setup.control.callEachMaster(["DBSIZE"]);
  const dbsize = sizes.reduce((sum, { reply }) => sum + Number(reply), 0);
  if (dbsize !== keyspace.count) {
    throw new Error(
      `The ${info.id} run of round ${round} left ${dbsize} keys instead of ${keyspace.count}: the measurement is void`,
    );
  }
  const verify: VerifyRunResult[] = [];
  if (options.verify !== false && VERIFY_CASES.includes(info.id)) {
    for (const mode of VERIFY_MODES) {
      const checked = await runCaseProcess(
        { kind: `verify-${mode}`, target: setup.target, keyspace },
        info.id,
      );
      if (checked.ok !== true) {
        throw new Error(
          `Verify (${mode}) after the ${info.id} run of round ${round} failed: the measurement is void`,
        );
      }
      verify.push({
        case: info.id,
        round,
        mode,
        keys: checked.keys,
        durationMs: checked.durationMs,
        keysPerSecond: checked.keys / (checked.durationMs / 1000),
        secondsPerGib: checked.durationMs / 1000 / (output.bytes / GIB),
        fillRatio: checked.durationMs / output.durationMs,
        clientCpuSeconds: checked.cpuSeconds,
        peakRssBytes: checked.peakRssBytes,
        ok: checked.ok,
      });
    }
  }
  await setup.control.callEachMaster(["FLUSHALL"]);
  const gib = output.bytes / GIB;
  const masterCpu = after.masters - before.masters;
  const run: RunResult = {
    case: info.id,
    round,
    keys: output.keys,
    bytes: output.bytes,
    dbsize,
    durationMs: output.durationMs,
    mibPerSecond: mibPerSecond(output.bytes, output.durationMs),
    clientCpuSeconds: output.cpuSeconds,
    clientCpuPerGib: output.cpuSeconds / gib,
    peakRssBytes: output.peakRssBytes,
    serverCpuSeconds: masterCpu,
    serverCpuPerGib: masterCpu / gib,
    replicaCpuSeconds: after.replicas - before.replicas,
    loadAverage1m: load,
  };
  return { run, verify };
}

async function runCaseProcess(spec: CaseSpec, id: CaseId): Promise<CaseOutput> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--config",
      localFile("../deno.json"),
      localFile("./_case.ts"),
      JSON.stringify(spec),
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout).trim();
  const stderr = new TextDecoder().decode(output.stderr).trim();
  if (!output.success) {
    throw new Error(`The ${id} run failed (exit ${output.code}): ${stderr || stdout}`);
  }
  const last = stdout.split("\n").at(-1) ?? "";
  return JSON.parse(last) as CaseOutput;
}

async function serverCpu(setup: Setup): Promise<{ masters: number; replicas: number }> {
  let masters = 0;
  let replicas = 0;
  for (const node of setup.redis.nodes) {
    const info = String(
      await setup.control.call(["INFO", "cpu"], { node: `${node.host}:${node.port}` }),
    );
    const seconds = Number(infoField(info, "used_cpu_sys")) +
      Number(infoField(info, "used_cpu_user"));
    if (node.role === "master") masters += seconds;
    else replicas += seconds;
  }
  return { masters, replicas };
}

/** Waits until every replica has processed its master's whole replication stream. */
async function settleReplicas(setup: Setup): Promise<void> {
  if (setup.redis.replicas().length === 0) return;
  const deadline = Date.now() + 120_000;
  for (const master of setup.redis.masters()) {
    for (;;) {
      const info = String(
        await setup.control.call(["INFO", "replication"], {
          node: `${master.host}:${master.port}`,
        }),
      );
      const offset = Number(infoField(info, "master_repl_offset"));
      const lagging = [...info.matchAll(/^slave\d+:.*offset=(\d+)/gm)]
        .some((match) => Number(match[1]) < offset);
      if (!lagging) break;
      if (Date.now() > deadline) {
        throw new Error(`The replicas of ${master.host}:${master.port} did not catch up in 120 s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
