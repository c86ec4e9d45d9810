import assert from "node:assert/strict";
import { UsageError } from "../../lib/errors.ts";
import { PipelineError } from "../../lib/pipeline/errors.ts";
import { assertRejects } from "../pipeline/_assert.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { isLoopback } from "../../lib/steps/flush.ts";
import type { FlushResult } from "../../lib/types.ts";
import { withTransport } from "../_local.ts";
import { fakeTransport, registryWith, type TransportLog } from "../_transports.ts";
import { runSteps } from "./_run.ts";
import { defaultRegistry, parsePipeline } from "../../lib/builtins.ts";

Deno.test("isLoopback() accepts 127.0.0.0/8, ::1 and localhost only", () => {
  for (const host of ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost"]) {
    assert.equal(isLoopback(host), true, host);
  }
  for (const host of ["10.0.0.5", "128.0.0.1", "redis.example", "::2", "127.example", ""]) {
    assert.equal(isLoopback(host), false, host);
  }
});

Deno.test("flush runs FLUSHALL on every master of a cluster", async () => {
  await using local = await startLocalRedis({ cluster: true, masters: 3, replicas: 0 });
  await withTransport(local, async (transport) => {
    for (let i = 0; i < 60; i++) await transport.call(["SET", `k${i}`, "v"], { key: `k${i}` });
    const before = await transport.callEachMaster(["DBSIZE"]);
    assert.ok(before.every(({ reply }) => Number(reply) > 0), "keys on every master");
  });
  const { result, lines } = await runSteps(local, "  - connect\n  - flush\n");
  assert.deepEqual(result.outputs.get("flush") as FlushResult, {
    enabled: true,
    scope: "all",
    deleted: 0,
  });
  assert.ok(lines.includes("info: Flushed 3 masters (FLUSHALL)"));
  await withTransport(local, async (transport) => {
    const after = await transport.callEachMaster(["DBSIZE"]);
    assert.deepEqual(after.map(({ reply }) => reply), [0, 0, 0]);
  });
});

Deno.test("flush with scope prefix deletes only keys that start with the prefix, taken literally", async () => {
  await using local = await startLocalRedis();
  await withTransport(local, async (transport) => {
    for (const key of ["re*1", "re*2", "rex", "other", "re"]) {
      await transport.call(["SET", key, "v"]);
    }
  });
  const { result, lines } = await runSteps(
    local,
    '  - connect\n  - flush: { scope: prefix, prefix: "re*" }\n',
  );
  assert.deepEqual(result.outputs.get("flush"), { enabled: true, scope: "prefix", deleted: 2 });
  assert.ok(lines.includes('info: Deleted 2 keys under "re*"'));
  await withTransport(local, async (transport) => {
    assert.deepEqual(
      ((await transport.call(["KEYS", "*"])) as string[]).sort(),
      ["other", "re", "rex"],
    );
  });
});

Deno.test("flush with enabled: false flushes nothing and says so in its fact", async () => {
  await using local = await startLocalRedis();
  await withTransport(local, (transport) => transport.call(["SET", "kept", "v"]));
  const { result } = await runSteps(local, "  - connect\n  - flush: { enabled: false }\n");
  assert.deepEqual(result.outputs.get("flush"), { enabled: false, scope: "all", deleted: 0 });
  await withTransport(local, async (transport) => {
    assert.equal(await transport.call(["DBSIZE"]), 1);
  });
});

Deno.test("flush refuses a host that is not loopback before anything connects, unless yes", async () => {
  // No server answers at 10.0.0.5: the fake transport records what would have been sent.
  const log: TransportLog = { events: [] };
  const target = "{ host: 10.0.0.5, port: 7000, transport: fake }";
  const refused = await assertRejects(
    () =>
      runSteps(undefined, "  - connect\n  - flush\n", {
        target,
        registry: registryWith(fakeTransport(log)),
      }),
    PipelineError,
    "",
  );
  assert.equal(
    refused.message,
    'fixtures/pipelines/steps-test.yaml:6:5: step "flush": refuses to flush "10.0.0.5", which is not a loopback address: add "yes: true" to confirm\n  6 |   - flush\n    |     ^',
  );
  assert.deepEqual(log.events, []);
  const confirmed = await runSteps(undefined, "  - connect\n  - flush: { yes: true }\n", {
    target,
    registry: registryWith(fakeTransport(log)),
  });
  assert.equal(confirmed.result.ok, true);
  assert.deepEqual(log.events, [
    "fake:connect 10.0.0.5:7000",
    // Every master answers and the user may flush it, before anything is flushed.
    "fake:call PING",
    "fake:call ACL DRYRUN default FLUSHALL",
    "fake:call FLUSHALL ASYNC",
    // Then it waits until the server's lazyfree thread has freed it all.
    "fake:call INFO memory",
    "fake:close",
  ]);
});

