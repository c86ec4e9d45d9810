/**
 * `--askpass`: the password read from the terminal without echo, as redis-cli's `--askpass`
 * does, or one line of stdin when stdin is not a terminal (`pass show redis | redfill fill
 * --askpass …`). Either way it never appears on the command line, which `deno task` prints.
 *
 * @module
 */

import { InterruptedError, UsageError } from "../errors.ts";

/** The bytes a terminal in raw mode sends for the keys that matter here. */
const KEY = { enter: 0x0d, newline: 0x0a, ctrlC: 0x03, ctrlD: 0x04, backspace: 0x7f, bs: 0x08 };

/** Options for {@linkcode askPassword}. */
export interface AskPasswordOptions {
  /** The prompt written to stderr on a terminal (default `Password: `). */
  prompt?: string;
  /** Where the password is read from (default: the process's stdin). */
  stdin?: typeof Deno.stdin;
}

/**
 * Reads a password: on a terminal, with a prompt on stderr and without echo (Backspace works;
 * Ctrl-C is an interruption, exit 130); otherwise the first line of stdin, without its line
 * ending.
 *
 * @example
 * ```ts ignore
 * const password = await askPassword();
 * ```
 *
 * @param options The prompt and the input.
 * @returns The password.
 * @throws {UsageError} when nothing was read (an empty line, or stdin closed at once).
 * @throws {InterruptedError} for Ctrl-C at the prompt.
 */
export async function askPassword(options: AskPasswordOptions = {}): Promise<string> {
  const stdin = options.stdin ?? Deno.stdin;
  const terminal = stdin.isTerminal();
  const password = terminal
    ? await readHidden(stdin, options.prompt ?? "Password: ")
    : await readLine(stdin);
  if (password === "") {
    throw new UsageError(
      terminal
        ? "--askpass read an empty password: type it at the prompt, or use REDISCLI_AUTH"
        : "--askpass read an empty password from stdin: pipe the password as its first line, or use REDISCLI_AUTH",
    );
  }
  return password;
}

/** The first line of a non-terminal input, without `\n` or `\r\n`. */
async function readLine(stdin: typeof Deno.stdin): Promise<string> {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(1024);
  let text = "";
  for (;;) {
    const read = await stdin.read(buffer);
    if (read === null) break;
    text += decoder.decode(buffer.subarray(0, read), { stream: true });
    if (text.includes("\n")) break;
  }
  return (text.split("\n")[0] ?? "").replace(/\r$/, "");
}

/** Reads keys in raw mode (no echo) until Enter. */
async function readHidden(stdin: typeof Deno.stdin, prompt: string): Promise<string> {
  const encoder = new TextEncoder();
  Deno.stderr.writeSync(encoder.encode(prompt));
  const bytes: number[] = [];
  const buffer = new Uint8Array(64);
  stdin.setRaw(true);
  try {
    for (;;) {
      const read = await stdin.read(buffer);
      if (read === null) break;
      for (const byte of buffer.subarray(0, read)) {
        if (byte === KEY.enter || byte === KEY.newline) return decode(bytes);
        if (byte === KEY.ctrlC) throw new InterruptedError("Interrupted at the password prompt");
        if (byte === KEY.ctrlD && bytes.length === 0) return "";
        if (byte === KEY.backspace || byte === KEY.bs) {
          // Drop the last character, not the last byte of a multi-byte one.
          const kept = [...decode(bytes)].slice(0, -1).join("");
          bytes.splice(0, bytes.length, ...encoder.encode(kept));
          continue;
        }
        bytes.push(byte);
      }
    }
    return decode(bytes);
  } finally {
    stdin.setRaw(false);
    Deno.stderr.writeSync(encoder.encode("\n"));
  }
}

function decode(bytes: number[]): string {
  return new TextDecoder().decode(new Uint8Array(bytes));
}
