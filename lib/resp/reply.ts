/**
 * Scanning single-line RESP replies (`+OK`, `-ERR …`, `:1`) out of a byte stream, for the
 * data plane's sockets.
 *
 * @module
 */

/** A single-line reply: `+OK`, `-ERR …`, `:1`. */
export interface LineReply {
  /** The type byte: `+`, `-` or `:`. */
  type: "+" | "-" | ":";
  /** The text after the type byte. */
  text: string;
}

/**
 * Scans a stream of single-line RESP replies (the replies of SET, AUTH, CLIENT REPLY) and
 * hands each to a listener. Lines may be split across chunks. A bulk string (the id `XADD`
 * answers) is reported as `+` with an empty text, its bytes skipped; an array is reported as
 * an error reply, since the data plane never expects one.
 */
export class ReplyScanner {
  #partial: Uint8Array[] = [];
  /** Bytes of a bulk string (and its CRLF) still to skip. */
  #skip = 0;
  #onReply: (reply: LineReply) => void;

  /** @param onReply Called once per reply, in order. */
  constructor(onReply: (reply: LineReply) => void) {
    this.#onReply = onReply;
  }

  /**
   * Feeds bytes read from the socket.
   *
   * @param chunk The bytes.
   */
  push(chunk: Uint8Array): void {
    let start = 0;
    while (start < chunk.length) {
      if (this.#skip > 0) {
        const taken = Math.min(this.#skip, chunk.length - start);
        this.#skip -= taken;
        start += taken;
        if (this.#skip === 0) this.#onReply(BULK);
        continue;
      }
      const newline = chunk.indexOf(0x0a, start);
      if (newline === -1) {
        this.#partial.push(chunk.slice(start));
        return;
      }
      if (
        this.#partial.length === 0 && newline - start === 4 && chunk[start] === 0x2b &&
        chunk[start + 1] === 0x4f && chunk[start + 2] === 0x4b
      ) {
        this.#onReply(OK);
      } else {
        this.#emitLine(chunk.subarray(start, newline));
      }
      start = newline + 1;
    }
  }

  #emitLine(tail: Uint8Array): void {
    let bytes = tail;
    if (this.#partial.length > 0) {
      const parts = [...this.#partial, tail];
      this.#partial = [];
      bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
      let offset = 0;
      for (const part of parts) {
        bytes.set(part, offset);
        offset += part.length;
      }
    }
    const end = bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    let line = "";
    for (let k = 0; k < end; k++) line += String.fromCharCode(bytes[k]!);
    const type = line[0];
    if (type === "$") {
      const length = Number(line.slice(1));
      if (length < 0) this.#onReply(BULK);
      else this.#skip = length + 2;
      return;
    }
    if (type === "+" || type === "-" || type === ":") {
      this.#onReply({ type, text: line.slice(1) });
    } else {
      this.#onReply({
        type: "-",
        text: `ERR unexpected reply ${JSON.stringify(line.slice(0, 40))}`,
      });
    }
  }
}

const OK: LineReply = Object.freeze({ type: "+", text: "OK" });
const BULK: LineReply = Object.freeze({ type: "+", text: "" });
