/**
 * A minimal RESP2 client for the control commands `lib/local` sends while it sets servers up
 * and tears them down (PING, INFO, CLUSTER …, SHUTDOWN). It has no retries, no reconnects and
 * no timers left behind, so a caller knows exactly when a server answered; it is private to
 * `lib/local` — everything else uses ioredis or the data-plane writers.
 *
 * @module
 */

/** An error reply from the server (`-ERR …`). */
export class RespError extends Error {
  /** @param message The error line without its leading `-`. */
  constructor(message: string) {
    super(message);
    this.name = "RespError";
  }
}

/** A parsed RESP2 reply. */
export type RespValue = string | number | null | RespError | RespValue[];

/** PEM contents (not paths) for a TLS connection. */
export interface RespTlsOptions {
  /** The CA certificate to trust. */
  ca: string;
  /** The client certificate. */
  cert: string;
  /** The client key. */
  key: string;
}

/** Options for {@linkcode RespClient.connect}. */
export interface RespClientOptions {
  /** Port on 127.0.0.1. */
  port: number;
  /** TLS settings; absent means plaintext. */
  tls?: RespTlsOptions | undefined;
  /** AUTH user name (with `password`). */
  username?: string | undefined;
  /** AUTH password. */
  password?: string | undefined;
  /** Milliseconds allowed for the connection and for each reply (default 2000). */
  timeoutMs?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Thrown when a read found the end of the stream. */
export class RespClosedError extends Error {
  constructor() {
    super("Connection closed");
    this.name = "RespClosedError";
  }
}

/** One connection to one server, commands sent one at a time. */
export class RespClient {
  #conn: Deno.Conn;
  #timeoutMs: number;
  #buffer: Uint8Array = new Uint8Array(0);
  #closed = false;

  /**
   * Wraps an open connection; use {@linkcode RespClient.connect} instead.
   *
   * @param conn The connection.
   * @param timeoutMs Milliseconds allowed for each reply.
   */
  constructor(conn: Deno.Conn, timeoutMs: number) {
    this.#conn = conn;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Connects (and authenticates when a password is given).
   *
   * @param options Where and how to connect.
   * @returns The connected client.
   */
  static async connect(options: RespClientOptions): Promise<RespClient> {
    const timeoutMs = options.timeoutMs ?? 2000;
    const conn = options.tls
      ? await Deno.connectTls({
        hostname: "127.0.0.1",
        port: options.port,
        caCerts: [options.tls.ca],
        cert: options.tls.cert,
        key: options.tls.key,
      })
      : await Deno.connect({ hostname: "127.0.0.1", port: options.port });
    const client = new RespClient(conn, timeoutMs);
    try {
      if (options.tls) {
        await client.#withTimeout((conn as Deno.TlsConn).handshake());
      }
      if (options.password !== undefined) {
        const args = options.username === undefined
          ? ["AUTH", options.password]
          : ["AUTH", options.username, options.password];
        await client.call(...args);
      }
    } catch (error) {
      client.close();
      throw error;
    }
    return client;
  }

  /**
   * Sends one command and returns its reply, error replies included as {@linkcode RespError}.
   *
   * @param args The command and its arguments.
   * @returns The reply.
   */
  async send(...args: string[]): Promise<RespValue> {
    let frame = `*${args.length}\r\n`;
    for (const arg of args) frame += `$${encoder.encode(arg).length}\r\n${arg}\r\n`;
    const bytes = encoder.encode(frame);
    await this.#withTimeout((async () => {
      let written = 0;
      while (written < bytes.length) written += await this.#conn.write(bytes.subarray(written));
    })());
    return await this.#withTimeout(this.#readReply());
  }

  /**
   * Sends one command and returns its reply; an error reply is thrown.
   *
   * @param args The command and its arguments.
   * @returns The reply.
   * @throws {RespError} When the server answered with an error.
   */
  async call(...args: string[]): Promise<RespValue> {
    const reply = await this.send(...args);
    if (reply instanceof RespError) throw reply;
    return reply;
  }

  /**
   * Sends a command whose reply is a bulk string (INFO, CLUSTER NODES …).
   *
   * @param args The command and its arguments.
   * @returns The text.
   */
  async text(...args: string[]): Promise<string> {
    const reply = await this.call(...args);
    if (typeof reply !== "string") throw new Error(`${args.join(" ")} did not return text`);
    return reply;
  }

  /** Closes the connection; safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed by the peer
    }
  }

  async #withTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.close();
        reject(new Error(`No reply within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
    });
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
      promise.catch(() => {});
    }
  }

  async #fill(): Promise<void> {
    const chunk = new Uint8Array(64 * 1024);
    const n = await this.#conn.read(chunk);
    if (n === null) throw new RespClosedError();
    const next = new Uint8Array(this.#buffer.length + n);
    next.set(this.#buffer);
    next.set(chunk.subarray(0, n), this.#buffer.length);
    this.#buffer = next;
  }

  async #readReply(): Promise<RespValue> {
    while (true) {
      const parsed = parseReply(this.#buffer, 0);
      if (parsed) {
        this.#buffer = this.#buffer.slice(parsed.end);
        return parsed.value;
      }
      await this.#fill();
    }
  }
}

function findLineEnd(buffer: Uint8Array, from: number): number {
  for (let i = from; i + 1 < buffer.length; i++) {
    if (buffer[i] === 13 && buffer[i + 1] === 10) return i;
  }
  return -1;
}

/** Parses one reply at `offset`, or returns undefined when more bytes are needed. */
function parseReply(
  buffer: Uint8Array,
  offset: number,
): { value: RespValue; end: number } | undefined {
  const lineEnd = findLineEnd(buffer, offset);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buffer[offset] ?? 0);
  const line = decoder.decode(buffer.subarray(offset + 1, lineEnd));
  const after = lineEnd + 2;
  switch (type) {
    case "+":
      return { value: line, end: after };
    case "-":
      return { value: new RespError(line), end: after };
    case ":":
      return { value: Number(line), end: after };
    case "$": {
      const length = Number(line);
      if (length < 0) return { value: null, end: after };
      if (buffer.length < after + length + 2) return undefined;
      return {
        value: decoder.decode(buffer.subarray(after, after + length)),
        end: after + length + 2,
      };
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return { value: null, end: after };
      const items: RespValue[] = [];
      let at = after;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, at);
        if (!item) return undefined;
        items.push(item.value);
        at = item.end;
      }
      return { value: items, end: at };
    }
    default:
      throw new Error(`Unexpected RESP type byte "${type}"`);
  }
}
