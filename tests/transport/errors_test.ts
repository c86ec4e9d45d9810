import assert from "node:assert/strict";
import { codeOf, describeConnectError } from "../../lib/transport/errors.ts";
import type { Target } from "../../lib/types.ts";

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

Deno.test("describeConnectError() names the address and the fix for auth and ACL errors", () => {
  assert.equal(
    describeConnectError(failure("WRONGPASS invalid username-password pair"), ADDRESS, PLAIN),
    'Authentication failed on "10.0.0.5:6379": wrong password or unknown user; check --user and --password (or REDISCLI_AUTH)',
  );
  assert.equal(
    describeConnectError(failure("NOAUTH Authentication required."), ADDRESS, PLAIN),
    '"10.0.0.5:6379" requires a password: pass --password or set REDISCLI_AUTH',
  );
  assert.equal(
    describeConnectError(
      failure("NOPERM this user has no permissions to run the 'info' command"),
      ADDRESS,
      PLAIN,
    ),
    "The user is not allowed to run a command redfill needs on \"10.0.0.5:6379\": grant it with ACL SETUSER (NOPERM this user has no permissions to run the 'info' command)",
  );
});

Deno.test("describeConnectError() tells refused, unresolved and silent hosts apart", () => {
  assert.equal(
    describeConnectError(failure("connect ECONNREFUSED", "ECONNREFUSED"), ADDRESS, PLAIN),
    'Cannot connect to "10.0.0.5:6379": connection refused; check the host and port, and that redis-server is running',
  );
  for (const code of ["ENOTFOUND", "EAI_AGAIN"]) {
    assert.equal(
      describeConnectError(failure("getaddrinfo", code), "nohost:6379", PLAIN),
      'Cannot resolve the host of "nohost:6379": check the host name',
    );
  }
  const timeout =
    'Cannot connect to "10.0.0.5:6379": no answer within 5 s; check the host, the port and any firewall';
  assert.equal(describeConnectError(failure("x", "ETIMEDOUT"), ADDRESS, PLAIN), timeout);
  assert.equal(describeConnectError(failure("connect timed out"), ADDRESS, PLAIN), timeout);
});

Deno.test("describeConnectError() explains each TLS failure with the flag that fixes it", () => {
  const address = "10.0.0.5:6380";
  const cases: [Error, Target, string][] = [
    [
      failure("Hostname/IP does not match certificate's altnames", "ERR_TLS_CERT_ALTNAME_INVALID"),
      TLS,
      'TLS certificate of "10.0.0.5:6380" does not match the server name: pass --sni with a name the certificate holds',
    ],
    [
      failure("self-signed certificate in certificate chain", "SELF_SIGNED_CERT_IN_CHAIN"),
      TLS,
      'TLS certificate of "10.0.0.5:6380" is not signed by a trusted CA: pass --cacert with the CA that signed it (or --insecure for a test setup)',
    ],
    [
      failure("certificate has expired", "CERT_HAS_EXPIRED"),
      TLS,
      'TLS certificate of "10.0.0.5:6380" has expired: renew it, or pass --insecure for a test setup',
    ],
    [
      failure("peer did not return a certificate"),
      TLS,
      '"10.0.0.5:6380" requires a client certificate (mTLS): pass --cert and --key',
    ],
    [
      failure("received fatal alert: UnknownCA"),
      MTLS,
      '"10.0.0.5:6380" rejected the client certificate: pass --cert and --key signed by a CA the server trusts',
    ],
    [
      failure("write EPIPE", "EPIPE"),
      MTLS,
      '"10.0.0.5:6380" rejected the client certificate: pass --cert and --key signed by a CA the server trusts',
    ],
    [
      failure("wrong version number"),
      TLS,
      `TLS handshake with "10.0.0.5:6380" failed: the port may not speak TLS; drop --tls or use the server's TLS port`,
    ],
    [
      failure("Connection is closed."),
      TLS,
      'TLS connection to "10.0.0.5:6380" was closed during the handshake: check --tls, --cacert, --cert and --key',
    ],
  ];
  for (const [error, target, sentence] of cases) {
    assert.equal(describeConnectError(error, address, target), sentence, error.message);
  }
});

Deno.test("describeConnectError() suggests TLS for a plaintext connection the server closed", () => {
  assert.equal(
    describeConnectError(failure("read ECONNRESET", "ECONNRESET"), ADDRESS, PLAIN),
    '"10.0.0.5:6379" closed the connection: it may require TLS (pass --tls) or reject this client',
  );
});

Deno.test("describeConnectError() quotes anything else in one line of at most 160 characters", () => {
  const sentence = describeConnectError(
    failure(`strange\n  failure ${"x".repeat(300)}`),
    ADDRESS,
    PLAIN,
  );
  assert.ok(
    sentence.startsWith('Cannot connect to "10.0.0.5:6379": strange failure xxx'),
    sentence,
  );
  assert.equal(sentence.includes("\n"), false);
  assert.equal(sentence.length, 'Cannot connect to "10.0.0.5:6379": '.length + 160);
  assert.equal(
    describeConnectError("a thrown string", ADDRESS, PLAIN),
    'Cannot connect to "10.0.0.5:6379": a thrown string',
  );
});
