/**
 * Helpers for the fault tests: run `redfill fill` (tasks/redfill.ts) as a subprocess and check what a user sees
 * — the exit code, one sentence on stderr, no stack trace, no secret.
 *
 * @module
 */

import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);

/**
 * The environment of a child run: ours without `INIT_CWD` (which `deno task test` sets, and a
 * nested `deno task` keeps), with `NO_COLOR` and the extra variables.
 */
function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = Deno.env.toObject();
  delete env.INIT_CWD;
  return { ...env, NO_COLOR: "1", ...extra };
}

/** What a finished CLI run printed. */
export interface CliRun {
  /** Exit code. */
  code: number;
  /** Everything on stdout. */
  stdout: string;
  /** Everything on stderr. */
  stderr: string;
  /** Wall time in milliseconds. */
  ms: number;
}

/** Options for {@linkcode runFillCli}. */
export interface RunFillCliOptions {
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Kill the run (SIGKILL) and fail after this long (default 60 s): a hang is a failure. */
  timeoutMs?: number;
  /** Deno permission flags instead of `-A`, e.g. `["-A", "--deny-net"]`. */
  permissions?: string[];
  /** Text piped to stdin (default: no stdin). */
  stdin?: string;
}

/**
 * Runs `deno run -A tasks/redfill.ts fill ARGS` (what `deno task fill ARGS` runs) to the end.
 *
 * @param args The flags.
 * @param options Environment and a hang guard.
 * @returns Exit code, output and wall time.
 */
export async function runFillCli(args: string[], options: RunFillCliOptions = {}): Promise<CliRun> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...(options.permissions ?? ["-A"]), "tasks/redfill.ts", "fill", ...args],
    cwd: ROOT,
    clearEnv: true,
    env: childEnv(options.env),
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // exited meanwhile
    }
  }, options.timeoutMs ?? 60_000);
  const output = await child.output();
  clearTimeout(timer);
  const run = {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
    ms: performance.now() - started,
  };
  assert.ok(!hung, `redfill fill ${args.join(" ")} hung; stderr: ${run.stderr}`);
  return run;
}

/**
 * Runs `deno ARGS` to the end from a directory (e.g. `deno task --cwd ROOT fill …` from
 * elsewhere, as a user would).
 *
 * @param args The arguments after `deno`.
 * @param options The directory to run in (default the project) and extra variables.
 * @returns Exit code, output and wall time.
 */
export async function runDeno(
  args: string[],
  options: { cwd?: string | URL; env?: Record<string, string> } = {},
): Promise<CliRun> {
  const started = performance.now();
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: options.cwd ?? ROOT,
    clearEnv: true,
    env: childEnv(options.env),
    stdin: "null",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return {
    code: output.code,
    stdout: decode(output.stdout),
    stderr: decode(output.stderr),
    ms: performance.now() - started,
  };
}

/** A `redfill fill` subprocess still running. */
export class FillProcess {
  readonly #child: Deno.ChildProcess;
  readonly #started = performance.now();
  readonly #stdout: Promise<string>;
  readonly #stderrDone: Promise<void>;
  #stderr = "";

