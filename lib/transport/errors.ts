/**
 * Turning socket, TLS and Redis errors into one sentence that names the address and the fix.
 *
 * @module
 */

import { drop, give, type Message, option, sentence } from "../message.ts";
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
 * Describes why a connection to `address` failed, in one sentence that mentions the target
 * options to change (named `target.tls.cert` for a pipeline file, `--cert` on the command line).
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { describeConnectError } from "./errors.ts";
 * const target = {
 *   host: "h", port: 1, mode: "standalone" as const, connectTimeoutMs: 5000,
 *   commandTimeoutMs: 10000,
 * };
 * equal(
 *   describeConnectError(new Error("NOAUTH Authentication required."), "h:1", target).render(),
 *   '"h:1" requires a password: set target.password',
 * );
 * ```
 *
 * @param error What the socket, TLS layer or server reported.
 * @param address `host:port`.
 * @param target The target (to tell TLS and auth problems apart).
 * @returns The sentence.
 */
export function describeConnectError(error: unknown, address: string, target: Target): Message {
  const code = codeOf(error);
  const message = messageOf(error);
  const text = `${code} ${message}`;
  if (/WRONGPASS|invalid password|invalid username-password/i.test(text)) {
    return sentence`Authentication failed on "${address}": wrong password or unknown user; check ${
      option("target.username")
    } and ${option("target.password")}`;
  }
  if (/NOAUTH|Authentication required/i.test(text)) {
    return sentence`"${address}" requires a password: ${give("target.password")}`;
  }
  if (/NOPERM/i.test(text)) {
    return sentence`The user is not allowed to run a command redfill needs on "${address}": grant it with ACL SETUSER (${
      message.slice(0, 120)
    })`;
  }
  if (code === "ECONNREFUSED") {
    return sentence`Cannot connect to "${address}": connection refused; check the host and port, and that redis-server is running`;
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return sentence`Cannot resolve the host of "${address}": check the host name`;
  }
  if (/command timed out/i.test(message)) {
    // The connection is up; one command found the server busy (a long command, a stall).
    return sentence`"${address}" did not answer a command within ${
      target.commandTimeoutMs / 1000
    } s: the server is busy or stalled; wait for it, or raise ${option("target.command-timeout")}`;
  }
  if (code === "ETIMEDOUT" || /timed? ?out/i.test(message)) {
    return sentence`Cannot connect to "${address}": no answer within ${
      target.connectTimeoutMs / 1000
    } s; check the host, the port and any firewall`;
  }
  if (/ALTNAME|Hostname\/IP does not match|servername/i.test(text)) {
    return sentence`TLS certificate of "${address}" does not match the server name: ${
      give("target.tls.servername")
    } with a name the certificate holds`;
  }
  if (
    target.tls?.cert !== undefined &&
    /received fatal alert: ?(UnknownCA|BadCertificate|CertificateUnknown|unknown ca|bad certificate)/i
      .test(text)
  ) {
    return rejectedCertificate(address);
  }
  if (
    /SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|self[- ]signed|unable to verify|unknown ?ca|issuer certificate/i
      .test(text)
  ) {
    return sentence`TLS certificate of "${address}" is not signed by a trusted CA: ${
      give("target.tls.ca")
    } with the CA that signed it (or ${option("target.tls.insecure")} for a test setup)`;
  }
  if (/CERT_HAS_EXPIRED|certificate has expired/i.test(text)) {
    return sentence`TLS certificate of "${address}" has expired: renew it, or ${
      give("target.tls.insecure", true)
    } for a test setup`;
  }
  if (
    target.tls &&
    /certificate ?required|peer did not return a certificate|alert number 116|EPIPE/i.test(text)
  ) {
    return target.tls?.cert
      ? rejectedCertificate(address)
      : sentence`"${address}" requires a client certificate (mTLS): ${
        give("target.tls.cert")
      } and ${option("target.tls.key")}`;
  }
  if (
    target.tls &&
    /wrong version number|packet length too long|record layer|SSL|TLS|socket disconnected before secure/i
      .test(text)
  ) {
    return sentence`TLS handshake with "${address}" failed: the port may not speak TLS; ${
      drop("target.tls")
    } or use the server's TLS port`;
  }
  if (!target.tls && /ECONNRESET|Connection is closed|closed|EPIPE|protocol error/i.test(text)) {
    return sentence`"${address}" closed the connection: it may require TLS (${
      give("target.tls")
    }) or reject this client`;
  }
  if (target.tls && /ECONNRESET|Connection is closed|closed/i.test(text)) {
    return sentence`TLS connection to "${address}" was closed during the handshake: check ${
      option("target.tls")
    }, ${option("target.tls.ca")}, ${option("target.tls.cert")} and ${option("target.tls.key")}`;
  }
  const peer = notRedis(message, address);
  if (peer !== undefined) return peer;
  return sentence`Cannot connect to "${address}": ${message.replace(/\s+/g, " ").slice(0, 160)}`;
}

/** The client certificate was refused: the sentence for both ways a server says so. */
function rejectedCertificate(address: string): Message {
  return sentence`"${address}" rejected the client certificate: ${give("target.tls.cert")} and ${
    option("target.tls.key")
  } signed by a CA the server trusts`;
}

/** What the first byte of a reply that is not RESP looks like, by the protocol it hints at. */
function looksLike(byte: string): string {
  if (byte === "H" || byte === "<") return ", which looks like HTTP";
  if (byte === "\x15" || byte === "\x16") return ", which looks like TLS";
  if (byte === "S") return ", which looks like SSH";
  return "";
}

/**
 * The sentence for a peer that answered with something other than RESP (ioredis reports
 * `Unknown RESP type 60 "<"`, with "Please report this." appended), or undefined for any
 * other error.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { notRedis } from "./errors.ts";
 * equal(
 *   notRedis('Unknown RESP type 60 "<". Please report this.', "127.0.0.1:18002")?.render(),
 *   '"127.0.0.1:18002" did not answer like a Redis server (it sent "<", which looks like HTTP)',
 * );
 * ```
 *
 * @param message The error's message.
 * @param address `host:port` of the peer.
 * @returns The sentence, or undefined.
 */
export function notRedis(message: string, address: string): Message | undefined {
  const match = /Unknown RESP type (\d+)/.exec(message);
  if (match === null) return undefined;
  const byte = String.fromCharCode(Number(match[1]));
  const shown = /^[\x21-\x7e]$/.test(byte)
    ? JSON.stringify(byte)
    : `byte 0x${Number(match[1]).toString(16).padStart(2, "0")}`;
  return sentence`"${address}" did not answer like a Redis server (it sent ${shown}${
    looksLike(byte)
  })`;
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
