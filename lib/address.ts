/**
 * Node addresses as redfill prints them: `127.0.0.1:6379`, an IPv6 address in brackets
 * (`[::1]:6379`, as in URLs), and a Unix socket as its path.
 *
 * A target reached over a Unix socket (`target.socket`, `--socket`, `unix:///path`) has the
 * socket's absolute path as its host and port 0: a TCP host never starts with `/`, so the path
 * alone says how to connect, and every map keyed by address keeps working.
 *
 * @module
 */

/**
 * Whether a host is a Unix socket path (an absolute path) rather than a name or an address.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { isUnixSocket } from "./address.ts";
 * equal(isUnixSocket("/run/redis/redis.sock"), true);
 * equal(isUnixSocket("::1"), false);
 * ```
 *
 * @param host A target's or a node's host.
 * @returns True for a path.
 */
export function isUnixSocket(host: string): boolean {
  return host.startsWith("/");
}

/**
 * A host without the brackets a URL or a user may put around an IPv6 address.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { bareHost } from "./address.ts";
 * equal(bareHost("[::1]"), "::1");
 * equal(bareHost("redis.example"), "redis.example");
 * ```
 *
 * @param host As typed.
 * @returns The host to connect to.
 */
export function bareHost(host: string): string {
  return /^\[.*\]$/.test(host) ? host.slice(1, -1) : host;
}

/**
 * An address as every message and report prints it.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { formatAddress } from "./address.ts";
 * equal(formatAddress("127.0.0.1", 6379), "127.0.0.1:6379");
 * equal(formatAddress("::1", 6379), "[::1]:6379");
 * equal(formatAddress("/tmp/redis.sock", 0), "/tmp/redis.sock");
 * ```
 *
 * @param host Host name, IPv4 or IPv6 address (without brackets), or a Unix socket path.
 * @param port The port (ignored for a socket).
 * @returns `host:port`, `[v6]:port`, or the socket's path.
 */
export function formatAddress(host: string, port: number): string {
  if (isUnixSocket(host)) return host;
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
