/**
 * Turning socket, TLS and Redis errors into one sentence that names the address and the fix.
 *
 * @module
 */

import type { Target } from "../types.ts";

/**
 * The `code` of an error (`ECONNREFUSED`, `ETIMEDOUT` …), or "".
 *
 * @param error What was thrown.
 * @returns The code.
 */
export function codeOf(error: unknown): string {
  if (error && typeof error === "object" && "code" in error) return String(error.code);
  return "";
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Describes why a connection to `address` failed, in one sentence.
 *
 * @param error What the socket, TLS layer or server reported.
 * @param address `host:port`.
 * @param target The target (to tell TLS and auth problems apart).
 * @returns The sentence.
 */
export function describeConnectError(error: unknown, address: string, target: Target): string {
  const code = codeOf(error);
  const message = messageOf(error);
  const text = `${code} ${message}`;
  if (/WRONGPASS|invalid password|invalid username-password/i.test(text)) {
    return `Authentication failed on "${address}": wrong password or unknown user; check --user and --password (or REDISCLI_AUTH)`;
  }
  if (/NOAUTH|Authentication required/i.test(text)) {
    return `"${address}" requires a password: pass --password or set REDISCLI_AUTH`;
  }
  if (/NOPERM/i.test(text)) {
    return `The user is not allowed to run a command redfill needs on "${address}": grant it with ACL SETUSER (${
      message.slice(0, 120)
    })`;
  }
  if (code === "ECONNREFUSED") {
    return `Cannot connect to "${address}": connection refused; check the host and port, and that redis-server is running`;
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return `Cannot resolve the host of "${address}": check the host name`;
  }
  if (code === "ETIMEDOUT" || /timed? ?out/i.test(message)) {
    return `Cannot connect to "${address}": no answer within ${
      target.connectTimeoutMs / 1000
    } s; check the host, the port and any firewall`;
  }
  if (/ALTNAME|Hostname\/IP does not match|servername/i.test(text)) {
    return `TLS certificate of "${address}" does not match the server name: pass --sni with a name the certificate holds`;
  }
  if (
    target.tls?.cert !== undefined &&
    /received fatal alert: ?(UnknownCA|BadCertificate|CertificateUnknown|unknown ca|bad certificate)/i
      .test(text)
  ) {
    return `"${address}" rejected the client certificate: pass --cert and --key signed by a CA the server trusts`;
  }
  if (
    /SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|self[- ]signed|unable to verify|unknown ?ca|issuer certificate/i
      .test(text)
  ) {
    return `TLS certificate of "${address}" is not signed by a trusted CA: pass --cacert with the CA that signed it (or --insecure for a test setup)`;
  }
  if (/CERT_HAS_EXPIRED|certificate has expired/i.test(text)) {
    return `TLS certificate of "${address}" has expired: renew it, or pass --insecure for a test setup`;
  }
  if (
    target.tls &&
    /certificate ?required|peer did not return a certificate|alert number 116|EPIPE/i.test(text)
  ) {
    return target.tls?.cert
      ? `"${address}" rejected the client certificate: pass --cert and --key signed by a CA the server trusts`
      : `"${address}" requires a client certificate (mTLS): pass --cert and --key`;
  }
  if (
    target.tls &&
    /wrong version number|packet length too long|record layer|SSL|TLS|socket disconnected before secure/i
      .test(text)
  ) {
    return `TLS handshake with "${address}" failed: the port may not speak TLS; drop --tls or use the server's TLS port`;
  }
  if (!target.tls && /ECONNRESET|Connection is closed|closed|EPIPE|protocol error/i.test(text)) {
    return `"${address}" closed the connection: it may require TLS (pass --tls) or reject this client`;
  }
  if (target.tls && /ECONNRESET|Connection is closed|closed/i.test(text)) {
    return `TLS connection to "${address}" was closed during the handshake: check --tls, --cacert, --cert and --key`;
  }
  return `Cannot connect to "${address}": ${message.replace(/\s+/g, " ").slice(0, 160)}`;
}

/**
 * Whether an error means the peer is gone: it refused the connection, reset or closed it.
 *
 * @param error What the socket or ioredis reported.
 * @returns True for a refused, reset or closed connection.
 */
export function isGoneError(error: unknown): boolean {
  const code = codeOf(error);
  if (code === "ECONNREFUSED" || code === "ECONNRESET" || code === "EPIPE") return true;
  return /Connection is closed|closed the connection|connection refused|ECONNREFUSED|ECONNRESET/i
    .test(messageOf(error));
}

/**
 * Describes a node that answered earlier in this run and is now gone: it stopped (or
 * restarted and is not back yet). Never a TLS hint: the same settings worked before.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { describeStoppedNode } from "./errors.ts";
 * equal(
 *   describeStoppedNode(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }), "10.0.0.5:6379"),
 *   'Node "10.0.0.5:6379" stopped: it answered earlier in this run but now refuses connections; start it again (its log says why it stopped) and run again',
 * );
 * ```
 *
 * @param error What the socket or ioredis reported.
 * @param address `host:port`.
 * @returns The sentence.
 */
export function describeStoppedNode(error: unknown, address: string): string {
  const how = codeOf(error) === "ECONNREFUSED" || /refused/i.test(messageOf(error))
    ? "now refuses connections"
    : "then closed the connection";
  return `Node "${address}" stopped: it answered earlier in this run but ${how}; start it again (its log says why it stopped) and run again`;
}
