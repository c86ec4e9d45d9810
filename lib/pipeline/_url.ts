/**
 * Reading `redis://` and `rediss://` URLs without ever repeating their password.
 *
 * @module
 */

/** An address read from a redis://, rediss:// or unix:// URL. */
export interface RedisUrl {
  /** Host (IPv6 without brackets); for unix://, the socket's path. */
  host: string;
  /** For unix:///path, the socket's path. */
  socket?: string | undefined;
  /** Port, when the URL names one. */
  port: number | undefined;
  /** Whether the scheme is rediss://. */
  tls: boolean;
  /** The user name, percent-decoded. */
  username: string | undefined;
  /** The password, percent-decoded. */
  password: string | undefined;
}

/**
 * Parses a Redis URL, or says what is wrong with it without repeating the password.
 *
 * @example
 * ```ts
 * import { deepEqual, equal } from "node:assert/strict";
 * import { parseRedisUrl } from "./_url.ts";
 * deepEqual(parseRedisUrl("rediss://me:pw@h.example:7000"), {
 *   host: "h.example", port: 7000, tls: true, username: "me", password: "pw",
 * });
 * equal(parseRedisUrl("redis://h/3"), 'selects database "3": redfill writes to database 0 only');
 * deepEqual(parseRedisUrl("unix:///run/redis.sock"), {
 *   host: "/run/redis.sock", socket: "/run/redis.sock", port: undefined, tls: false,
 *   username: undefined, password: undefined,
 * });
 * ```
 *
 * @param text The URL as written.
 * @returns The parts, or the reason it is not usable (a phrase like `has no host: …`).
 */
export function parseRedisUrl(text: string): RedisUrl | string {
  let url: URL;
  const shown = JSON.stringify(text.replace(/(\/\/[^:@/]*:)[^@/]*@/, "$1***@"));
  const expected = "expected redis://host:port, rediss://host:port (TLS) or unix:///path";
  try {
    url = new URL(text);
  } catch {
    return `is not a URL: ${expected}, found ${shown}`;
  }
  if (url.protocol === "unix:") {
    if (url.host !== "" || url.pathname === "" || url.pathname === "/") {
      return `is not a Unix socket URL: expected unix:///absolute/path, found ${shown}`;
    }
    if (url.search !== "" || url.hash !== "") {
      return `has a query or fragment: ${expected}, found ${shown}`;
    }
    const path = decodeURIComponent(url.pathname);
    return {
      host: path,
      socket: path,
      port: undefined,
      tls: false,
      username: undefined,
      password: undefined,
    };
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    return `must start with redis://, rediss:// or unix://, found ${shown}`;
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") return `has no host: ${expected}, found ${shown}`;
  if (url.pathname !== "" && url.pathname !== "/" && url.pathname !== "/0") {
    return `selects database "${url.pathname.slice(1)}": redfill writes to database 0 only`;
  }
  if (url.search !== "" || url.hash !== "") {
    return `has a query or fragment: ${expected}, found ${shown}`;
  }
  let username: string | undefined;
  let password: string | undefined;
  try {
    username = url.username === "" ? undefined : decodeURIComponent(url.username);
    password = url.password === "" ? undefined : decodeURIComponent(url.password);
  } catch {
    return "has a user name or password that is not valid percent-encoding";
  }
  return {
    host,
    port: url.port === "" ? undefined : Number(url.port),
    tls: url.protocol === "rediss:",
    username,
    password,
  };
}
