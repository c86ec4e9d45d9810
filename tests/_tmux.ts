/**
 * A real pseudo-terminal for CLI tests: a tmux server of our own (its own socket, so no other
 * tmux is touched) running an interactive bash, into which a test types a command line as a
 * user would and presses keys. Ctrl-C then reaches the whole foreground process group, as a
 * terminal delivers it (`deno task` and its child both get SIGINT, and `deno task` forwards
 * one more), which signalling one child cannot reproduce (FACTS.md).
 *
 * @module
 */

import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);

let sessions = 0;

/** Options for {@linkcode TmuxTerminal.start}. */
export interface TmuxTerminalOptions {
  /** Extra environment variables for the shell. */
  env?: Record<string, string>;
  /** The shell's working directory (default: the project). */
  cwd?: string | URL;
}

/** One tmux session with a 120×40 terminal running bash. */
export class TmuxTerminal {
  readonly #socket: string;
  #closed = false;

  private constructor(socket: string) {
    this.#socket = socket;
  }

  /**
   * Starts a detached session (`tmux new-session -d -x 120 -y 40`) running `bash --norc`.
   *
   * @param options Environment and directory.
   * @returns The terminal.
   */
  static async start(options: TmuxTerminalOptions = {}): Promise<TmuxTerminal> {
    const socket = `redfill-test-${Deno.pid}-${++sessions}`;
    const env = Deno.env.toObject();
    // As a user's shell: no INIT_CWD from `deno task test`, no colours to strip.
    delete env.INIT_CWD;
    delete env.TMUX;
    const terminal = new TmuxTerminal(socket);
    await terminal.#tmux(
      [
        "new-session",
        "-d",
        "-x",
        "120",
        "-y",
        "40",
        "-s",
        "test",
        "bash --norc --noprofile",
      ],
      { env: { ...env, NO_COLOR: "1", PS1: "$ ", ...options.env }, cwd: options.cwd ?? ROOT },
    );
    // Unlimited scrollback is not needed, but enough for a report that scrolls.
    await terminal.#tmux(["set-option", "-t", "test", "history-limit", "5000"]);
    return terminal;
  }

  /**
   * Types a line and presses Enter.
   *
   * @param line The command line.
   */
  async type(line: string): Promise<void> {
    await this.#tmux(["send-keys", "-t", "test", "-l", line]);
    await this.#tmux(["send-keys", "-t", "test", "Enter"]);
  }

  /**
   * Presses keys, in tmux's names (`C-c`, `Enter`).
   *
   * @param keys The keys.
   */
  async press(...keys: string[]): Promise<void> {
    await this.#tmux(["send-keys", "-t", "test", ...keys]);
  }

  /** Everything on the screen and in its scrollback, wrapped lines joined. */
  async screen(): Promise<string> {
    return await this.#tmux(["capture-pane", "-p", "-J", "-S", "-", "-t", "test"]);
  }

  /**
   * Waits until the screen matches `pattern`.
   *
   * @param pattern What to wait for.
   * @param timeoutMs How long (default 60 s): a hang is a failure that shows the screen.
   * @returns The match.
   */
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = await this.screen();
      const match = pattern.exec(screen);
      if (match) return match;
      if (Date.now() > deadline) assert.fail(`the screen never showed ${pattern}:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Runs a command line and waits for it to end, through `; echo EXIT=$?`.
   *
   * @param line The command line.
   * @param timeoutMs How long it may take (default 60 s).
   * @returns Its exit code and the screen.
   */
  async run(line: string, timeoutMs = 60_000): Promise<{ code: number; screen: string }> {
    const marker = `EXIT${++sessions}=`;
    await this.type(`${line}; echo ${marker}$?`);
    const match = await this.waitFor(new RegExp(`^${marker}(\\d+)$`, "m"), timeoutMs);
    return { code: Number(match[1]), screen: await this.screen() };
  }

  /** The process group in the foreground of the terminal: the command being run. */
  async foregroundGroup(): Promise<number> {
    const shell = Number((await this.#tmux(["display", "-p", "-t", "test", "#{pane_pid}"])).trim());
    // Field 8 of /proc/PID/stat is the terminal's foreground process group (tpgid).
    const stat = await Deno.readTextFile(`/proc/${shell}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[5]);
  }

  /** Ends the session and its tmux server (ours alone), and whatever still runs in it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const socket = (await this.#tmux(["display", "-p", "#{socket_path}"]).catch(() => "")).trim();
    await this.#tmux(["kill-server"]).catch(() => {});
    // kill-server leaves the socket file behind.
    if (socket !== "") await Deno.remove(socket).catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #tmux(
    args: string[],
    options: { env?: Record<string, string>; cwd?: string | URL } = {},
  ): Promise<string> {
    const output = await new Deno.Command("tmux", {
      args: ["-L", this.#socket, ...args],
      ...(options.env === undefined ? {} : { env: options.env, clearEnv: true }),
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    if (!output.success) throw new Error(`tmux ${args.join(" ")} failed: ${stderr}`);
    return new TextDecoder().decode(output.stdout);
  }
}
