import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { MissingProgramError, UsageError } from "../../lib/errors.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { assertNothingLeft } from "./_helpers.ts";

Deno.test("startLocalRedis() stops a standalone server on stop() and is idempotent", async () => {
  const redis = await startLocalRedis({ maxmemory: "8mb", maxmemoryPolicy: "noeviction" });
  const client = new Redis({ host: "127.0.0.1", port: redis.nodes[0]!.port });
  assert.deepEqual(await client.config("GET", "maxmemory"), ["maxmemory", String(8 * 1024 * 1024)]);
  await client.quit();
  await Promise.all([redis.stop(), redis.stop()]);
  await assertNothingLeft(redis);
});

Deno.test("startLocalRedis() rejects invalid options with a UsageError", async () => {
  await assert.rejects(
    startLocalRedis({ masters: 2 }),
    new UsageError('Option "masters" applies to a cluster: add "cluster: true"'),
  );
  await assert.rejects(
    startLocalRedis({ cluster: true, slots: [8000, 8000, 385] }),
    new UsageError('Option "slots" must sum to 16384, got 16385'),
  );
  await assert.rejects(
    startLocalRedis({ cluster: true, masters: 2, slots: [16384] }),
    new UsageError('Option "slots" needs one count per master (2), got 1'),
  );
  await assert.rejects(
    startLocalRedis({ cluster: true, replicas: -1 }),
    new UsageError('Option "replicas" must be an integer of at least 0, got -1'),
  );
});

Deno.test("startLocalRedis() names the missing program and how to install it", async () => {
  const path = Deno.env.get("PATH") ?? "";
  Deno.env.set("PATH", "/nonexistent");
  try {
    await assert.rejects(
      startLocalRedis(),
      new MissingProgramError("redis-server", "apt-get install -y redis-server"),
    );
    await assert.rejects(
      startLocalRedis({ tls: true }),
      new MissingProgramError("openssl", "apt-get install -y openssl"),
    );
  } finally {
    Deno.env.set("PATH", path);
  }
  assert.equal(
    new MissingProgramError("redis-server", "apt-get install -y redis-server").message,
    'Cannot find "redis-server" on PATH: install it with "apt-get install -y redis-server"',
  );
});

Deno.test("startLocalRedis() rejects an empty password or user and a too short node timeout", async () => {
  await assert.rejects(
    startLocalRedis({ password: "" }),
    new UsageError('Option "password" is empty: give a password or leave it out'),
  );
  await assert.rejects(
    startLocalRedis({ user: { name: "app", password: "" } }),
    new UsageError('Option "user" needs a non-empty name and password'),
  );
  await assert.rejects(
    startLocalRedis({ cluster: true, clusterNodeTimeout: 50 }),
    new UsageError('Option "clusterNodeTimeout" must be an integer of at least 100, got 50'),
  );
  await assert.rejects(
    startLocalRedis({ cluster: true, masters: 0 }),
    new UsageError('Option "masters" must be an integer of at least 1, got 0'),
  );
});

Deno.test("startLocalRedis() with an aborted signal starts nothing", async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    startLocalRedis({ signal: controller.signal }),
    (error: unknown) => error instanceof DOMException && error.name === "AbortError",
  );
});

Deno.test("startLocalRedis() gives URLs without the password, and masters and replicas apart", async () => {
  await using redis = await startLocalRedis({ tls: true, password: "url-secret" });
  const node = redis.nodes[0]!;
  assert.equal(redis.url(), `rediss://127.0.0.1:${node.port}`);
  assert.equal(redis.url(node), redis.url());
  assert.equal(redis.password, "url-secret");
  assert.deepEqual(redis.masters(), [node]);
  assert.deepEqual(redis.replicas(), []);
  const exited = redis.waitForExit();
  await redis.killNode(node, "SIGTERM");
  assert.equal(await exited, node);
});
