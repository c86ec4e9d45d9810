import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { assertNothingLeft, readClientTls } from "./_helpers.ts";

Deno.test("startLocalRedis() starts a standalone server that takes SET and GET", async () => {
  const redis = await startLocalRedis();
  try {
    assert.equal(redis.kind, "standalone");
    assert.equal(redis.nodes.length, 1);
    const [node] = redis.nodes;
    assert.equal(node?.id, "standalone");
    assert.equal(node?.role, "master");
    assert.deepEqual(node?.slots, [[0, 16383]]);
    assert.equal(redis.url(), `redis://127.0.0.1:${node?.port}`);
    const client = new Redis(redis.url(), { lazyConnect: true });
    await client.connect();
    assert.equal(await client.set("k", "v"), "OK");
    assert.equal(await client.get("k"), "v");
    assert.deepEqual(await client.config("GET", "save"), ["save", ""]);
    await client.quit();
  } finally {
    await redis.stop();
  }
  await redis.stop();
  await assertNothingLeft(redis);
});

Deno.test("startLocalRedis() with tls serves TLS only by default and takes SET and GET", async () => {
  await using redis = await startLocalRedis({ tls: true });
  const node = redis.nodes[0]!;
  assert.equal(node.plainPort, undefined);
  assert.match(redis.url(), /^rediss:\/\/127\.0\.0\.1:\d+$/);
  const client = new Redis({ host: "127.0.0.1", port: node.port, tls: await readClientTls(redis) });
  assert.equal(await client.set("k", "tls"), "OK");
  assert.equal(await client.get("k"), "tls");
  assert.deepEqual(await client.config("GET", "port"), ["port", "0"]);
  await client.quit();
});

Deno.test("startLocalRedis() with tlsOnly false also serves a plaintext port", async () => {
  await using redis = await startLocalRedis({ tls: true, tlsOnly: false });
  const node = redis.nodes[0]!;
  assert.ok(node.plainPort !== undefined && node.plainPort !== node.port);
  const plain = new Redis({ host: "127.0.0.1", port: node.plainPort });
  assert.equal(await plain.set("k", "plain"), "OK");
  await plain.quit();
  const tls = new Redis({ host: "127.0.0.1", port: node.port, tls: await readClientTls(redis) });
  assert.equal(await tls.get("k"), "plain");
  await tls.quit();
});

/** Connects without a client certificate and returns how the connection failed. */
async function connectWithoutCertificate(
  port: number,
  tls: Record<string, unknown>,
): Promise<string> {
  const client = new Redis({
    host: "127.0.0.1",
    port,
    tls,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 3000,
  });
  const events: string[] = [];
  client.on("error", (error: Error) => events.push(error.message));
  try {
    await client.connect();
    await client.ping();
    return "connected";
  } catch (error) {
    return `${(error as Error).message} (${events.join("; ")})`;
  } finally {
    client.disconnect();
  }
}

Deno.test("startLocalRedis() with mtls accepts the client certificate and rejects a client without one", async () => {
  // FACTS.md: a TLS 1.3 server that refuses a client without a certificate makes Deno throw
  // an uncaught "write EPIPE"; swallow only that, so ioredis can reject with its own error.
  const swallowEpipe = (event: ErrorEvent) => {
    if (String(event.error?.message ?? event.message).includes("EPIPE")) event.preventDefault();
  };
  globalThis.addEventListener("error", swallowEpipe);
  try {
    await using redis = await startLocalRedis({ mtls: true });
    const tls = await readClientTls(redis);
    const port = redis.nodes[0]!.port;
    const client = new Redis({ host: "127.0.0.1", port, tls });
    assert.equal(await client.set("k", "mtls"), "OK");
    assert.equal(await client.get("k"), "mtls");
    assert.deepEqual(await client.config("GET", "tls-auth-clients"), ["tls-auth-clients", "yes"]);
    await client.quit();

    const tls13 = await connectWithoutCertificate(port, { ca: tls.ca });
    assert.match(tls13, /Connection is closed.*CertificateRequired/);
    const tls12 = await connectWithoutCertificate(port, { ca: tls.ca, maxVersion: "TLSv1.2" });
    assert.match(tls12, /Connection is closed.*HandshakeFailure/);
  } finally {
    globalThis.removeEventListener("error", swallowEpipe);
  }
});

Deno.test("startLocalRedis() with a password and a user requires AUTH and accepts both", async () => {
  const password = 'pa ss"word';
  await using redis = await startLocalRedis({
    password,
    user: { name: "app", password: "s3cret" },
  });
  const node = redis.nodes[0]!;
  assert.equal(redis.password, password);
  assert.equal(redis.url().includes(password), false);
  assert.equal((await Deno.stat(`${node.dir}/redis.conf`)).mode! & 0o777, 0o600);
  const cmdline = await Deno.readTextFile(`/proc/${node.pid}/cmdline`);
  assert.equal(cmdline.includes("pa ss"), false);

  const anonymous = await Deno.connect({ hostname: "127.0.0.1", port: node.port });
  await anonymous.write(new TextEncoder().encode("PING\r\n"));
  const reply = new Uint8Array(256);
  const n = await anonymous.read(reply);
  anonymous.close();
  assert.match(new TextDecoder().decode(reply.subarray(0, n ?? 0)), /^-NOAUTH /);

  const owner = new Redis({ host: "127.0.0.1", port: node.port, password });
  assert.equal(await owner.set("k", "default"), "OK");
  await owner.quit();
  const app = new Redis({
    host: "127.0.0.1",
    port: node.port,
    username: "app",
    password: "s3cret",
  });
  assert.equal(await app.get("k"), "default");
  assert.equal(await app.call("ACL", "WHOAMI"), "app");
  await app.quit();
});

/** This process's node folders in the temp folder. */
async function ownNodeDirs(): Promise<string[]> {
  const dirs: string[] = [];
  const parent = Deno.env.get("TMPDIR") ?? "/tmp";
  for await (const entry of Deno.readDir(parent)) {
    if (entry.name.startsWith(`redfill-node-${Deno.pid}-`)) dirs.push(entry.name);
  }
  return dirs;
}

Deno.test("startLocalRedis() quotes the server's own last lines when it exits while starting, and removes its folder", async () => {
  const before = await ownNodeDirs();
  await assert.rejects(
    startLocalRedis({ extraArgs: ["--no-such-directive", "x"] }),
    (error: Error) => {
      assert.equal(error.name, "LocalRedisError");
      assert.match(
        error.message,
        /^Local redis-server exited while starting \(port \d+\): .*Bad directive or wrong number of arguments$/,
      );
      return true;
    },
  );
  assert.deepEqual(await ownNodeDirs(), before);
});
