/**
 * Running Deno scripts as subprocesses in the `lib/local` tests: read their output line by
 * line while they run, and always drain both streams so no resource leaks.
 *
 * @module
 */

/** A running Deno subprocess. */
export class DenoProcess {
  readonly #child: Deno.ChildProcess;
  readonly #stdout: Promise<void>;
  readonly #stderr: Promise<string>;
  #out = "";
  #waiters: Array<() => void> = [];

  /**
   * Starts `deno run -A SCRIPT ARGS`.
   *
   * @param script Path of the script, relative to the repository root.
   * @param args Its arguments.
   * @param env Extra environment variables.
   */
  constructor(script: string, args: string[], env: Record<string, string> = {}) {
    // Without INIT_CWD (which `deno task test` sets), so commands name themselves `redfill …`.
    const inherited = Deno.env.toObject();
    delete inherited.INIT_CWD;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, ...args],
      cwd: new URL("../../", import.meta.url),
      clearEnv: true,
      env: { ...inherited, ...env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#stdout = (async () => {
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        this.#out += chunk;
        for (const wake of this.#waiters.splice(0)) wake();
      }
      for (const wake of this.#waiters.splice(0)) wake();
    })();
    this.#stderr = new Response(child.stderr).text();
  }

  /** The pid. */
  get pid(): number {
    return this.#child.pid;
  }

  /** What it printed on stdout so far. */
  get stdout(): string {
    return this.#out;
  }

  /**
   * Waits until stdout contains `text`, failing if the process ends or `timeoutMs` passes.
   *
   * @param text What to wait for.
   * @param timeoutMs How long (default 30 s).
   * @returns Stdout so far.
   */
  async waitFor(text: string, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    this.#stdout.then(() => ended = true);
    while (!this.#out.includes(text)) {
      if (ended || Date.now() > deadline) {
        throw new Error(
          `Subprocess never printed "${text}". stdout: ${this.#out} stderr: ${await this
            .#stderrIfDone()}`,
        );
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, 200);
      });
      clearTimeout(timer);
    }
    return this.#out;
  }

  async #stderrIfDone(): Promise<string> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const result = await Promise.race([
      this.#stderr,
      new Promise<string>((resolve) => timer = setTimeout(() => resolve("(still running)"), 100)),
    ]);
    clearTimeout(timer);
    return result;
  }

  /**
   * Sends a signal, unless it exited already.
   *
   * @param signal The signal.
   */
  kill(signal: Deno.Signal): void {
    try {
      this.#child.kill(signal);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error; // it has exited already
    }
  }

  /**
   * Waits for the exit and both streams.
   *
   * @returns The exit code, stdout and stderr.
   */
  async finished(): Promise<{ code: number; stdout: string; stderr: string }> {
    const [status, , stderr] = await Promise.all([this.#child.status, this.#stdout, this.#stderr]);
    return { code: status.code, stdout: this.#out, stderr };
  }
}

/**
 * Runs `deno run -A SCRIPT ARGS` to completion.
 *
 * @param script Path of the script, relative to the repository root.
 * @param args Its arguments.
 * @param env Extra environment variables.
 * @returns The exit code, stdout and stderr.
 */
export function runDeno(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new DenoProcess(script, args, env).finished();
}
