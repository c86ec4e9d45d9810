/**
 * RESP for commands over this keyspace's keys (`EXISTS k1 … kn`, `GET k`): every key has
 * the same size, so each key is a copy of one template entry whose tag and index digits are
 * then rewritten. Private to lib/verify.
 *
 * @module
 */

import type { Keyspace } from "../fill/keyspace.ts";

const encoder = new TextEncoder();

/** Encodes commands whose arguments are keys of one keyspace. */
export class KeyCommands {
  readonly #keyspace: Keyspace;
  /** `$K\r\n` + the key template + `\r\n`. */
  readonly #entry: Uint8Array;
  /** Where the key starts inside an entry. */
  readonly #keyAt: number;
  readonly #heads = new Map<string, Uint8Array>();

  /** @param keyspace The keyspace whose keys the commands carry. */
  constructor(keyspace: Keyspace) {
    this.#keyspace = keyspace;
    const head = encoder.encode(`$${keyspace.params.keySize}\r\n`);
    const entry = new Uint8Array(head.length + keyspace.params.keySize + 2);
    entry.set(head, 0);
    entry.set(keyspace.keyTemplate, head.length);
    entry[entry.length - 2] = 0x0d;
    entry[entry.length - 1] = 0x0a;
    this.#entry = entry;
    this.#keyAt = head.length;
  }

  /** Bytes of one key argument. */
  get entryBytes(): number {
    return this.#entry.length;
  }

  /**
   * The array header and command name of `name` with `keys` keys: `*3\r\n$6\r\nEXISTS\r\n`.
   *
   * @param name The command.
   * @param keys How many keys follow.
   * @returns The bytes (cached).
   */
  head(name: string, keys: number): Uint8Array {
    const id = `${name} ${keys}`;
    let head = this.#heads.get(id);
    if (head === undefined) {
      head = encoder.encode(`*${keys + 1}\r\n$${name.length}\r\n${name}\r\n`);
      if (this.#heads.size < 4096) this.#heads.set(id, head);
    }
    return head;
  }

  /**
   * The bytes of `name` with `keys` keys.
   *
   * @param name The command.
   * @param keys How many keys.
   * @returns The size.
   */
  commandBytes(name: string, keys: number): number {
    return this.head(name, keys).length + keys * this.#entry.length;
  }

  /**
   * Writes `name` with the keys `first + k * stride` for k < count.
   *
   * @param name The command.
   * @param first The first key index.
   * @param stride The step between indices.
   * @param count How many keys.
   * @param out Where to write.
   * @param offset Where in `out`.
   * @returns The offset after the command.
   */
  encode(
    name: string,
    first: number,
    stride: number,
    count: number,
    out: Uint8Array,
    offset: number,
  ): number {
    const head = this.head(name, count);
    out.set(head, offset);
    let at = offset + head.length;
    const entry = this.#entry;
    const keyspace = this.#keyspace;
    for (let k = 0; k < count; k++) {
      out.set(entry, at);
      keyspace.patchKey(first + k * stride, out, at + this.#keyAt);
      at += entry.length;
    }
    return at;
  }
}
