import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { parse } from "yaml";
import { MissingProgramError, UsageError } from "../../lib/errors.ts";
import { localTarget, startLocalRedis } from "../../lib/local/mod.ts";
import type { LocalNode, LocalRedis } from "../../lib/local/mod.ts";
import { stateOf, stopFromState } from "../../lib/local/state.ts";
import { assertGone, assertNothingLeft, assertRedisGone, exists, isRunning } from "./_helpers.ts";
import { DenoProcess } from "./_subprocess.ts";

/**
 * An ioredis client through the proxy: RESP2, no ready check (INFO) and no CLIENT SETINFO,
 * each of which makes twemproxy close the connection. End it with `disconnect()`: twemproxy
 * answers QUIT by closing, so `quit()` rejects.
 */
function throughProxy(redis: LocalRedis, password = redis.password): Redis {
  return new Redis({
    host: "127.0.0.1",
    port: redis.proxy!.port,
    protocol: 2,
    enableReadyCheck: false,
    disableClientInfo: true,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    ...(password === undefined ? {} : { password }),
  });
}

/** An ioredis client straight to one of the proxy's servers. */
function direct(redis: LocalRedis, node: LocalNode): Redis {
  return new Redis({
    host: "127.0.0.1",
    port: node.port,
    protocol: 2,
    ...(redis.password === undefined ? {} : { password: redis.password }),
  });
}

/** Runs `body` with a client per server, and closes them. */
async function withServers<T>(redis: LocalRedis, body: (clients: Redis[]) => Promise<T>) {
  const clients = redis.nodes.map((node) => direct(redis, node));
  try {
    return await body(clients);
  } finally {
    await Promise.all(clients.map((client) => client.quit()));
  }
}

Deno.test("startLocalRedis() with proxy starts nutcracker over two empty servers and answers PING through it", async () => {
  const redis = await startLocalRedis({ proxy: true });
  try {
    const proxy = redis.proxy!;
    assert.ok(proxy, "no proxy on the handle");
    assert.equal(redis.kind, "standalone");
    assert.deepEqual(redis.nodes.map((n) => n.id), ["backend-0", "backend-1"]);
    assert.deepEqual(redis.masters(), redis.nodes);
    assert.ok(isRunning(proxy.pid, "nutcracker"), "the proxy's pid is not nutcracker");
    assert.ok(redis.nodes.every((n) => isRunning(n.pid)), "a server's pid is not redis-server");
    assert.equal(redis.url(), `redis://127.0.0.1:${proxy.port}`);
    assert.equal(redis.url(redis.nodes[1]), `redis://127.0.0.1:${redis.nodes[1]!.port}`);
    const target = localTarget(redis);
    assert.deepEqual([target.host, target.port, target.mode], [
      "127.0.0.1",
      proxy.port,
      "standalone",
    ]);

    const config = parse(await Deno.readTextFile(`${proxy.dir}/nutcracker.yml`));
    assert.deepEqual(config, {
      redfill: {
        listen: `127.0.0.1:${proxy.port}`,
        redis: true,
        hash: "fnv1a_64",
        distribution: "ketama",
        auto_eject_hosts: false,
        timeout: 5000,
        preconnect: true,
        server_connections: 1,
        servers: redis.nodes.map((n) => `127.0.0.1:${n.port}:1 ${n.id}`),
      },
    });

    // The readiness round trip deleted its key again.
    await withServers(redis, async (clients) => {
      assert.deepEqual(await Promise.all(clients.map((c) => c.dbsize())), [0, 0]);
    });
    const client = throughProxy(redis);
    await client.connect();
    assert.equal(await client.ping(), "PONG");
    client.disconnect();
  } finally {
    await redis.stop();
  }
});

