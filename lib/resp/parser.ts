/**
 * Parsing RESP2 replies of any type — integers, simple strings, errors, bulk strings and
 * arrays — out of a byte stream, for the data plane's pipelined reads (verify's `EXISTS` and
 * `GET`). Replies may be split anywhere across chunks.
 *
 * @module
 */

/** An error reply (`-ERR …`, `-MOVED 12 host:port`): a value, not a thrown error. */
export class RespError {
  /** The text after the `-`, e.g. `MOVED 12 127.0.0.1:7001`. */
  readonly message: string;

  /** @param message The text after the `-`. */
  constructor(message: string) {
    this.message = message;
  }

  /** The first word: `ERR`, `MOVED`, `ASK`, `WRONGTYPE` … */
  get code(): string {
    const space = this.message.indexOf(" ");
    return space < 0 ? this.message : this.message.slice(0, space);
  }
}

/**
 * One reply: an integer (`:`) as a number, a simple string (`+`) as a string, a bulk string
 * (`$`) as bytes, a null bulk or array as `null`, an error (`-`) as a {@linkcode RespError},
 * an array (`*`) as an array of replies.
 *
 * Bulk strings are views into a buffer that is reused: valid only until the listener returns
 * (copy with `slice()` to keep one).
 */
export type RespValue = number | string | Uint8Array | null | RespError | RespValue[];

/** The stream is not RESP2 (a byte where a type was expected): the connection is unusable. */
export class RespProtocolError extends Error {
  /** @param message What was found. */
  constructor(message: string) {
    super(message);
    this.name = "RespProtocolError";
  }
}

const CR = 0x0d;
const LF = 0x0a;
/** Marks "incomplete" in the parse functions' return value. */
const INCOMPLETE = -1;

/**
 * Parses a stream of RESP2 replies and hands each to a listener, in order.
 *
 * A reply is parsed only once all its bytes are there: bytes of an incomplete reply are
 * kept (copied, since the socket reuses its read buffer) and, when the reply's size is known
 * (a bulk string's header was read), not looked at again until enough bytes arrived, so a
 * large value split over many chunks costs one copy, not one per chunk.
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { ReplyParser, type RespValue } from "./parser.ts";
 * const replies: RespValue[] = [];
 * const parser = new ReplyParser((value) =>
 *   replies.push(value instanceof Uint8Array ? new TextDecoder().decode(value) : value)
 * );
 * parser.push(new TextEncoder().encode(":3\r\n$5\r\nhel"));
 * parser.push(new TextEncoder().encode("lo\r\n$-1\r\n"));
 * deepEqual(replies, [3, "hello", null]);
 * ```
 */
export class ReplyParser {
  readonly #onReply: (value: RespValue) => void;
  /** Bytes of an incomplete reply, oldest first (each one ours: copied or concatenated). */
  #held: Uint8Array[] = [];
  #heldBytes = 0;
  /** Bytes the held reply needs at least before parsing is tried again. */
  #need = 0;
  /** The value the last successful parse produced. */
  #value: RespValue = null;
  /** Where the parse of an incomplete reply ran out: an absolute end offset it needs. */
  #needEnd = 0;

  /** @param onReply Called once per reply, in order. */
  constructor(onReply: (value: RespValue) => void) {
    this.#onReply = onReply;
  }

  /** Bytes held for a reply not yet complete. */
  get buffered(): number {
    return this.#heldBytes;
  }

