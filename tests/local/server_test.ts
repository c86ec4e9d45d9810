import assert from "node:assert/strict";
import { join } from "node:path";
import { LocalRedisError } from "../../lib/local/errors.ts";
import {
  connectServer,
  removeServerDir,
  type ServerSettings,
  startServer,
  stopServer,
} from "../../lib/local/server.ts";
import { assertRedisGone, exists } from "./_helpers.ts";

const SECRET = "conf-only-secret";

Deno.test("startServer() keeps secrets in a private config file, never on the command line", async () => {
  const settings: ServerSettings = {
    password: SECRET,
    user: { name: "app", password: "app-secret" },
    maxmemory: "4mb",
    extraArgs: ["--hz", "20"],
    handleSignals: false,
  };
  const server = await startServer(settings);
  try {
    const cmdline = await Deno.readTextFile(`/proc/${server.process.pid}/cmdline`);
    assert.ok(!cmdline.includes(SECRET) && !cmdline.includes("app-secret"), cmdline);
    const conf = join(server.dir, "redis.conf");
    assert.equal((await Deno.stat(conf)).mode! & 0o777, 0o600);
    assert.match(await Deno.readTextFile(conf), /^requirepass "conf-only-secret"$/m);
    const client = await connectServer(settings, server.port);
    try {
      assert.equal(await client.call("ACL", "WHOAMI"), "default");
      assert.deepEqual(await client.call("CONFIG", "GET", "hz"), ["hz", "20"]);
      assert.deepEqual(await client.call("CONFIG", "GET", "maxmemory"), [
        "maxmemory",
        String(4 * 1024 * 1024),
      ]);
      assert.deepEqual(await client.call("CONFIG", "GET", "bind"), ["bind", "127.0.0.1"]);
    } finally {
      client.close();
    }
  } finally {
    await stopServer(settings, server);
    await removeServerDir(server);
  }
  assert.equal(server.process.exited, true);
  await assertRedisGone([server.process.pid]);
  assert.equal(await exists(server.dir), false);
});

Deno.test("startServer() fails with the server's own words when redis-server refuses to start", async () => {
  const settings: ServerSettings = {
    extraArgs: ["--no-such-directive", "1"],
    handleSignals: false,
  };
  await assert.rejects(
    () => startServer(settings),
    (error: unknown) =>
      error instanceof LocalRedisError &&
      /^Local redis-server exited while starting \(port \d+\): .*no-such-directive/i.test(
        error.message,
      ),
  );
});

Deno.test("stopServer() stops a server that ignores SHUTDOWN, by SIGKILL after the grace", async () => {
  const settings: ServerSettings = {
    extraArgs: ["--rename-command", "SHUTDOWN", ""],
    handleSignals: false,
  };
  const server = await startServer(settings);
  try {
    await stopServer(settings, server, 100);
    assert.equal((await server.process.status).signal, "SIGKILL");
  } finally {
    await removeServerDir(server);
  }
  await stopServer(settings, server); // stopped already: nothing to do
});
