/**
 * The `target:` section: validated against its schema, its `url` read (the parts an override
 * gives win over the url's; the same key written beside the url is a conflict), TLS files
 * resolved and checked, defaults applied.
 *
 * @module
 */

import { isMap, type YAMLMap } from "yaml";
import type { NameOption, Target, TargetMode, TlsSettings } from "../types.ts";
import { TARGET_DEFAULTS } from "../defaults.ts";
import { didYouMean } from "../suggest.ts";
import { bareHost } from "../address.ts";
import { type LoadState, offsetOf, pairOf } from "./_load_state.ts";
import { resolvePath } from "./_paths.ts";
import { parseRedisUrl } from "./_url.ts";
import { validateNode } from "./_validate.ts";
import type { Registry } from "./registry.ts";
import { type TargetFile, targetFileSchema } from "./target.ts";

/** What each TLS file is, in messages. */
const TLS_FILES = { ca: "CA certificate", cert: "client certificate", key: "client key" } as const;

/**
 * Reads and checks `target:`, applying defaults.
 *
 * @param state The load.
 * @param root The file's top-level map, overrides applied.
 * @param registry For `transport:`.
 * @returns The target, or undefined after recording its problems.
 */
export function readTarget(
  state: LoadState,
  root: YAMLMap,
  registry: Registry,
): Target | undefined {
  const pair = pairOf(root, "target");
  const node = state.deref(pair?.value);
  const fallback = offsetOf(pair?.key);
  const result = validateNode(state, targetFileSchema, node, fallback, {
    prefix: "target: ",
    subject: (key) => `"${key}"`,
    scope: "target",
  });
  if (!result.ok) return undefined;
  const file = result.value as TargetFile;
  const keyPair = (key: string) => (isMap(node) ? pairOf(node, key) : undefined);
  const at = (key: string): number | undefined =>
    offsetOf(state.deref(keyPair(key)?.value)) ?? offsetOf(keyPair(key)?.key) ?? fallback;
  const overrideOf = (key: string) => state.overrideOf(keyPair(key));
  /** A problem about a key: at its place in the file, or named by the override that gave it. */
  const problem = (key: string, reason: string, words?: (name: NameOption) => string) => {
    const override = overrideOf(key);
    state.problem(override === undefined ? at(key) : undefined, reason, {
      override,
      words,
      scope: "target",
    });
  };

  let host = file.host;
  let port = file.port;
  let username = file.username;
  let password = file.password === undefined ? undefined : String(file.password);
  let tlsFromUrl = false;
  let socketFromUrl: string | undefined;
  let ok = true;
  if (file.url !== undefined) {
    const parsed = parseRedisUrl(file.url);
    if (typeof parsed === "string") {
      problem("url", `target: "url" ${parsed}`, (name) => `The ${name("url")} ${parsed}`);
      ok = false;
    } else {
      // A key an override gives wins over the url's part; the same key in the file conflicts.
      const given = (key: string): boolean => overrideOf(key) !== undefined;
      const conflicts: [key: string, inUrl: boolean, what: string][] = [
        ["host", true, "the address"],
        ["port", true, "the address"],
        ["username", parsed.username !== undefined, "a user name"],
        ["password", parsed.password !== undefined, "a password"],
      ];
      for (const [key, inUrl, what] of conflicts) {
        const written = (file as Record<string, unknown>)[key] !== undefined;
        if (inUrl && written && !given(key)) {
          state.problem(at(key), `target: "url" and "${key}" both give ${what}: keep one`);
          ok = false;
        }
      }
      host = given("host") ? host : parsed.host;
      port = given("port") ? port : parsed.port;
      username = given("username") ? username : parsed.username ?? username;
      password = given("password") ? password : parsed.password ?? password;
      tlsFromUrl = parsed.tls;
      socketFromUrl = parsed.socket;
    }
  }
  const socket = readSocket(state, file, socketFromUrl, {
    at,
    override: overrideOf("socket"),
    given: (key) => (file as Record<string, unknown>)[key] !== undefined,
  });
  if (socket === false) ok = false;
  else if (socket !== undefined) {
    host = socket;
    port = 0;
  }
  let tls: TlsSettings | undefined;
  if (file.tls === true || (tlsFromUrl && file.tls === undefined)) tls = {};
  else if (typeof file.tls === "object") tls = { ...file.tls };
  else if (file.tls === false && tlsFromUrl) {
    state.problem(at("tls"), 'target: "url" is rediss:// (TLS) but "tls" is false: keep one');
    ok = false;
  }
  if (tls !== undefined && !resolveTlsFiles(state, node, tls, at("tls"))) ok = false;

  if (file.transport !== undefined && registry.transport(file.transport) === undefined) {
    const known = registry.transports().map((transport) => transport.name);
    const hint = didYouMean(file.transport, known);
    state.problem(
      at("transport"),
      hint !== ""
        ? `target: unknown transport "${file.transport}"${hint}`
        : `target: unknown transport "${file.transport}": registered transports are ${
          known.length === 0 ? "none" : known.map((name) => `"${name}"`).join(", ")
        }`,
    );
    ok = false;
  }
  if (!ok) return undefined;

  const target: Target = {
    // `[::1]` as typed is `::1` to connect to; it prints in brackets again (lib/address.ts).
    host: bareHost(host ?? TARGET_DEFAULTS.host),
    port: port ?? (tls === undefined ? TARGET_DEFAULTS.port : TARGET_DEFAULTS.tlsPort),
    mode: (file.mode ?? "auto") as TargetMode,
    connectTimeoutMs: file["connect-timeout"] ?? TARGET_DEFAULTS.connectTimeoutMs,
    commandTimeoutMs: file["command-timeout"] ?? TARGET_DEFAULTS.commandTimeoutMs,
  };
  if (tls !== undefined) target.tls = tls;
  if (username !== undefined) target.username = username;
  if (password !== undefined) target.password = password;
  if (file.transport !== undefined) target.transport = file.transport;
  return target;
}

