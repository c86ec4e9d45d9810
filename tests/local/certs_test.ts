import assert from "node:assert/strict";
import { join } from "node:path";
import { generateTlsFiles } from "../../lib/local/certs.ts";
import { runProgram } from "../../lib/local/process.ts";
import { exists } from "./_helpers.ts";

/** What `openssl x509 -text` says about a certificate. */
function describe(path: string): Promise<string> {
  return runProgram("openssl", ["x509", "-in", path, "-noout", "-text"]);
}

Deno.test("generateTlsFiles() makes a CA, a node certificate for server and client use, and a client certificate", async () => {
  const dir = await Deno.makeTempDir({ prefix: "redfill-certs-test-" });
  try {
    const files = await generateTlsFiles(dir);
    assert.deepEqual(files, {
      dir,
      ca: join(dir, "ca.crt"),
      cert: join(dir, "client.crt"),
      key: join(dir, "client.key"),
      serverCert: join(dir, "server.crt"),
      serverKey: join(dir, "server.key"),
    });
    for (const cert of [files.cert, files.serverCert]) {
      assert.equal(
        (await runProgram("openssl", ["verify", "-CAfile", files.ca, cert])).trim(),
        `${cert}: OK`,
      );
    }
    const server = await describe(files.serverCert);
    assert.match(server, /DNS:localhost, IP Address:127\.0\.0\.1/);
    assert.match(server, /TLS Web Server Authentication, TLS Web Client Authentication/);
    assert.match(server, /prime256v1/);
    const client = await describe(files.cert);
    assert.match(client, /X509v3 Extended Key Usage:\s+TLS Web Client Authentication\s/);
    assert.doesNotMatch(client, /Server Authentication/);
    assert.match(await describe(files.ca), /CA:TRUE/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("generateTlsFiles() without a folder makes its own, removed with the others on unload", async () => {
  const files = await generateTlsFiles();
  try {
    assert.match(files.dir, /redfill-tls-\d+-/);
    assert.equal(await exists(files.key), true);
  } finally {
    await Deno.remove(files.dir, { recursive: true });
  }
});
