/**
 * ACL permission errors: a `NOPERM` reply (from ioredis as a `ReplyError`, or read raw off a
 * data socket) becomes one sentence that names the user (never the password), the command, the
 * node and the fix — `ACL SETUSER <user> +<command>`, or what else would do without it.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { PermissionError } from "./permission.ts";
 * const error = new PermissionError({
 *   user: "app",
 *   args: ["INFO", "memory"],
 *   address: "10.0.0.5:6379",
 *   reply: "NOPERM this user has no permissions to run the 'info' command",
 * });
 * equal(
 *   error.message,
 *   'The user "app" may not run INFO on "10.0.0.5:6379": grant it with ACL SETUSER app +info',
 * );
 * equal(error.exitCode, 3);
 * ```
 *
 * @module
 */

import { ConnectionError, type RedfillErrorOptions } from "./errors.ts";
import { type Message, sentence } from "./message.ts";

/** The ACL user of a target: its `username`, or `default` (a bare `requirepass` password). */
export function aclUser(target: { username?: string | undefined }): string {
  return target.username ?? "default";
}

/**
 * Whether an error (an ioredis `ReplyError`, a raw RESP error, or its text) is a `NOPERM`
 * reply: the user may not run the command or touch the key.
 *
 * @param error What was thrown or read.
 * @returns True for a permission refusal.
 */
export function isNoPermission(error: unknown): boolean {
  if (typeof error === "string") return /^-?NOPERM\b/.test(error);
  if (error && typeof error === "object") {
    if ("code" in error && error.code === "NOPERM") return true;
    if ("message" in error && typeof error.message === "string") {
      return /^NOPERM\b/.test(error.message);
    }
  }
  return false;
}

/** Whether a NOPERM reply refuses a key (or channel), not the command. */
function refusesKeys(reply: string): boolean {
  return /access (one of )?the (keys|channels)|no permissions to access a key/i.test(reply);
}

/**
 * The command an ACL rule names for `args`: `info`, `client|reply` for a container command's
 * subcommand.
 */
function ruleName(args: readonly unknown[]): string {
  const command = String(args[0] ?? "").toLowerCase();
  const sub = args[1];
  if (CONTAINERS.has(command) && typeof sub === "string" && /^[a-z-]+$/i.test(sub)) {
    return `${command}|${sub.toLowerCase()}`;
  }
  return command;
}

/** Commands whose subcommands ACL rules can name one by one. */
const CONTAINERS = new Set(["client", "cluster", "config", "acl", "memory", "object"]);

/** What {@linkcode PermissionError} is made from. */
export interface PermissionErrorInit {
  /** The ACL user (`default` without a user name); unknown where the sentence is made. */
  user?: string | undefined;
  /** The command refused (its name and subcommand are used, never its other arguments). */
  args: readonly unknown[];
  /** The node, as `formatAddress` prints it. */
  address: string;
  /** The server's NOPERM reply. */
  reply: string;
  /** What would do without the command: "or …" is appended to the fix. */
  otherwise?: Message | string | undefined;
  /** Keys this user must be able to touch, as an ACL key pattern (default `~*`). */
  keys?: string | undefined;
}

/**
 * The one sentence for a NOPERM reply.
 *
 * @param init The user, the command, the node and the reply.
 * @returns The sentence.
 */
export function permissionSentence(init: PermissionErrorInit): Message {
  const command = String(init.args[0] ?? "").toUpperCase();
  const subcommand = ruleName(init.args).includes("|")
    ? ` ${String(init.args[1]).toUpperCase()}`
    : "";
  const otherwise = init.otherwise === undefined ? "" : init.otherwise;
  const or = init.otherwise === undefined ? "" : ", or ";
  const who = init.user === undefined ? "The ACL user" : `The user "${init.user}"`;
  const setuser = `ACL SETUSER ${init.user ?? "<user>"}`;
  if (refusesKeys(init.reply)) {
    const keys = init.keys ?? "~*";
    return sentence`${who} may not touch the keys ${command}${subcommand} names on "${init.address}": grant them with ${setuser} ${keys}${or}${otherwise}`;
  }
  return sentence`${who} may not run ${command}${subcommand} on "${init.address}": grant it with ${setuser} +${
    ruleName(init.args)
  }${or}${otherwise}`;
}

/**
 * A command the ACL user may not run (or a key it may not touch): exit 3; a step that meets
 * it later rethrows its sentence with the step's own code.
 */
export class PermissionError extends ConnectionError {
  /** What the sentence was made from (a step that knows the user makes it again). */
  readonly init: PermissionErrorInit;
  /** The ACL user, when known. */
  readonly user: string | undefined;
  /** The command refused, upper case (`INFO`, `CLIENT`). */
  readonly command: string;
  /** The node that refused it. */
  readonly address: string;

  /**
   * Makes the error.
   *
   * @param init The user, the command, the node and the reply.
   * @param options The cause, if any.
   */
  constructor(init: PermissionErrorInit, options: RedfillErrorOptions = {}) {
    super(permissionSentence(init), options);
    this.name = "PermissionError";
    this.init = init;
    this.user = init.user;
    this.command = String(init.args[0] ?? "").toUpperCase();
    this.address = init.address;
  }
}

/**
 * A command the endpoint does not have: a proxy (twemproxy has no INFO, CLIENT, CLUSTER,
 * FLUSHALL, DBSIZE or SCAN, and closes the connection when asked). A check that can do
 * without it degrades and says so.
 */
export class UnavailableCommandError extends ConnectionError {
  /** The command, upper case. */
  readonly command: string;

  /**
   * Makes the error.
   *
   * @param command The command, upper case.
   * @param address The endpoint, as `formatAddress` prints it.
   */
  constructor(command: string, address: string) {
    super(`${command} is not available through the proxy "${address}"`);
    this.name = "UnavailableCommandError";
    this.command = command;
  }
}
