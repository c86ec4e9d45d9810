import assert from "node:assert/strict";
import { ConnectionError } from "../../lib/errors.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import type { ConnectOutput, DiscoverOutput } from "../../lib/steps/connect.ts";
import { closedPort } from "../_cli.ts";
import { withTransport } from "../_local.ts";
import { runSteps } from "./_run.ts";

Deno.test("connect and discover on a standalone server: one master with every slot", async () => {
  await using local = await startLocalRedis();
  const port = local.masters()[0]!.port;
  const { result, lines } = await runSteps(local, "  - connect\n  - discover\n");
  assert.equal(result.error?.message, undefined);
  assert.deepEqual(result.outputs.get("connect") as ConnectOutput, {
    transport: "standalone",
    masters: 1,
    nodes: 1,
  });
  const discover = result.outputs.get("discover") as DiscoverOutput;
  assert.equal(discover.slotsServed, 16384);
  assert.deepEqual(discover.topology.nodes.map((node) => node.port), [port]);
  assert.ok(lines.includes(`info: Connected to 127.0.0.1:${port} (standalone): 1 master, 1 node`));
  assert.ok(lines.includes(`info:   master  127.0.0.1:${port}  16384 slots`), lines.join("\n"));
});

Deno.test("connect with mode auto finds a cluster; discover lists masters and warns of unserved slots", async () => {
  await using local = await startLocalRedis({ cluster: true, masters: 3, replicas: 0 });
  await withTransport(local, async (transport) => {
    await transport.callEachMaster(["CLUSTER", "DELSLOTS", 0]);
  });
  const port = local.masters()[0]!.port;
  const { result, lines } = await runSteps(
    local,
    "  - connect\n  - discover\n",
    { target: `{ port: ${port}, mode: auto }` },
  );
  assert.equal(result.error?.message, undefined);
  assert.deepEqual(result.outputs.get("connect"), { transport: "cluster", masters: 3, nodes: 3 });
  assert.equal((result.outputs.get("discover") as DiscoverOutput).slotsServed, 16383);
  assert.ok(lines.includes(`info: Connected to 127.0.0.1:${port} (cluster): 3 masters, 3 nodes`));
  assert.equal(
    lines.filter((line) => / {2}master {2}127\.0\.0\.1:\d+ {2}\d+ slots$/.test(line)).length,
    3,
  );
  assert.ok(lines.includes("warn: Only 16383 of 16384 slots are served by a reachable master"));
});

Deno.test("connect says TLS when the target is TLS", async () => {
  await using local = await startLocalRedis({ tls: true });
  const { result, lines } = await runSteps(local, "  - connect\n");
  assert.equal(result.ok, true, result.error?.message);
  assert.ok(
    lines.some((line) => /^info: Connected to .* \(standalone, TLS\): 1 master/.test(line)),
  );
});

Deno.test("connect to a port nothing listens on stops the run with exit 3", async () => {
  const port = closedPort();
  const { result } = await runSteps(undefined, "  - connect\n  - discover\n", {
    target: `{ port: ${port}, mode: standalone }`,
  });
  assert.equal(result.exitCode, 3);
  assert.ok(result.error instanceof ConnectionError);
  assert.equal(
    result.error.message,
    `Cannot connect to "127.0.0.1:${port}": connection refused; check the host and port, and that redis-server is running`,
  );
  assert.deepEqual(result.steps.map((step) => [step.id, step.ok]), [["connect", false]]);
});
