import { dirname, join } from "node:path";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { generateTlsFiles } from "../../lib/local/mod.ts";
import { assertFailure, runFillCli } from "../_cli.ts";

function address(port: number): string {
  return `"127\\.0\\.0\\.1:${port}"`;
}

Deno.test("deno task fill exits 3 with the cause for every TLS mismatch and never crashes", async () => {
  const [plain, tls, mtls] = await Promise.all([
    startLocalRedis({}),
    startLocalRedis({ tls: true }),
    startLocalRedis({ mtls: true }),
  ]);
  // A client certificate from another CA, which the mTLS server does not trust.
  const stranger = await generateTlsFiles();
  try {
    const host = ["-h", "127.0.0.1", "-d", "1MB", "--connect-timeout", "1500"];
    const tlsPort = tls.nodes[0]!.port;
    const mtlsPort = mtls.nodes[0]!.port;
    const plainPort = plain.nodes[0]!.port;
    const cases: Array<[string, string[], RegExp]> = [
      [
        "unknown CA",
        ["-p", String(tlsPort), "-t"],
        new RegExp(
          `TLS certificate of ${address(tlsPort)} is not signed by a trusted CA: pass --cacert`,
        ),
      ],
      [
        "wrong servername",
        ["-p", String(tlsPort), "-t", "--cacert", tls.tls!.ca, "--sni", "wrong.example"],
        new RegExp(
          `TLS certificate of ${address(tlsPort)} does not match the server name: pass --sni`,
        ),
      ],
      [
        "TLS to a plaintext port",
        ["-p", String(plainPort), "-t", "--insecure"],
        new RegExp(
          `TLS handshake with ${
            address(plainPort)
          } got no answer within 1\\.5 s: the port may not speak TLS`,
        ),
      ],
      [
        "plaintext to a TLS port",
        ["-p", String(tlsPort)],
        new RegExp(
          `${address(tlsPort)} closed the connection: it may require TLS \\(pass --tls\\)`,
        ),
      ],
      [
        "mTLS without a client certificate",
        ["-p", String(mtlsPort), "-t", "--cacert", mtls.tls!.ca],
        new RegExp(
          `${address(mtlsPort)} requires a client certificate \\(mTLS\\): pass --cert and --key`,
        ),
      ],
      [
        "mTLS with a client certificate the server does not trust",
        [
          "-p",
          String(mtlsPort),
          "-t",
          "--cacert",
          mtls.tls!.ca,
          "--cert",
          stranger.cert,
          "--key",
          stranger.key,
        ],
        new RegExp(`${address(mtlsPort)} rejected the client certificate`),
      ],
      [
        "a missing CA file",
        ["-p", String(tlsPort), "-t", "--cacert", join(dirname(tls.tls!.ca), "missing.crt")],
        /Cannot read the CA certificate \(--cacert\) file ".*missing\.crt": no such file/,
      ],
    ];
    await Promise.all(cases.map(async ([name, args, pattern]) => {
      const run = await runFillCli([...host, ...args]);
      const code = name === "a missing CA file" ? 2 : 3;
      try {
        assertFailure(run, code, pattern);
      } catch (error) {
        throw new Error(`${name}: ${(error as Error).message}`);
      }
    }));
  } finally {
    await Promise.all([plain.stop(), tls.stop(), mtls.stop()]);
    await Deno.remove(stranger.dir, { recursive: true });
  }
});