Deno.test("flush refuses a discovered master that is not loopback before sending anything", async () => {
  // The seed is loopback, but the topology names a master elsewhere (a cluster's other nodes).
  const log: TransportLog = { events: [] };
  const target = "{ host: 127.0.0.1, port: 7000, transport: fake }";
  const refused = await runSteps(undefined, "  - connect\n  - flush\n", {
    target,
    registry: registryWith(fakeTransport(log, "fake", "10.0.0.5")),
  });
  assert.equal(refused.result.exitCode, 2);
  assert.ok(refused.result.error instanceof UsageError);
  assert.equal(
    refused.result.error.message,
    'Refusing to flush "10.0.0.5": it is not a loopback address; set flush.yes: true to confirm',
  );
  assert.deepEqual(log.events, ["fake:connect 127.0.0.1:7000", "fake:close"]);
});

Deno.test("flush with scope prefix takes the fill step's prefix at load time unless it has its own", async () => {
  const plan = async (steps: string) =>
    (await parsePipeline(`version: 1\ntarget: { port: 1 }\nsteps:\n${steps}`, "p.yaml", {
      registry: defaultRegistry(),
    })).steps.find((step) => step.name === "flush")?.options as { prefix?: string };
  // The fill it runs before gives the prefix; --dry-run shows it.
  assert.equal(
    (await plan('  - connect\n  - flush: { scope: prefix }\n  - fill: { prefix: "tmp:" }\n'))
      .prefix,
    "tmp:",
  );
  // Its own prefix wins; without a fill, redfill's default.
  assert.equal(
    (await plan(
      '  - connect\n  - flush: { scope: prefix, prefix: "own:" }\n  - fill: { prefix: "tmp:" }\n',
    )).prefix,
    "own:",
  );
  assert.equal((await plan("  - connect\n  - flush: { scope: prefix }\n")).prefix, "redfill:");
});

Deno.test("a pipeline file's flush: { scope: prefix } deletes under the fill step's prefix, not the default", async () => {
  await using local = await startLocalRedis();
  await withTransport(local, async (transport) => {
    for (const key of ["tmp:{a}1", "tmp:{b}2", "redfill:{c}3", "keep"]) {
      await transport.call(["SET", key, "v"]);
    }
  });
  const { result, lines } = await runSteps(
    local,
    '  - connect\n  - flush: { scope: prefix }\n  - fill: { size: 64KiB, prefix: "tmp:", key-size: 32, value-size: 32 }\n',
  );
  assert.equal(result.error?.message, undefined);
  assert.ok(lines.includes('info: Deleted 2 keys under "tmp:"'), lines.join("\n"));
  await withTransport(local, async (transport) => {
    assert.equal(await transport.call(["EXISTS", "redfill:{c}3", "keep"]), 2);
  });
});

Deno.test("flush sends FLUSHALL ASYNC and returns once the server's lazyfree thread has freed it all", async () => {
  await using local = await startLocalRedis();
  const seed = local.masters()[0]!;
  await withTransport(local, async (transport) => {
    // 2,000 hashes of 100 fields: enough for the lazyfree thread to have work to do.
    for (let k = 0; k < 2000; k++) {
      const fields = Array.from({ length: 100 }, (_, f) => [`f${f}`, "v".repeat(64)]).flat();
      await transport.call(["HSET", `h${k}`, ...fields]);
    }
  });
  // A MONITOR connection sees every command as the server ran it.
  const monitor = await Deno.connect({ hostname: seed.host, port: seed.port });
  await monitor.write(new TextEncoder().encode("MONITOR\r\n"));
  let seen = "";
  const reading = (async () => {
    const buffer = new Uint8Array(65536);
    for (;;) {
      const n = await monitor.read(buffer).catch(() => null);
      if (n === null) return;
      seen += new TextDecoder().decode(buffer.subarray(0, n));
    }
  })();
  try {
    const { lines } = await runSteps(local, "  - connect\n  - flush\n");
    assert.ok(lines.includes("info: Flushed 1 master (FLUSHALL)"), lines.join("\n"));
    await withTransport(local, async (transport) => {
      assert.equal(await transport.call(["DBSIZE"]), 0);
      const memory = String(await transport.call(["INFO", "memory"]));
      assert.match(memory, /lazyfree_pending_objects:0\r\n/);
    });
    assert.match(seen, /"FLUSHALL" "ASYNC"/i, seen.slice(0, 400));
    // Then it polled INFO memory until nothing was pending.
    assert.match(seen.slice(seen.search(/"FLUSHALL"/i)), /"INFO" "memory"/i);
  } finally {
    monitor.close();
    await reading;
  }
});
