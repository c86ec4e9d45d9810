/**
 * Connectors: plaintext (node:net) and TLS (node:tls) sockets with the target's settings,
 * for the data plane; and the matching ioredis options for the control plane.
 *
 * @module
 */

import * as net from "node:net";
import * as tls from "node:tls";
import { ConnectionError, UsageError } from "../errors.ts";
import type { Target, TlsSettings } from "../types.ts";
import { describeConnectError } from "./errors.ts";

/** PEM contents read from the files named in {@linkcode TlsSettings}. */
export interface TlsMaterial {
  /** CA certificates. */
  ca?: string | undefined;
  /** Client certificate. */
  cert?: string | undefined;
  /** Client key. */
  key?: string | undefined;
  /** SNI and the name the certificate is checked against. */
  servername?: string | undefined;
  /** Skip verification. */
  insecure: boolean;
}

const materialCache = new WeakMap<TlsSettings, TlsMaterial>();

/**
 * Reads the CA, certificate and key files of a TLS setting once.
 *
 * @param settings The TLS settings.
 * @returns The PEM contents.
 * @throws {UsageError} when a file is missing or unreadable, or only one of cert and key is set.
 */
export function readTlsMaterial(settings: TlsSettings): TlsMaterial {
  const cached = materialCache.get(settings);
  if (cached) return cached;
  if ((settings.cert === undefined) !== (settings.key === undefined)) {
    throw new UsageError(
      "A client certificate needs both --cert and --key: pass the missing one",
    );
  }
  const read = (path: string | undefined, what: string) => {
    if (path === undefined) return undefined;
    try {
      return Deno.readTextFileSync(path);
    } catch (error) {
      const reason = error instanceof Deno.errors.NotFound ? "no such file" : String(error);
      throw new UsageError(`Cannot read the ${what} file "${path}": ${reason}`);
    }
  };
  const material: TlsMaterial = {
    ca: read(settings.ca, "CA certificate (--cacert)"),
    cert: read(settings.cert, "client certificate (--cert)"),
    key: read(settings.key, "client key (--key)"),
    servername: settings.servername,
    insecure: settings.insecure === true,
  };
  materialCache.set(settings, material);
  return material;
}

/**
 * The node:tls options for a connection.
 *
 * @param material The PEM contents.
 * @param host The host connected to (the default servername when it is a name).
 * @returns Options for `tls.connect` (also used by ioredis's `tls` option).
 */
export function tlsOptions(material: TlsMaterial, host: string): tls.ConnectionOptions {
  const options: tls.ConnectionOptions = { rejectUnauthorized: !material.insecure };
  if (material.ca !== undefined) options.ca = material.ca;
  if (material.cert !== undefined) options.cert = material.cert;
  if (material.key !== undefined) options.key = material.key;
  const servername = material.servername ?? (net.isIP(host) ? undefined : host);
  if (servername !== undefined) options.servername = servername;
  if (material.insecure) options.checkServerIdentity = () => undefined;
  return options;
}

/**
 * Opens a plaintext or TLS socket to `host:port` with the target's TLS settings.
 *
 * @param target The target (its TLS settings and connect timeout are used).
 * @param host Host to connect to.
 * @param port Port to connect to.
 * @returns The connected socket (TLS handshake done).
 * @throws {ConnectionError} with one sentence naming the address and the fix.
 */
export function connectSocket(target: Target, host: string, port: number): Promise<net.Socket> {
  const address = `${host}:${port}`;
  return new Promise((resolve, reject) => {
    let socket: net.Socket;
    const fail = (error: unknown) => {
      clearTimeout(timer);
      socket.destroy();
      reject(
        error instanceof ConnectionError || error instanceof UsageError
          ? error
          : new ConnectionError(describeConnectError(error, address, target), { cause: error }),
      );
    };
    const timer = setTimeout(() => {
      fail(
        new ConnectionError(
          `Cannot connect to "${address}": no answer within ${
            target.connectTimeoutMs / 1000
          } s; check the host, the port and any firewall`,
        ),
      );
    }, target.connectTimeoutMs);
    const ready = () => {
      clearTimeout(timer);
      socket.removeListener("error", fail);
      socket.setNoDelay(true);
      resolve(socket);
    };
    try {
      if (target.tls) {
        const options = tlsOptions(readTlsMaterial(target.tls), host);
        socket = tls.connect({ ...options, host, port }, ready);
      } else {
        socket = net.connect({ host, port }, ready);
      }
    } catch (error) {
      clearTimeout(timer);
      reject(error);
      return;
    }
    socket.once("error", fail);
  });
}