Deno.test("startLocalRedis() with proxy puts each key SET through it on exactly one server, spread over both", async () => {
  await using redis = await startLocalRedis({ proxy: { servers: 2 } });
  const client = throughProxy(redis);
  await client.connect();
  // fnv1a_64 with ketama puts keys that differ only in their last bytes next to each other
  // on the ring (100 keys "key:0" … "key:99" all land on one server): like redfill's keys,
  // these have bytes after the part that differs.
  const keys = Array.from({ length: 200 }, (_, i) => `redfill:{tag}:${i}:filler`);
  const pipeline = client.pipeline();
  for (const key of keys) pipeline.set(key, `value of ${key}`);
  const results = await pipeline.exec();
  assert.deepEqual(results?.map(([error, reply]) => [error, reply]), keys.map(() => [null, "OK"]));
  assert.equal(await client.get(keys[7]!), `value of ${keys[7]}`);
  client.disconnect();

  await withServers(redis, async (clients) => {
    const holders = await Promise.all(
      keys.map(async (key) => (await Promise.all(clients.map((c) => c.exists(key)))).join("")),
    );
    assert.deepEqual(
      holders.filter((h) => h !== "10" && h !== "01"),
      [],
      "a key is on no server or on both",
    );
    // Without hash_tag the whole key is hashed: keys with one tag still spread.
    const counts = await Promise.all(clients.map((c) => c.dbsize()));
    assert.equal(counts[0]! + counts[1]!, keys.length);
    assert.ok(counts.every((count) => count > 0), `keys did not spread: ${counts}`);
  });
});

Deno.test("startLocalRedis() with proxy.hashTag puts keys that share a tag on one server", async () => {
  await using redis = await startLocalRedis({ proxy: { hashTag: "{}" } });
  assert.equal(redis.proxy?.hashTag, "{}");
  const client = throughProxy(redis);
  await client.connect();
  const keys = Array.from({ length: 100 }, (_, i) => `redfill:{same}:${i}`);
  for (const key of keys) await client.set(key, "v");
  // Multi-key commands through twemproxy go to the first key's server: with one tag, all of
  // them are there.
  assert.equal(await client.exists(...keys), keys.length);
  client.disconnect();
  await withServers(redis, async (clients) => {
    const counts = (await Promise.all(clients.map((c) => c.dbsize()))).sort((a, b) => a - b);
    assert.deepEqual(counts, [0, keys.length]);
  });
});

Deno.test("startLocalRedis() with proxy and a password requires AUTH at the proxy and on the servers", async () => {
  const password = 'pa ss"wo\\rd';
  await using redis = await startLocalRedis({ proxy: true, password });
  const proxy = redis.proxy!;
  assert.equal(redis.url().includes("pa ss"), false);
  assert.equal((await Deno.stat(`${proxy.dir}/nutcracker.yml`)).mode! & 0o777, 0o600);
  const cmdline = await Deno.readTextFile(`/proc/${proxy.pid}/cmdline`);
  assert.equal(cmdline.includes("pa ss"), false);

  const anonymous = throughProxy(redis, "");
  await anonymous.connect();
  await assert.rejects(anonymous.set("k", "v"), /^ReplyError: NOAUTH Authentication required$/);
  anonymous.disconnect();

  const client = throughProxy(redis);
  await client.connect();
  assert.equal(await client.set("k", "through the proxy"), "OK");
  client.disconnect();
  await withServers(redis, async (clients) => {
    const values = await Promise.all(clients.map((c) => c.get("k")));
    assert.deepEqual(values.filter((v) => v !== null), ["through the proxy"]);
  });
});

Deno.test("startLocalRedis() with proxy answers errors for a stopped server's keys and moves none of them", async () => {
  await using redis = await startLocalRedis({ proxy: true });
  const [up, down] = redis.nodes as [LocalNode, LocalNode];
  await redis.killNode(down);
  const client = throughProxy(redis);
  await client.connect();
  // Keys that differ at the front spread over both servers (see the test above).
  const replies = await Promise.all(
    Array.from(
      { length: 100 },
      (_, i) => client.set(`${i}:key`, "v").then((ok) => ok, (error: Error) => error.message),
    ),
  );
  client.disconnect();
  const ok = replies.filter((r) => r === "OK").length;
  const failed = replies.filter((r) => r !== "OK");
  assert.ok(ok > 0 && failed.length > 0, `expected both outcomes, got ${ok} OK`);
  assert.deepEqual([...new Set(failed)].filter((m) => !/^ERR Connection refused$/.test(m)), []);
  const survivor = direct(redis, up);
  assert.equal(await survivor.dbsize(), ok, "keys of the stopped server moved to the other");
  await survivor.quit();
});

