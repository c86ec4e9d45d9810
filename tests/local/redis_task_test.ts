import assert from "node:assert/strict";
import { join } from "node:path";
import type { LocalState } from "../../lib/local/state.ts";
import { assertRedisGone, exists, isRedisServer, isRunning } from "./_helpers.ts";
import { DenoProcess, runDeno } from "./_subprocess.ts";

const TASK = "tasks/redfill.ts";

async function runShell(line: string): Promise<string> {
  const output = await new Deno.Command("sh", { args: ["-c", line], stdin: "null" }).output();
  const text = new TextDecoder().decode(output.stdout).trim();
  assert.ok(output.success, `${line} failed: ${new TextDecoder().decode(output.stderr)}`);
  return text;
}

Deno.test("redfill redis up --cluster --tls prints a redis-cli line that answers PONG on every node, and down stops it all", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "redfill-task-test-" });
  const state = join(tmp, "local.json");
  const up = new DenoProcess(TASK, [
    "redis",
    "up",
    "--cluster",
    "--tls",
    "--password",
    "pw",
    "--state",
    state,
  ]);
  try {
    const out = await up.waitFor("Press Ctrl-C");
    assert.match(out, /^Local redis cluster is up \(3 masters, 3 replicas, TLS, password\)/);
    assert.equal(out.match(/^ {2}(master|replica) +rediss:\/\/127\.0\.0\.1:\d+ /gm)?.length, 6);
    assert.match(out, /^CA certificate: +\/.*\/ca\.crt$/m);
    assert.match(out, /^Client certificate: +\/.*\/client\.crt$/m);
    assert.match(out, /^Password: +\(as given; redis-cli reads it from \$REDISCLI_AUTH\)$/m);
    const line = /^redis-cli: +(redis-cli .*)$/m.exec(out)?.[1];
    assert.ok(line, "no redis-cli line");
    assert.match(
      line,
      /^redis-cli -c -h 127\.0\.0\.1 -p \d+ --tls --cacert \S+ --cert \S+ --key \S+$/,
    );

    const saved = JSON.parse(await Deno.readTextFile(state)) as LocalState;
    assert.equal(
      JSON.stringify(saved).includes('"pw"'),
      false,
      "the state file holds the password",
    );
    assert.equal(saved.nodes.length, 6);
    assert.ok(saved.nodes.every((n) => isRedisServer(n.pid)));
    for (const node of saved.nodes) {
      const command: string = line.replace(/-p \d+/, `-p ${node.port}`);
      assert.equal(await runShell(`REDISCLI_AUTH=pw ${command} PING`), "PONG");
    }

    const status = await runDeno(TASK, ["redis", "status", "--state", state]);
    assert.equal(status.code, 0);
    assert.equal(status.stdout.match(/ alive$/gm)?.length, 6);

    const down = await runDeno(TASK, ["redis", "down", "--state", state]);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /^Stopped 6 redis-server process\(es\)/);
    const upDone = await up.finished();
    assert.equal(upDone.code, 0, upDone.stderr);
    assert.match(upDone.stderr, /Stopped by "redis down"/);
    await assertRedisGone(saved.nodes.map((n) => n.pid));
    assert.equal(await exists(state), false);
    for (const dir of [...saved.nodes.map((n) => n.dir), saved.tls!.dir]) {
      assert.equal(await exists(dir), false, `${dir} was left behind`);
    }
  } finally {
    up.kill("SIGKILL");
    await up.finished();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("redfill redis exits 2 with one sentence for a usage error", async () => {
  const needsCluster = await runDeno(TASK, ["redis", "up", "--masters", "2"]);
  assert.equal(needsCluster.code, 2);
  assert.equal(needsCluster.stderr, 'Option "--masters" needs "--cluster"\n');
  const notANumber = await runDeno(TASK, ["redis", "up", "--cluster", "--replicas", "x"]);
  assert.equal(notANumber.code, 2);
  assert.equal(
    notANumber.stderr,
    'Option "--replicas" must be an integer of at least 0, got "x"\n',
  );
  const unknown = await runDeno(TASK, ["redis", "up", "--bogus"]);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr, 'Unknown option "--bogus": see "redfill redis up --help"\n');
});

