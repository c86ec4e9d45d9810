import assert from "node:assert/strict";
import { join } from "node:path";
import { ConnectionError, UsageError } from "../../lib/errors.ts";
import { localTarget, startLocalRedis } from "../../lib/local/mod.ts";
import {
  connectSocket,
  describeTlsTimeout,
  readTlsMaterial,
  tcpReachable,
  tlsOptions,
} from "../../lib/transport/connectors.ts";
import type { Target } from "../../lib/types.ts";
import { closedPort, silentPeer } from "../_cli.ts";

const TARGET: Target = {
  host: "127.0.0.1",
  port: 6380,
  mode: "standalone",
  connectTimeoutMs: 3000,
  commandTimeoutMs: 10000,
};

Deno.test("readTlsMaterial() reads each file once and names a missing one with its flag", async () => {
  const dir = await Deno.makeTempDir({ prefix: "redfill-tls-test-" });
  try {
    await Deno.writeTextFile(join(dir, "ca.crt"), "CA PEM");
    const settings = { ca: join(dir, "ca.crt"), servername: "redis.local" };
    const material = readTlsMaterial(settings);
    assert.deepEqual(material, {
      ca: "CA PEM",
      cert: undefined,
      key: undefined,
      servername: "redis.local",
      insecure: false,
    });
    await Deno.remove(join(dir, "ca.crt"));
    assert.equal(readTlsMaterial(settings), material, "read once per settings object");
    assert.throws(
      () => readTlsMaterial({ ca: join(dir, "ca.crt") }),
      (error: unknown) =>
        error instanceof UsageError &&
        error.message ===
          `Cannot read the CA certificate (target.tls.ca) file "${
            join(dir, "ca.crt")
          }": no such file`,
    );
    assert.throws(
      () => readTlsMaterial({ cert: join(dir, "client.crt") }),
      (error: unknown) =>
        error instanceof UsageError &&
        error.message ===
          "A client certificate needs both target.tls.cert and target.tls.key: pass the missing one",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tlsOptions() checks the certificate unless insecure, and sends a host name as SNI", () => {
  const strict = tlsOptions({ ca: "CA", cert: "C", key: "K", insecure: false }, "redis.example");
  assert.deepEqual(strict, {
    rejectUnauthorized: true,
    ca: "CA",
    cert: "C",
    key: "K",
    servername: "redis.example",
  });
  const byAddress = tlsOptions({ insecure: false }, "10.0.0.5");
  assert.equal("servername" in byAddress, false, "an IP address is not a server name");
  const named = tlsOptions({ servername: "redis.local", insecure: true }, "10.0.0.5");
  assert.equal(named.servername, "redis.local");
  assert.equal(named.rejectUnauthorized, false);
  assert.equal(named.checkServerIdentity?.("redis.local", {} as never), undefined);
});

Deno.test("describeTlsTimeout() tells a port that accepts TCP from one that does not answer", () => {
  assert.equal(
    describeTlsTimeout(TARGET, "127.0.0.1:6380", true).render(),
    `TLS handshake with "127.0.0.1:6380" got no answer within 3 s: the port may not speak TLS; remove target.tls or use the server's TLS port`,
  );
  assert.equal(
    describeTlsTimeout(TARGET, "127.0.0.1:6380", false).render(),
    'Cannot connect to "127.0.0.1:6380": no answer within 3 s; check the host, the port and any firewall',
  );
});

Deno.test("tcpReachable() is true for a listening port and false for a closed one", async () => {
  const peer = silentPeer();
  try {
    assert.equal(await tcpReachable("127.0.0.1", peer.port, 2000), true);
    assert.equal(await tcpReachable("127.0.0.1", closedPort(), 2000), false);
  } finally {
    peer.close();
  }
});

Deno.test("connectSocket() completes a TLS handshake with the target's CA and certificate", async () => {
  await using local = await startLocalRedis({ tls: true, mtls: true });
  const target = localTarget(local);
  const socket = await connectSocket(target, target.host, target.port);
  try {
    const reply = new Promise<string>((resolve) =>
      socket.once("data", (chunk: Uint8Array) => resolve(new TextDecoder().decode(chunk)))
    );
    socket.write("PING\r\n");
    assert.equal(await reply, "+PONG\r\n");
  } finally {
    socket.destroy();
  }
});

Deno.test("connectSocket() fails with one sentence for a refused port and a silent TLS peer", async () => {
  const refused = closedPort();
  await assert.rejects(
    () => connectSocket({ ...TARGET, port: refused }, "127.0.0.1", refused),
    (error: unknown) =>
      error instanceof ConnectionError &&
      error.message ===
        `Cannot connect to "127.0.0.1:${refused}": connection refused; check the host and port, and that redis-server is running`,
  );
  const peer = silentPeer();
  try {
    const target: Target = { ...TARGET, port: peer.port, connectTimeoutMs: 300, tls: {} };
    await assert.rejects(
      () => connectSocket(target, "127.0.0.1", peer.port),
      (error: unknown) =>
        error instanceof ConnectionError &&
        error.message ===
          `TLS handshake with "127.0.0.1:${peer.port}" got no answer within 0.3 s: the port may not speak TLS; remove target.tls or use the server's TLS port`,
    );
  } finally {
    peer.close();
  }
});