/** How {@linkcode readSocket} finds where a key is and who gave it. */
interface SocketContext {
  at(key: string): number | undefined;
  override: ReturnType<LoadState["overrideOf"]>;
  given(key: string): boolean;
}

/**
 * The Unix socket a target names (`socket:` or a `unix://` url), resolved like the other paths;
 * false after recording why it cannot be used with what else the target says: a socket is
 * the whole address of one standalone server, without TLS.
 */
function readSocket(
  state: LoadState,
  file: TargetFile,
  fromUrl: string | undefined,
  context: SocketContext,
): string | false | undefined {
  const written = file.socket;
  if (written === undefined && fromUrl === undefined) return undefined;
  const problem = (reason: string, words: (name: NameOption) => string) => {
    state.problem(context.override === undefined ? context.at("socket") : undefined, reason, {
      override: context.override,
      words,
      scope: "target",
    });
  };
  const clashes = written === undefined ? [] : ["host", "port", "url"].filter(context.given);
  if (clashes.length > 0) {
    const other = clashes[0]!;
    problem(
      `target: "socket" and "${other}" both give the address: keep one`,
      (name) => `${name("socket")} and ${name(other)} both give the address: keep one`,
    );
    return false;
  }
  if (file.tls !== undefined && file.tls !== false) {
    problem(
      'target: a Unix socket ("socket") carries no TLS: drop "tls"',
      (name) => `A Unix socket (${name("socket")}) carries no TLS: drop ${name("tls")}`,
    );
    return false;
  }
  if (file.mode === "cluster") {
    problem(
      'target: a Unix socket ("socket") reaches one standalone server, not a cluster: use mode standalone or auto',
      (name) =>
        `A Unix socket (${name("socket")}) reaches one standalone server, not a cluster: drop ${
          name("mode")
        }`,
    );
    return false;
  }
  if (written === undefined) return fromUrl;
  return resolvePath(written, context.override === undefined ? state.fileDir : state.cwd);
}

/**
 * Resolves the TLS files (relative to the file, or to `cwd` for an override) and checks that
 * each exists, in place.
 *
 * @returns Whether every file exists.
 */
function resolveTlsFiles(
  state: LoadState,
  node: unknown,
  tls: TlsSettings,
  fallback: number | undefined,
): boolean {
  let ok = true;
  const tlsNode = isMap(node) ? state.deref(pairOf(node, "tls")?.value) : undefined;
  for (const key of ["ca", "cert", "key"] as const) {
    const value = tls[key];
    if (value === undefined) continue;
    const keyPair = isMap(tlsNode) ? pairOf(tlsNode, key) : undefined;
    const override = state.overrideOf(keyPair) ?? state.overrideOf(tlsNode);
    const path = resolvePath(value, override === undefined ? state.fileDir : state.cwd);
    try {
      Deno.statSync(path);
      tls[key] = path;
    } catch {
      const relativeTo = override === undefined
        ? "the pipeline file"
        : "the directory the command ran in";
      state.problem(
        override === undefined ? offsetOf(state.deref(keyPair?.value)) ?? fallback : undefined,
        `target: tls "${key}" file "${value}" does not exist: the path is relative to ${relativeTo}`,
        {
          override,
          scope: "target",
          words: (name) =>
            `Cannot read the ${TLS_FILES[key]} (${
              name(`tls.${key}`)
            }) file "${path}": no such file`,
        },
      );
      ok = false;
    }
  }
  return ok;
}
