import assert from "node:assert/strict";
import { flagOf } from "../../lib/cli/fill_flags.ts";
import type { Message } from "../../lib/message.ts";
import { codeOf, describeConnectError, notRedis } from "../../lib/transport/errors.ts";
import type { Target } from "../../lib/types.ts";
import { RedfillError } from "../../lib/errors.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { withTransport } from "../_local.ts";

const PLAIN: Target = {
  host: "10.0.0.5",
  port: 6379,
  mode: "standalone",
  connectTimeoutMs: 5000,
  commandTimeoutMs: 10000,
};
const TLS: Target = { ...PLAIN, port: 6380, tls: {} };
const MTLS: Target = { ...TLS, tls: { cert: "client.crt", key: "client.key" } };
const ADDRESS = "10.0.0.5:6379";

/** A sentence as a pipeline file's reader and as `deno task fill`'s reader read it. */
function views(message: Message): { file: string; cli: string } {
  return { file: message.render(), cli: message.render({ name: flagOf }) };
}

/** An error as node or ioredis reports it: a message and an optional code. */
function failure(message: string, code?: string): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

Deno.test("codeOf() reads an error's code, or gives an empty string", () => {
  assert.equal(codeOf(failure("refused", "ECONNREFUSED")), "ECONNREFUSED");
  assert.equal(codeOf({ code: 42 }), "42");
  assert.equal(codeOf(new Error("no code")), "");
  assert.equal(codeOf(null), "");
  assert.equal(codeOf("text"), "");
});

Deno.test("describeConnectError() names the address and the option to fix for auth and ACL errors", () => {
  assert.deepEqual(
    views(
      describeConnectError(failure("WRONGPASS invalid username-password pair"), ADDRESS, PLAIN),
    ),
    {
      file:
        'Authentication failed on "10.0.0.5:6379": wrong password or unknown user; check target.username and target.password',
      cli:
        'Authentication failed on "10.0.0.5:6379": wrong password or unknown user; check --username and --password',
    },
  );
  assert.deepEqual(
    views(describeConnectError(failure("NOAUTH Authentication required."), ADDRESS, PLAIN)),
    {
      file: '"10.0.0.5:6379" requires a password: set target.password',
      cli: '"10.0.0.5:6379" requires a password: pass --password',
    },
  );
  assert.equal(
    describeConnectError(
      failure("NOPERM this user has no permissions to run the 'info' command"),
      ADDRESS,
      PLAIN,
    ).render(),
    "The user is not allowed to run a command redfill needs on \"10.0.0.5:6379\": grant it with ACL SETUSER (NOPERM this user has no permissions to run the 'info' command)",
  );
});

Deno.test("describeConnectError() tells refused, unresolved and silent hosts apart", () => {
  assert.equal(
    describeConnectError(failure("connect ECONNREFUSED", "ECONNREFUSED"), ADDRESS, PLAIN).render(),
    'Cannot connect to "10.0.0.5:6379": connection refused; check the host and port, and that redis-server is running',
  );
  for (const code of ["ENOTFOUND", "EAI_AGAIN"]) {
    assert.equal(
      describeConnectError(failure("getaddrinfo", code), "nohost:6379", PLAIN).render(),
      'Cannot resolve the host of "nohost:6379": check the host name',
    );
  }
  const timeout =
    'Cannot connect to "10.0.0.5:6379": no answer within 5 s; check the host, the port and any firewall';
  assert.equal(describeConnectError(failure("x", "ETIMEDOUT"), ADDRESS, PLAIN).render(), timeout);
  assert.equal(
    describeConnectError(failure("connect timed out"), ADDRESS, PLAIN).render(),
    timeout,
  );
});

