import assert from "node:assert/strict";
import { localTarget, startLocalRedis } from "../../lib/local/mod.ts";
import type { LocalRedis } from "../../lib/local/mod.ts";

Deno.test("localTarget() reaches a plain server's first master in its mode", async () => {
  await using local = await startLocalRedis();
  assert.deepEqual(localTarget(local), {
    host: "127.0.0.1",
    port: local.masters()[0]!.port,
    mode: "standalone",
    connectTimeoutMs: 5000,
    commandTimeoutMs: 10000,
  });
});

Deno.test("localTarget() carries the CA, the client certificate and the password of a run", async () => {
  await using local = await startLocalRedis({ mtls: true, password: "target-pw" });
  const target = localTarget(local);
  assert.deepEqual(target.tls, { ca: local.tls!.ca, cert: local.tls!.cert, key: local.tls!.key });
  assert.equal(target.password, "target-pw");
  assert.equal(target.username, undefined);
});

Deno.test("localTarget() lays the given fields over its own", () => {
  const cluster = {
    kind: "cluster",
    masters: () => [{ host: "127.0.0.1", port: 20007 }, { host: "127.0.0.1", port: 20008 }],
  } as unknown as LocalRedis;
  const target = localTarget(cluster, { mode: "auto", connectTimeoutMs: 100, username: "u" });
  assert.deepEqual(target, {
    host: "127.0.0.1",
    port: 20007,
    mode: "auto",
    connectTimeoutMs: 100,
    commandTimeoutMs: 10000,
    username: "u",
  });
  assert.equal(localTarget(cluster).mode, "cluster");
});
