/**
 * Helpers shared by the `lib/local` tests.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { LocalRedis } from "../../lib/local/mod.ts";

/** PEM contents of a run's CA and client certificate, as ioredis takes them. */
export interface ClientTls {
  /** The CA. */
  ca: string;
  /** The client certificate. */
  cert: string;
  /** The client key. */
  key: string;
}

/**
 * Reads a run's CA and client certificate.
 *
 * @param redis A TLS run.
 * @returns The PEM contents.
 */
export async function readClientTls(redis: LocalRedis): Promise<ClientTls> {
  assert.ok(redis.tls, "expected a TLS run");
  const [ca, cert, key] = await Promise.all(
    [redis.tls.ca, redis.tls.cert, redis.tls.key].map((p) => Deno.readTextFile(p)),
  );
  return { ca: ca!, cert: cert!, key: key! };
}

/**
 * Whether a pid belongs to a running program.
 *
 * @param pid The pid.
 * @param program What /proc/PID/cmdline must name (default redis-server).
 * @returns True when it does.
 */
export function isRunning(pid: number, program = "redis-server"): boolean {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).includes(program);
  } catch {
    return false;
  }
}

/**
 * Whether a pid belongs to a running redis-server.
 *
 * @param pid The pid.
 * @returns True when /proc/PID/cmdline names redis-server.
 */
export function isRedisServer(pid: number): boolean {
  return isRunning(pid, "redis-server");
}

/**
 * Waits until none of the pids is a running `program`, failing after `timeoutMs`.
 *
 * @param pids The pids.
 * @param program The program (default redis-server).
 * @param timeoutMs How long to wait (default 5000 ms).
 */
export async function assertGone(
  pids: number[],
  program = "redis-server",
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some((pid) => isRunning(pid, program)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.deepEqual(
    pids.filter((pid) => isRunning(pid, program)),
    [],
    `${program} processes left behind`,
  );
}

/**
 * Waits until none of the pids is a running redis-server, failing after `timeoutMs`.
 *
 * @param pids The pids.
 * @param timeoutMs How long to wait (default 5000 ms).
 */
export function assertRedisGone(pids: number[], timeoutMs = 5000): Promise<void> {
  return assertGone(pids, "redis-server", timeoutMs);
}

/**
 * Whether a path exists.
 *
 * @param path The path.
 * @returns True when it exists.
 */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Asserts that ranges cover 0–16383 exactly once.
 *
 * @param ranges Inclusive slot ranges.
 */
export function assertCoversAllSlotsOnce(ranges: Array<[number, number]>): void {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  let next = 0;
  for (const [first, last] of sorted) {
    assert.equal(first, next, `slot ranges ${JSON.stringify(sorted)} do not tile 0-16383`);
    next = last + 1;
  }
  assert.equal(next, 16384, `slot ranges ${JSON.stringify(sorted)} do not reach 16383`);
}

/**
 * Asserts a stopped run left nothing: no process (servers and proxy) and no folder.
 *
 * @param redis The stopped run.
 */
export async function assertNothingLeft(redis: LocalRedis): Promise<void> {
  await assertRedisGone(redis.nodes.map((n) => n.pid));
  if (redis.proxy) await assertGone([redis.proxy.pid], "nutcracker");
  const dirs = [
    ...redis.nodes.map((n) => n.dir),
    ...(redis.tls ? [redis.tls.dir] : []),
    ...(redis.proxy ? [redis.proxy.dir] : []),
  ];
  for (const dir of dirs) {
    assert.equal(await exists(dir), false, `${dir} was not removed`);
  }
}