  /**
   * Feeds bytes read from the socket; calls the listener for every reply they complete.
   *
   * @param chunk The bytes (may be reused by the caller once this returns).
   * @throws {RespProtocolError} when the stream is not RESP2.
   */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    let buffer = chunk;
    let owned = false;
    if (this.#heldBytes > 0) {
      this.#held.push(chunk.slice());
      this.#heldBytes += chunk.length;
      if (this.#heldBytes < this.#need) return;
      buffer = concat(this.#held, this.#heldBytes);
      owned = true;
      this.#held = [];
      this.#heldBytes = 0;
    }
    let at = 0;
    while (at < buffer.length) {
      const next = this.#parse(buffer, at);
      if (next === INCOMPLETE) break;
      this.#onReply(this.#value);
      at = next;
    }
    this.#value = null;
    if (at < buffer.length) {
      const rest = owned ? buffer.subarray(at) : buffer.slice(at);
      this.#held = [rest];
      this.#heldBytes = rest.length;
      this.#need = Math.max(this.#needEnd - at, rest.length + 1);
    }
  }

  /** Parses one reply at `at`; sets `#value` and returns the offset after it, or INCOMPLETE. */
  #parse(buffer: Uint8Array, at: number): number {
    const type = buffer[at];
    const lineEnd = findLineEnd(buffer, at + 1);
    if (lineEnd === INCOMPLETE) {
      this.#needEnd = buffer.length + 1;
      return INCOMPLETE;
    }
    switch (type) {
      case 0x3a: // ':'
        this.#value = parseInteger(buffer, at + 1, lineEnd);
        return lineEnd + 2;
      case 0x24: { // '$'
        const length = parseInteger(buffer, at + 1, lineEnd);
        if (length < 0) {
          this.#value = null;
          return lineEnd + 2;
        }
        const start = lineEnd + 2;
        const end = start + length;
        if (end + 2 > buffer.length) {
          this.#needEnd = end + 2;
          return INCOMPLETE;
        }
        if (buffer[end] !== CR || buffer[end + 1] !== LF) {
          throw new RespProtocolError(`A bulk string of ${length} bytes does not end with CRLF`);
        }
        this.#value = buffer.subarray(start, end);
        return end + 2;
      }
      case 0x2b: // '+'
        this.#value = latin1(buffer, at + 1, lineEnd);
        return lineEnd + 2;
      case 0x2d: // '-'
        this.#value = new RespError(latin1(buffer, at + 1, lineEnd));
        return lineEnd + 2;
      case 0x2a: { // '*'
        const count = parseInteger(buffer, at + 1, lineEnd);
        if (count < 0) {
          this.#value = null;
          return lineEnd + 2;
        }
        const items: RespValue[] = new Array(count);
        let next = lineEnd + 2;
        for (let k = 0; k < count; k++) {
          if (next >= buffer.length) {
            this.#needEnd = buffer.length + 1;
            return INCOMPLETE;
          }
          next = this.#parse(buffer, next);
          if (next === INCOMPLETE) return INCOMPLETE;
          items[k] = this.#value;
        }
        this.#value = items;
        return next;
      }
      default:
        throw new RespProtocolError(
          `Unexpected reply ${JSON.stringify(latin1(buffer, at, Math.min(lineEnd, at + 40)))}`,
        );
    }
  }
}

/** The offset of the CR of the CRLF ending the line that starts at `from`, or INCOMPLETE. */
function findLineEnd(buffer: Uint8Array, from: number): number {
  const newline = buffer.indexOf(LF, from);
  if (newline === -1) return INCOMPLETE;
  if (buffer[newline - 1] !== CR) {
    throw new RespProtocolError("A reply line does not end with CRLF");
  }
  return newline - 1;
}

function parseInteger(buffer: Uint8Array, from: number, to: number): number {
  let at = from;
  let sign = 1;
  if (buffer[at] === 0x2d) {
    sign = -1;
    at++;
  }
  if (at === to) throw new RespProtocolError("An integer reply has no digits");
  let value = 0;
  for (; at < to; at++) {
    const digit = buffer[at]! - 48;
    if (digit < 0 || digit > 9) {
      throw new RespProtocolError(
        `An integer reply holds ${JSON.stringify(latin1(buffer, from, to))}`,
      );
    }
    value = value * 10 + digit;
  }
  return sign * value;
}

function latin1(buffer: Uint8Array, from: number, to: number): string {
  let text = "";
  for (let k = from; k < to; k++) text += String.fromCharCode(buffer[k]!);
  return text;
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
