/**
 * RESP encoding of commands: the bytes every part of redfill sends (fill, transport, local,
 * benchmarks).
 *
 * @module
 */

import type { RedisArg } from "../types.ts";

const encoder = new TextEncoder();

/**
 * Encodes one command as a RESP array of bulk strings.
 *
 * @param args The command and its arguments.
 * @returns The bytes to send.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { encodeCommand } from "./encode.ts";
 * equal(new TextDecoder().decode(encodeCommand(["PING"])), "*1\r\n$4\r\nPING\r\n");
 * ```
 */
export function encodeCommand(args: readonly RedisArg[]): Uint8Array {
  const parts: Uint8Array[] = [encoder.encode(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = arg instanceof Uint8Array ? arg : encoder.encode(String(arg));
    parts.push(encoder.encode(`$${bytes.length}\r\n`), bytes, encoder.encode("\r\n"));
  }
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
