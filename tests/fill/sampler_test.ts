import assert from "node:assert/strict";
import { classifyLimit, FillSampler } from "../../lib/fill/sampler.ts";
import type { Transport } from "../../lib/types.ts";

const server = (cpu: number) => ({
  address: "127.0.0.1:7001",
  cpu,
  inputMibPerSecond: 100,
  opsPerSecond: 100000,
});

Deno.test("classifyLimit() says server-bound when a master used most of a core", () => {
  const limit = classifyLimit({ clientCpu: 0.5, servers: [server(0.97)] }, { mibPerSecond: 150 });
  assert.equal(limit.kind, "server-bound");
  assert.equal(limit.summary, "server-bound (127.0.0.1:7001 used 0.97 of a core; the client 0.50)");
  assert.equal(limit.serverCpuMax, 0.97);
});

Deno.test("classifyLimit() says client-bound when the client is the busier side", () => {
  const limit = classifyLimit({ clientCpu: 0.98, servers: [server(0.85)] }, { mibPerSecond: 90 });
  assert.equal(limit.kind, "client-bound");
  assert.equal(
    limit.summary,
    "client-bound (the client used 0.98 of a core; the busiest server 127.0.0.1:7001 0.85)",
  );
});

Deno.test("classifyLimit() says rate-capped when the fill reached its cap, whatever the CPU", () => {
  const limit = classifyLimit({ clientCpu: 0.1, servers: [server(0.95)] }, {
    mibPerSecond: 49.6,
    rateCap: 50,
    rateName: "--rate",
  });
  assert.equal(limit.summary, "rate-capped (--rate 50 MiB/s; reached 49.6 MiB/s)");
  // A cap far above what was reached did not hold the fill back.
  const free = classifyLimit({ clientCpu: 0.1, servers: [server(0.95)] }, {
    mibPerSecond: 150,
    rateCap: 1000,
  });
  assert.equal(free.kind, "server-bound");
});

Deno.test("classifyLimit() says latency-bound when neither side is busy", () => {
  const limit = classifyLimit({ clientCpu: 0.05, servers: [server(0.12)] }, { mibPerSecond: 3 });
  assert.equal(
    limit.summary,
    "latency-bound (neither side busy: the busiest server 127.0.0.1:7001 used 0.12 of a core, the client 0.05)",
  );
});

Deno.test("classifyLimit() says when idle sides ran on a machine whose cores were all busy", () => {
  const limit = classifyLimit({
    clientCpu: 0.05,
    servers: [server(0.12)],
    machine: { load: 4.23, cores: 2 },
  }, { mibPerSecond: 3 });
  assert.equal(
    limit.summary,
    "latency-bound (neither side busy: the busiest server 127.0.0.1:7001 used 0.12 of a core, the client 0.05; the machine was busy: load 4.2 on 2 cores)",
  );
});

Deno.test("classifyLimit() without INFO says the servers' side is unknown instead of guessing", () => {
  const unavailable = "INFO is not available (NOPERM this user has no permissions)";
  const idle = classifyLimit({ clientCpu: 0.2, unavailable }, { mibPerSecond: 50 });
  assert.equal(idle.kind, "unknown");
  assert.equal(
    idle.summary,
    "unknown (INFO is not available (NOPERM this user has no permissions), so the servers' CPU is unknown; the client used 0.20 of a core)",
  );
  assert.equal(idle.serverCpuMax, null);
  const busy = classifyLimit({ clientCpu: 0.95, unavailable }, { mibPerSecond: 50 });
  assert.equal(busy.kind, "client-bound");
});

Deno.test("FillSampler keeps sampling when INFO is refused, and reports why", async () => {
  // Only the control plane's INFO is faked: a sampler unit test, not a fill.
  const transport = {
    callEachMaster: () =>
      Promise.reject(new Error("NOPERM this user has no permissions to run the 'info' command")),
  } as unknown as Transport;
  const samples: number[] = [];
  const sampler = new FillSampler(transport, {
    intervalMs: 20,
    onThroughput: (value) => samples.push(value),
  });
  const progress = sampler.wrap(undefined);
  await sampler.start();
  progress.update({
    bytes: 10 * 1024 * 1024,
    keys: 10,
    totalBytes: 0,
    totalKeys: 0,
    elapsedMs: 1000,
    perNode: {},
  });
  await new Promise((resolve) => setTimeout(resolve, 70));
  const measures = await sampler.stop();
  assert.ok(samples.length >= 1 && samples.every((value) => value === 10));
  assert.equal(measures.servers, undefined);
  assert.equal(
    measures.unavailable,
    "INFO is not available (NOPERM this user has no permissions to run the 'info' command)",
  );
});