Deno.test("redfill redis up names the missing redis-server and how to install it", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "redfill-task-test-" });
  try {
    const result = await runDeno(TASK, ["redis", "up", "--state", join(tmp, "local.json")], {
      PATH: "/nonexistent",
    });
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      'Cannot find "redis-server" on PATH: install it with "apt-get install -y redis-server"\n',
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("redfill redis down and status say so when nothing runs", async () => {
  const state = "/nonexistent/local.json";
  const down = await runDeno(TASK, ["redis", "down", "--state", state]);
  assert.equal(down.code, 0);
  assert.equal(down.stdout, `Nothing to stop: no state file at ${state}\n`);
  const status = await runDeno(TASK, ["redis", "status", "--state", state]);
  assert.equal(status.code, 0);
  assert.equal(status.stdout, `No local servers: no state file at ${state}\n`);
});

Deno.test("redfill redis up --proxy --servers 3 describes the proxy and its servers, status shows them, down stops them", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "redfill-task-test-" });
  const state = join(tmp, "local.json");
  const up = new DenoProcess(TASK, ["redis", "up", "--proxy", "--servers", "3", "--state", state]);
  try {
    const out = await up.waitFor("Press Ctrl-C");
    assert.match(out, /^Local redis standalone is up \(twemproxy in front of 3 servers\)/);
    assert.match(
      out,
      /^ {2}proxy +redis:\/\/127\.0\.0\.1:\d+ +pool \w+, stats on port \d+ +pid \d+$/m,
    );
    assert.equal(
      out.match(/^ {2}server +redis:\/\/127\.0\.0\.1:\d+ +behind the proxy/gm)?.length,
      3,
    );
    const saved = JSON.parse(await Deno.readTextFile(state)) as LocalState;
    const proxyPort = /^ {2}proxy +redis:\/\/127\.0\.0\.1:(\d+)/m.exec(out)?.[1];
    assert.equal(String(saved.proxy?.port), proxyPort);
    assert.match(
      out,
      new RegExp(`^redis-cli: +redis-cli -h 127\\.0\\.0\\.1 -p ${proxyPort}$`, "m"),
    );
    assert.equal(await runShell(`redis-cli -p ${proxyPort} PING`), "PONG");

    const status = await runDeno(TASK, ["redis", "status", "--state", state]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^ {2}proxy +redis:\/\/127\.0\.0\.1:\d+ +pid \d+ alive$/m);
    assert.equal(status.stdout.match(/^ {2}server .* alive$/gm)?.length, 3);

    const down = await runDeno(TASK, ["redis", "down", "--state", state]);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /^Stopped 4 nutcracker and redis-server process\(es\)/);
    assert.equal((await up.finished()).code, 0);
    await assertRedisGone(saved.nodes.map((n) => n.pid));
    assert.equal(isRunning(saved.proxy!.pid, "nutcracker"), false);
  } finally {
    up.kill("SIGKILL");
    await up.finished();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("redfill redis up stops its servers and exits 143 on SIGTERM", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "redfill-task-test-" });
  const state = join(tmp, "local.json");
  const up = new DenoProcess(TASK, ["redis", "up", "--state", state]);
  try {
    await up.waitFor("Press Ctrl-C");
    const saved = JSON.parse(await Deno.readTextFile(state)) as LocalState;
    up.kill("SIGTERM");
    const done = await up.finished();
    assert.equal(done.code, 143, done.stderr);
    assert.match(done.stderr, /Stopping the local servers \(SIGTERM\)/);
    await assertRedisGone(saved.nodes.map((n) => n.pid));
    assert.equal(await exists(state), false);
  } finally {
    up.kill("SIGKILL");
    await up.finished();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("redfill redis up --servers needs --proxy, and --proxy refuses a cluster", async () => {
  const servers = await runDeno(TASK, ["redis", "up", "--servers", "2"]);
  assert.deepEqual([servers.code, servers.stderr], [2, 'Option "--servers" needs "--proxy"\n']);
  const cluster = await runDeno(TASK, ["redis", "up", "--proxy", "--cluster"]);
  assert.deepEqual(
    [cluster.code, cluster.stderr],
    [2, 'Option "--cluster" does not go with "--proxy": twemproxy fronts standalone servers\n'],
  );
});