Deno.test("describeConnectError() explains each TLS failure with the option that fixes it, named by its path or its flag", () => {
  const address = "10.0.0.5:6380";
  const cases: [Error, Target, { file: string; cli: string }][] = [
    [
      failure("Hostname/IP does not match certificate's altnames", "ERR_TLS_CERT_ALTNAME_INVALID"),
      TLS,
      {
        file:
          'TLS certificate of "10.0.0.5:6380" does not match the server name: set target.tls.servername with a name the certificate holds',
        cli:
          'TLS certificate of "10.0.0.5:6380" does not match the server name: pass --sni with a name the certificate holds',
      },
    ],
    [
      failure("self-signed certificate in certificate chain", "SELF_SIGNED_CERT_IN_CHAIN"),
      TLS,
      {
        file:
          'TLS certificate of "10.0.0.5:6380" is not signed by a trusted CA: set target.tls.ca with the CA that signed it (or target.tls.insecure for a test setup)',
        cli:
          'TLS certificate of "10.0.0.5:6380" is not signed by a trusted CA: pass --cacert with the CA that signed it (or --insecure for a test setup)',
      },
    ],
    [
      failure("certificate has expired", "CERT_HAS_EXPIRED"),
      TLS,
      {
        file:
          'TLS certificate of "10.0.0.5:6380" has expired: renew it, or set target.tls.insecure: true for a test setup',
        cli:
          'TLS certificate of "10.0.0.5:6380" has expired: renew it, or pass --insecure for a test setup',
      },
    ],
    [
      failure("peer did not return a certificate"),
      TLS,
      {
        file:
          '"10.0.0.5:6380" requires a client certificate (mTLS): set target.tls.cert and target.tls.key',
        cli: '"10.0.0.5:6380" requires a client certificate (mTLS): pass --cert and --key',
      },
    ],
    [
      failure("received fatal alert: UnknownCA"),
      MTLS,
      {
        file:
          '"10.0.0.5:6380" rejected the client certificate: set target.tls.cert and target.tls.key signed by a CA the server trusts',
        cli:
          '"10.0.0.5:6380" rejected the client certificate: pass --cert and --key signed by a CA the server trusts',
      },
    ],
    [
      failure("write EPIPE", "EPIPE"),
      MTLS,
      {
        file:
          '"10.0.0.5:6380" rejected the client certificate: set target.tls.cert and target.tls.key signed by a CA the server trusts',
        cli:
          '"10.0.0.5:6380" rejected the client certificate: pass --cert and --key signed by a CA the server trusts',
      },
    ],
    [
      failure("wrong version number"),
      TLS,
      {
        file:
          `TLS handshake with "10.0.0.5:6380" failed: the port may not speak TLS; remove target.tls or use the server's TLS port`,
        cli:
          `TLS handshake with "10.0.0.5:6380" failed: the port may not speak TLS; drop --tls or use the server's TLS port`,
      },
    ],
    [
      failure("Connection is closed."),
      TLS,
      {
        file:
          'TLS connection to "10.0.0.5:6380" was closed during the handshake: check target.tls, target.tls.ca, target.tls.cert and target.tls.key',
        cli:
          'TLS connection to "10.0.0.5:6380" was closed during the handshake: check --tls, --cacert, --cert and --key',
      },
    ],
  ];
  for (const [error, target, expected] of cases) {
    assert.deepEqual(views(describeConnectError(error, address, target)), expected, error.message);
  }
});

Deno.test("describeConnectError() suggests TLS for a plaintext connection the server closed", () => {
  assert.deepEqual(
    views(describeConnectError(failure("read ECONNRESET", "ECONNRESET"), ADDRESS, PLAIN)),
    {
      file:
        '"10.0.0.5:6379" closed the connection: it may require TLS (set target.tls) or reject this client',
      cli:
        '"10.0.0.5:6379" closed the connection: it may require TLS (pass --tls) or reject this client',
    },
  );
});

Deno.test("describeConnectError() quotes anything else in one line of at most 160 characters", () => {
  const sentence = describeConnectError(
    failure(`strange\n  failure ${"x".repeat(300)}`),
    ADDRESS,
    PLAIN,
  ).render();
  assert.ok(
    sentence.startsWith('Cannot connect to "10.0.0.5:6379": strange failure xxx'),
    sentence,
  );
  assert.equal(sentence.includes("\n"), false);
  assert.equal(sentence.length, 'Cannot connect to "10.0.0.5:6379": '.length + 160);
  assert.equal(
    describeConnectError("a thrown string", ADDRESS, PLAIN).render(),
    'Cannot connect to "10.0.0.5:6379": a thrown string',
  );
});

Deno.test("describeConnectError() says a peer that answers with something other than RESP is not a Redis server", () => {
  const sentence = (first: string) =>
    describeConnectError(
      failure(`Unknown RESP type ${first.charCodeAt(0)} "${first}". Please report this.`),
      "127.0.0.1:18002",
      PLAIN,
    ).render();
  assert.equal(
    sentence("<"),
    '"127.0.0.1:18002" did not answer like a Redis server (it sent "<", which looks like HTTP)',
  );
  assert.equal(
    sentence("H"),
    '"127.0.0.1:18002" did not answer like a Redis server (it sent "H", which looks like HTTP)',
  );
  assert.equal(
    sentence("\x15"),
    '"127.0.0.1:18002" did not answer like a Redis server (it sent byte 0x15, which looks like TLS)',
  );
  assert.equal(
    sentence("#"),
    '"127.0.0.1:18002" did not answer like a Redis server (it sent "#")',
  );
  assert.equal(notRedis("connect ECONNREFUSED", "127.0.0.1:18002"), undefined);
});

Deno.test("a command that times out on a server that is up says so, not that the connection failed", async () => {
  await using local = await startLocalRedis();
  const seed = local.masters()[0]!;
  const address = `127.0.0.1:${seed.port}`;
  await withTransport(local, async (transport) => {
    // BLPOP on a key nobody pushes holds the server's answer for 2 s: past a 300 ms timeout.
    const error = await transport.call(["BLPOP", "redfill-test-nothing", "2"]).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof RedfillError, String(error));
    assert.deepEqual(views(error.sentence), {
      file:
        `"${address}" did not answer a command within 0.3 s: the server is busy or stalled; wait for it, or raise target.command-timeout`,
      cli:
        `"${address}" did not answer a command within 0.3 s: the server is busy or stalled; wait for it, or raise --timeout`,
    });
  }, { target: { commandTimeoutMs: 300 } });
});
