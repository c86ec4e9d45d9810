import assert from "node:assert/strict";
import { assertFailure, closedPort, runFillCli, silentPeer } from "../_cli.ts";

Deno.test("deno task fill exits 3 at once when nothing listens on the port", async () => {
  const port = closedPort();
  const run = await runFillCli(["-h", "127.0.0.1", "-p", String(port), "-d", "1MB"]);
  assertFailure(
    run,
    3,
    new RegExp(`Cannot connect to "127\\.0\\.0\\.1:${port}": connection refused`),
  );
  assert.ok(run.ms < 10_000, `took ${run.ms} ms`);
});

Deno.test("deno task fill exits 3 within --connect-timeout when the peer accepts and never answers", async () => {
  const peer = silentPeer();
  try {
    const run = await runFillCli([
      "-h",
      "127.0.0.1",
      "-p",
      String(peer.port),
      "--connect-timeout",
      "1000",
      "-d",
      "1MB",
    ]);
    assertFailure(
      run,
      3,
      new RegExp(
        `"127\\.0\\.0\\.1:${peer.port}" accepted the connection but did not answer within 1 s`,
      ),
    );
    assert.ok(run.ms < 8_000, `took ${run.ms} ms`);
  } finally {
    peer.close();
  }
});

Deno.test("deno task fill over TLS exits 3 within --connect-timeout when the peer never answers", async () => {
  const peer = silentPeer();
  try {
    const run = await runFillCli([
      "-h",
      "127.0.0.1",
      "-p",
      String(peer.port),
      "--tls",
      "--insecure",
      "--connect-timeout",
      "1000",
    ]);
    assertFailure(run, 3, new RegExp(`"127\\.0\\.0\\.1:${peer.port}".*1 s`));
    assert.ok(run.ms < 8_000, `took ${run.ms} ms`);
  } finally {
    peer.close();
  }
});

Deno.test("deno task fill rejects a --connect-timeout that is not a number with exit 2", async () => {
  const run = await runFillCli(["-h", "127.0.0.1", "--connect-timeout", "soon"]);
  assertFailure(run, 2, /^Invalid --connect-timeout "soon": expected a whole number/);
});