  /**
   * Starts `deno run -A tasks/redfill.ts fill ARGS`.
   *
   * @param args The flags.
   * @param options Extra environment variables.
   */
  constructor(args: string[], options: { env?: Record<string, string> } = {}) {
    const deno = [Deno.execPath(), "run", "-A", "tasks/redfill.ts", "fill", ...args];
    const [program, ...rest] = deno;
    const child = new Deno.Command(program!, {
      args: rest,
      cwd: ROOT,
      clearEnv: true,
      env: childEnv(options.env),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#stdout = new Response(child.stdout).text();
    this.#stderrDone = (async () => {
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
        this.#stderr += chunk;
      }
    })();
  }

  /** The pid of the `deno` process. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Stderr so far. */
  get stderr(): string {
    return this.#stderr;
  }

  /**
   * Waits until stderr matches `pattern`.
   *
   * @param pattern What to wait for.
   * @param timeoutMs How long (default 30 s).
   */
  async waitForStderr(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.#stderr)) {
      if (Date.now() > deadline) {
        this.kill("SIGKILL");
        await this.finish();
        throw new Error(`redfill fill never printed ${pattern}; stderr: ${this.#stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /**
   * Sends a signal to the `deno` process.
   *
   * @param signal The signal.
   */
  kill(signal: Deno.Signal): void {
    try {
      this.#child.kill(signal);
    } catch {
      // exited already
    }
  }

  /**
   * Waits for the end, killing the process (and failing) after `timeoutMs`.
   *
   * @param timeoutMs The hang guard (default 60 s).
   * @returns The finished run.
   */
  async finish(timeoutMs = 60_000): Promise<CliRun> {
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      this.kill("SIGKILL");
    }, timeoutMs);
    const status = await this.#child.status;
    clearTimeout(timer);
    const stdout = await this.#stdout;
    await this.#stderrDone;
    const run = {
      code: status.code,
      stdout,
      stderr: this.#stderr,
      ms: performance.now() - this.#started,
    };
    assert.ok(!hung, `redfill fill hung; stderr: ${run.stderr}`);
    return run;
  }
}

/**
 * The last non-empty line of stderr: the sentence the CLI ends a failed run with.
 *
 * @param run A finished run.
 * @returns The line.
 */
export function lastLine(run: CliRun): string {
  return run.stderr.trim().split("\n").at(-1) ?? "";
}

/**
 * Asserts a failed run: the exit code, a last stderr line matching `pattern` that is one
 * sentence, no stack trace, no uncaught error, and no secret anywhere in the output.
 *
 * @param run A finished run.
 * @param code The expected exit code.
 * @param pattern What the last line must say.
 * @param secrets Strings that must not appear in stdout or stderr.
 */
export function assertFailure(
  run: CliRun,
  code: number,
  pattern: RegExp,
  secrets: string[] = [],
): void {
  const context = `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`;
  assert.equal(run.code, code, context);
  const line = lastLine(run);
  assert.match(line, pattern, context);
  assert.doesNotMatch(run.stderr, /^\s+at /m, `stack trace printed\n${context}`);
  assert.doesNotMatch(run.stderr, /Uncaught|error: Uncaught|\bpanicked\b/, context);
  // One sentence; a cliffy-style "Did you mean …?" after it is part of the same message.
  const sentence = line.replace(/"[^"]*"/g, '""').replace(/\. Did you mean ""\?$/, "");
  assert.ok(!/[.!?]\s+[A-Z]/.test(sentence), `not one sentence: ${line}`);
  assertNoSecret(run, secrets);
}

/**
 * Asserts that none of the secrets appears in stdout or stderr.
 *
 * @param run A finished run.
 * @param secrets The secrets.
 */
export function assertNoSecret(run: CliRun, secrets: string[]): void {
  for (const secret of secrets) {
    assert.ok(!run.stdout.includes(secret), `secret printed on stdout: ${run.stdout}`);
    assert.ok(!run.stderr.includes(secret), `secret printed on stderr: ${run.stderr}`);
  }
}

/**
 * `-h 127.0.0.1 -p PORT` for the first node of a local server.
 *
 * @param local The running server.
 * @returns The flags.
 */
export function addressFlags(local: { nodes: readonly { port: number }[] }): string[] {
  return ["-h", "127.0.0.1", "-p", String(local.nodes[0]!.port)];
}

/**
 * Listens on a free loopback port and hands every accepted connection to `serve` (by default
 * it is kept and never answered: a peer that hangs).
 *
 * @param serve What to do with a connection.
 * @returns The port and a function that closes the listener and every accepted connection.
 */
export function silentPeer(
  serve: (conn: Deno.Conn) => Promise<void> = () => Promise.resolve(),
): { port: number; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  (async () => {
    try {
      for await (const conn of listener) {
        conns.push(conn);
        serve(conn).catch(() => {});
      }
    } catch {
      // closed
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    close() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // closed already
        }
      }
    },
  };
}

/**
 * A `serve` for {@linkcode silentPeer} that reads slowly: `bytes` every `everyMs`, counted in
 * `seen.bytes`, and never answers.
 *
 * @param bytes Bytes taken per read.
 * @param everyMs Milliseconds between reads.
 * @param seen Where the bytes read are counted.
 * @returns The function.
 */
export function slowReader(
  bytes: number,
  everyMs: number,
  seen: { bytes: number },
): (conn: Deno.Conn) => Promise<void> {
  return async (conn) => {
    const buffer = new Uint8Array(bytes);
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, everyMs));
      const read = await conn.read(buffer);
      if (read === null) return;
      seen.bytes += read;
    }
  };
}

/**
 * A loopback port with nothing listening on it (bound once, then released).
 *
 * @returns The port.
 */
export function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * Runs `redis-cli -p PORT ARGS` (or `-s PATH` for a socket path) and returns its output.
 *
 * @param port The port, or the Unix socket's path.
 * @param args The command.
 * @returns Its reply, trimmed.
 */
export async function redisCli(port: number | string, ...args: string[]): Promise<string> {
  const address = typeof port === "string" ? ["-s", port] : ["-p", String(port)];
  const output = await new Deno.Command("redis-cli", {
    args: [...address, ...args],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(output.stdout).trim();
}

/**
 * Whether a pid is a running redis-server.
 *
 * @param pid The pid.
 * @returns True while it runs redis-server.
 */
export function isRedisServer(pid: number): boolean {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).includes("redis-server");
  } catch {
    return false;
  }
}
