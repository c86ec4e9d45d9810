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
import { drop, type Message, option, sentence } from "../message.ts";
import { describeConnectError } from "./errors.ts";
import { formatAddress } from "../address.ts";

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

/** What each TLS file is, and the option that names it. */
const TLS_FILES = {
  ca: ["CA certificate", "target.tls.ca"],
  cert: ["client certificate", "target.tls.cert"],
  key: ["client key", "target.tls.key"],
} as const;

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
      sentence`A client certificate needs both ${option("target.tls.cert")} and ${
        option("target.tls.key")
      }: pass the missing one`,
    );
  }
  const read = (file: keyof typeof TLS_FILES) => {
    const path = settings[file];
    if (path === undefined) return undefined;
    try {
      return Deno.readTextFileSync(path);
    } catch (error) {
      const reason = error instanceof Deno.errors.NotFound ? "no such file" : String(error);
      const [what, name] = TLS_FILES[file];
      throw new UsageError(
        sentence`Cannot read the ${what} (${option(name)}) file "${path}": ${reason}`,
      );
    }
  };
  const material: TlsMaterial = {
    ca: read("ca"),
    cert: read("cert"),
    key: read("key"),
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

let tlsAttempts = 0;

function onUncaughtError(event: ErrorEvent): void {
  const error = event.error as { code?: unknown } | null | undefined;
  const code = error && typeof error === "object" ? error.code : undefined;
  if (tlsAttempts > 0 && (code === "EPIPE" || code === "ECONNRESET")) event.preventDefault();
}

/**
 * Guards the process while a TLS connection is being set up. An mTLS server that rejects a
 * client without a certificate (TLS 1.3) makes Deno's node:tls throw an uncaught `write
 * EPIPE` that would kill the process (FACTS.md); while a guard is held, only that error
 * (EPIPE or ECONNRESET) is swallowed, so the connection fails through its own promise with
 * the server's alert instead. Release the guard once the first reply arrived or the attempt
 * failed; it stays armed a moment longer for a late error.
 *
 * @returns A function that releases the guard (idempotent).
 */
export function guardTlsHandshake(): () => void {
  if (tlsAttempts++ === 0) globalThis.addEventListener("error", onUncaughtError);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const timer = setTimeout(() => {
      if (--tlsAttempts === 0) globalThis.removeEventListener("error", onUncaughtError);
    }, 1000);
    Deno.unrefTimer(timer);
  };
}

/**
 * Whether a TCP connection to `host:port` can be opened: tells a closed or filtered port from
 * one that accepts but never completes a TLS handshake (a plaintext port). Used only to
 * explain a failure.
 *
 * @param host Host.
 * @param port Port.
 * @param timeoutMs How long to try.
 * @returns True when the port accepted a connection.
 */
export function tcpReachable(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (reachable: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reachable);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * The sentence for a TLS connection that got no handshake answer in time.
 *
 * @param target The target.
 * @param address `host:port`.
 * @param reachable Whether the port accepts plain TCP connections.
 * @returns The sentence.
 */
export function describeTlsTimeout(target: Target, address: string, reachable: boolean): Message {
  const seconds = target.connectTimeoutMs / 1000;
  return reachable
    ? sentence`TLS handshake with "${address}" got no answer within ${seconds} s: the port may not speak TLS; ${
      drop("target.tls")
    } or use the server's TLS port`
    : sentence`Cannot connect to "${address}": no answer within ${seconds} s; check the host, the port and any firewall`;
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
  const address = formatAddress(host, port);
  return new Promise((resolve, reject) => {
    let socket: net.Socket;
    const fail = (error: unknown) => {
      clearTimeout(timer);
      release();
      socket.destroy();
      reject(
        error instanceof ConnectionError || error instanceof UsageError
          ? error
          : new ConnectionError(describeConnectError(error, address, target), { cause: error }),
      );
    };
    const release = target.tls ? guardTlsHandshake() : () => {};
    let tcpUp = false;
    const timer = setTimeout(() => {
      fail(
        new ConnectionError(
          target.tls && tcpUp
            ? describeTlsTimeout(target, address, true)
            : `Cannot connect to "${address}": no answer within ${
              target.connectTimeoutMs / 1000
            } s; check the host, the port and any firewall`,
        ),
      );
    }, target.connectTimeoutMs);
    const ready = () => {
      clearTimeout(timer);
      release();
      socket.removeListener("error", fail);
      socket.setNoDelay(true);
      resolve(socket);
    };
    try {
      if (target.tls) {
        const options = tlsOptions(readTlsMaterial(target.tls), host);
        socket = tls.connect({ ...options, host, port }, ready);
        socket.once("connect", () => tcpUp = true);
      } else {
        socket = net.connect({ host, port }, ready);
      }
    } catch (error) {
      clearTimeout(timer);
      release();
      reject(error);
      return;
    }
    socket.once("error", fail);
  });
}
