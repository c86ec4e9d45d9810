import assert from "node:assert/strict";
import { join } from "node:path";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { addressFlags, assertFailure, runDeno, runFillCli, silentPeer } from "../_cli.ts";

/** Writes a pipeline file into a new temp folder and returns its path. */
async function pipelineFile(lines: string[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "redfill-messages-" });
  const file = join(dir, "pipeline.yaml");
  await Deno.writeTextFile(file, [...lines, ""].join("\n"));
  return file;
}

/**
 * A peer that answers whatever it reads with an HTML page, as a web server on the wrong port
 * would.
 */
function htmlPeer(): { port: number; close(): void } {
  return silentPeer(async (conn) => {
    const buffer = new Uint8Array(4096);
    while ((await conn.read(buffer)) !== null) {
      await conn.write(new TextEncoder().encode("<html><body>Not here</body></html>\r\n"));
    }
  });
}

Deno.test("a missing client certificate under mTLS names the flags under deno task fill and the options under deno task run", async () => {
  const mtls = await startLocalRedis({ mtls: true });
  const port = mtls.nodes[0]!.port;
  const file = await pipelineFile([
    "version: 1",
    "name: mtls",
    "target:",
    `  url: rediss://127.0.0.1:${port}`,
    "  mode: standalone",
    `  tls: { ca: ${mtls.tls!.ca} }`,
    "steps:",
    "  - connect",
    "  - report",
  ]);
  try {
    const [fill, run] = await Promise.all([
      runFillCli(["-h", "127.0.0.1", "-p", String(port), "-t", "--cacert", mtls.tls!.ca]),
      runDeno(["run", "-A", "tasks/redfill.ts", "run", file]),
    ]);
    const address = `"127.0.0.1:${port}"`;
    assert.equal(
      fill.stderr.trim().split("\n").at(-1),
      `Step "connect" failed: ${address} requires a client certificate (mTLS): pass --cert and --key`,
    );
    assertFailure(fill, 3, /pass --cert and --key$/);
    assert.equal(
      run.stderr.trim().split("\n").at(-1),
      `Step "connect" failed: ${address} requires a client certificate (mTLS): set target.tls.cert and target.tls.key`,
    );
    assertFailure(run, 3, /set target\.tls\.cert and target\.tls\.key$/);
    // The report names them the same way as the last line does.
    const unwrapped = (text: string) => text.replace(/\n {2}/g, " ");
    assert.match(unwrapped(fill.stdout), /\(mTLS\): pass --cert and --key/);
    assert.doesNotMatch(fill.stdout, /target\.tls/);
    assert.match(unwrapped(run.stdout), /\(mTLS\): set target\.tls\.cert and target\.tls\.key/);
    assert.doesNotMatch(run.stdout, /--cert/);
  } finally {
    await mtls.stop();
    await Deno.remove(join(file, ".."), { recursive: true });
  }
});

Deno.test("a flush the user may not run names --yes under deno task fill and flush.yes in a pipeline file", async () => {
  // The seed is loopback but the flush refuses at load time for another host: both readers.
  const file = await pipelineFile([
    "version: 1",
    "target: { host: 192.0.2.1, port: 6379 }",
    "steps:",
    "  - connect",
    "  - flush",
  ]);
  try {
    const [fill, run] = await Promise.all([
      runFillCli(["-h", "192.0.2.1", "-f"]),
      runDeno(["run", "-A", "tasks/redfill.ts", "run", file]),
    ]);
    assertFailure(
      fill,
      2,
      /^Refusing to flush "192\.0\.2\.1": it is not a loopback address; pass --yes to confirm$/,
    );
    assertFailure(run, 2, /\^$/);
    assert.match(
      run.stderr,
      /:5:5: step "flush": refuses to flush "192\.0\.2\.1", which is not a loopback address: add "yes: true" to confirm/,
    );
  } finally {
    await Deno.remove(join(file, ".."), { recursive: true });
  }
});

Deno.test("deno task fill against a peer that does not speak RESP says it is not a Redis server", async () => {
  const peer = htmlPeer();
  try {
    const run = await runFillCli(["-h", "127.0.0.1", "-p", String(peer.port), "-d", "1MB"]);
    assertFailure(
      run,
      3,
      new RegExp(
        `^Step "connect" failed: "127\\.0\\.0\\.1:${peer.port}" did not answer like a Redis server \\(it sent "<", which looks like HTTP\\)$`,
      ),
    );
    assert.doesNotMatch(run.stderr + run.stdout, /Unknown RESP|Please report/);
  } finally {
    peer.close();
  }
});

Deno.test("a password given to a server without one fills it with one warning of ours and no ioredis line", async () => {
  const redis = await startLocalRedis();
  try {
    const port = String(redis.nodes[0]!.port);
    // REDISCLI_AUTH: -a would add its own warning that deno task prints the password.
    const run = await runFillCli([...addressFlags(redis), "-d", "1MB"], {
      env: { REDISCLI_AUTH: "keys" },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /\[WARN\]|\[ERROR\]|\[ioredis\]/);
    const warnings = run.stderr.split("\n").filter((line) => line.startsWith("warning:"));
    assert.deepEqual(warnings, [
      `warning: "127.0.0.1:${port}" has no password set: the password given is not used`,
    ]);
  } finally {
    await redis.stop();
  }
});
