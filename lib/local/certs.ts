/**
 * Certificates for a TLS run, made with `openssl`: a CA, one node certificate shared by every
 * node (SAN `DNS:localhost` and `IP:127.0.0.1`, valid for serverAuth and clientAuth because a
 * TLS cluster's bus and TLS replication present it as a client certificate) and a client
 * certificate. Keys are EC P-256: generating them takes milliseconds.
 *
 * @module
 */

import { join } from "node:path";
import { makeTrackedTempDir, removeTrackedTempDir, runProgram } from "./process.ts";
import type { LocalTlsFiles } from "./types.ts";

const CURVE = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

const SERVER_EXTENSIONS = [
  "basicConstraints=critical,CA:FALSE",
  "keyUsage=critical,digitalSignature,keyEncipherment",
  "extendedKeyUsage=serverAuth,clientAuth",
  "subjectAltName=DNS:localhost,IP:127.0.0.1",
].join("\n");

const CLIENT_EXTENSIONS = [
  "basicConstraints=critical,CA:FALSE",
  "keyUsage=critical,digitalSignature,keyEncipherment",
  "extendedKeyUsage=clientAuth",
].join("\n");

async function issue(
  dir: string,
  name: string,
  subject: string,
  extensions: string,
): Promise<void> {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  await Deno.writeTextFile(ext, extensions + "\n");
  await runProgram("openssl", ["req", ...CURVE, "-keyout", key, "-out", csr, "-subj", subject]);
  await runProgram("openssl", [
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    join(dir, "ca.crt"),
    "-CAkey",
    join(dir, "ca.key"),
    "-set_serial",
    String(Date.now() * 1000 + Math.floor(Math.random() * 1000)),
    "-days",
    "7",
    "-extfile",
    ext,
    "-out",
    join(dir, `${name}.crt`),
  ]);
}

/**
 * Generates a CA, a node certificate and a client certificate in a new temporary folder (or
 * in `dir`), with `openssl`.
 *
 * @param dir Where to write them; default a new temporary folder, removed on unload.
 * @returns The paths.
 * @throws {MissingProgramError} When `openssl` is not on PATH.
 * @example
 * ```ts ignore
 * import { generateTlsFiles } from "./certs.ts";
 * const tls = await generateTlsFiles();
 * console.log(tls.ca, tls.cert, tls.key);
 * ```
 */
export async function generateTlsFiles(dir?: string): Promise<LocalTlsFiles> {
  const folder = dir ?? await makeTrackedTempDir("redfill-tls-");
  try {
    await makeAll(folder);
  } catch (error) {
    if (dir === undefined) await removeTrackedTempDir(folder);
    throw error;
  }
  return {
    dir: folder,
    ca: join(folder, "ca.crt"),
    cert: join(folder, "client.crt"),
    key: join(folder, "client.key"),
    serverCert: join(folder, "server.crt"),
    serverKey: join(folder, "server.key"),
  };
}

async function makeAll(folder: string): Promise<void> {
  await runProgram("openssl", [
    "req",
    "-x509",
    ...CURVE,
    "-keyout",
    join(folder, "ca.key"),
    "-out",
    join(folder, "ca.crt"),
    "-days",
    "7",
    "-subj",
    "/CN=redfill local CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  await Promise.all([
    issue(folder, "server", "/CN=localhost", SERVER_EXTENSIONS),
    issue(folder, "client", "/CN=redfill client", CLIENT_EXTENSIONS),
  ]);
}