Deno.test("startLocalRedis() with proxy stops nutcracker and its servers on stop() and is idempotent", async () => {
  const redis = await startLocalRedis({ proxy: { servers: 3 } });
  assert.equal(redis.nodes.length, 3);
  assert.ok(await exists(redis.proxy!.dir));
  await Promise.all([redis.stop(), redis.stop()]);
  await redis.stop();
  await assertNothingLeft(redis);
});

Deno.test("startLocalRedis() with proxy rejects options twemproxy cannot serve with a UsageError", async () => {
  const cases: Array<[Parameters<typeof startLocalRedis>[0], string]> = [
    [
      { proxy: true, cluster: true },
      'Option "cluster" does not go with "proxy": twemproxy fronts standalone servers',
    ],
    [{ proxy: true, tls: true }, 'Option "tls" does not go with "proxy": twemproxy 0.5 has no TLS'],
    [
      { proxy: true, user: { name: "app", password: "pw" } },
      'Option "user" does not go with "proxy": twemproxy authenticates with one password: use "password"',
    ],
    [
      { proxy: { servers: 0 } },
      'Option "proxy.servers" must be an integer of at least 1, got 0',
    ],
    [
      { proxy: { hashTag: "{" } },
      'Option "proxy.hashTag" must be two characters such as "{}", got "{"',
    ],
  ];
  for (const [options, message] of cases) {
    await assert.rejects(startLocalRedis(options), new UsageError(message));
  }
});

Deno.test("startLocalRedis() with proxy names nutcracker and how to install it before starting any server", async () => {
  const path = Deno.env.get("PATH") ?? "";
  // Neither redis-server nor nutcracker is found: the proxy is checked first.
  Deno.env.set("PATH", "/nonexistent");
  try {
    await assert.rejects(
      startLocalRedis({ proxy: true }),
      new MissingProgramError("nutcracker", "apt-get install -y nutcracker"),
    );
  } finally {
    Deno.env.set("PATH", path);
  }
  assert.equal(
    new MissingProgramError("nutcracker", "apt-get install -y nutcracker").message,
    'Cannot find "nutcracker" on PATH: install it with "apt-get install -y nutcracker"',
  );
});

interface Held {
  pids: number[];
  proxyPid: number;
  dirs: string[];
}

async function hold(mode: "hold" | "exit"): Promise<{ process: DenoProcess; held: Held }> {
  const process = new DenoProcess("tests/local/_hold_server.ts", [
    JSON.stringify({ proxy: true }),
    mode,
  ]);
  const held = JSON.parse((await process.waitFor("\n")).split("\n")[0]!) as Held;
  assert.equal(held.pids.length, 2);
  return { process, held };
}

async function assertHeldGone(held: Held): Promise<void> {
  await assertGone([held.proxyPid], "nutcracker");
  await assertRedisGone(held.pids);
  for (const dir of held.dirs) assert.equal(await exists(dir), false, `${dir} was left behind`);
}

Deno.test("startLocalRedis() with proxy leaves no nutcracker or redis-server behind when its process gets SIGINT", async () => {
  const { process, held } = await hold("hold");
  assert.ok(isRunning(held.proxyPid, "nutcracker"));
  process.kill("SIGINT");
  assert.equal((await process.finished()).code, 130);
  await assertHeldGone(held);
});

Deno.test("startLocalRedis() with proxy leaves no nutcracker or redis-server behind when its process exits without stop()", async () => {
  const { process, held } = await hold("exit");
  assert.equal((await process.finished()).code, 0);
  await assertHeldGone(held);
});

Deno.test("stopFromState() stops the proxy and the servers a state file lists", async () => {
  const redis = await startLocalRedis({ proxy: true });
  try {
    const state = stateOf(redis);
    assert.equal(state.proxy?.pid, redis.proxy?.pid);
    assert.equal(state.proxy?.url, redis.url());
    const result = await stopFromState(state);
    assert.deepEqual(result.stopped, [redis.proxy!.pid, ...redis.nodes.map((n) => n.pid)]);
    assert.deepEqual(result.removed, [redis.proxy!.dir, ...redis.nodes.map((n) => n.dir)]);
    await assertNothingLeft(redis);
  } finally {
    await redis.stop();
  }
});
