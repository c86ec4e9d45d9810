/**
 * Signals as a terminal delivers them: `deno task fill` typed into a real pseudo-terminal
 * (tmux), Ctrl-C pressed on it (SIGINT to the whole foreground process group, plus the one
 * `deno task` forwards), SIGTERM sent to that group. And the decision behind the listeners,
 * with the times those signals arrive at.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { REPEAT_WINDOW_MS, SignalGate } from "../../lib/cli/signals.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { isRedisServer, redisCli } from "../_cli.ts";
import { TmuxTerminal } from "../_tmux.ts";

/** The keys the table report says were written, from the screen. */
function reportedKeys(screen: string): number {
  const match = /^Fill +([\d,]+) keys, .*interrupted/m.exec(screen);
  assert.ok(match, `no interrupted fill in the report:\n${screen}`);
  return Number(match[1]!.replaceAll(",", ""));
}

/** `deno task fill` against a port, slow enough to be interrupted in the middle. */
function fillLine(port: number, extra = ""): string {
  return `deno task fill -h 127.0.0.1 -p ${port} -d 2GiB --rate 20${extra}`;
}

/** Waits until the fill has written some keys (its progress line shows them). */
async function whileFilling(terminal: TmuxTerminal): Promise<void> {
  await terminal.waitFor(/Filling 2\.0 GiB/);
  await terminal.waitFor(/\(\d+%\), [\d,]{5,} keys/);
}

Deno.test("SignalGate stops on the first signal, ignores its copies and quits on a later one", () => {
  const gate = new SignalGate();
  // The terminal's SIGINT and the one `deno task` forwards, measured 0.5 to 2 ms apart.
  assert.deepEqual(
    [gate.receive(10_000, true), gate.receive(10_001, true), gate.receive(10_002, true)],
    ["stop", "duplicate", "duplicate"],
  );
  // A second Ctrl-C, a keypress later.
  assert.equal(gate.receive(10_000 + REPEAT_WINDOW_MS, true), "quit");
});

Deno.test("SignalGate quits at once when nothing can stop gracefully", () => {
  assert.equal(new SignalGate().receive(0, false), "quit");
  const gate = new SignalGate({ windowMs: 100 });
  assert.equal(gate.receive(0, true), "stop");
  assert.equal(gate.receive(99, false), "duplicate");
  assert.equal(gate.receive(100, false), "quit");
});

Deno.test("Ctrl-C in a terminal under deno task fill runs the barrier, prints the partial report and exits 130", async () => {
  await using redis = await startLocalRedis();
  await using terminal = await TmuxTerminal.start();
  const port = redis.nodes[0]!.port;
  const done = terminal.run(fillLine(port));
  await whileFilling(terminal);
  await terminal.press("C-c");
  const { code, screen } = await done;
  assert.equal(code, 130, screen);
  assert.match(screen, /Interrupted: stopping the writers and reporting what was written/);
  assert.doesNotMatch(screen, /quitting at once/, "the forwarded copy of Ctrl-C quit the run");
  assert.doesNotMatch(screen, /^\s+at /m);
  const keys = reportedKeys(screen);
  assert.ok(keys > 0 && keys < 2 * 1024 * 1024, `${keys}`);
  // The barrier ran: the server holds exactly the keys the report counts.
  assert.equal(Number(await redisCli(port, "DBSIZE")), keys);
});

Deno.test("Ctrl-C under deno task fill --report json --out writes the partial report to the file, not ok", async () => {
  await using redis = await startLocalRedis();
  const dir = await Deno.makeTempDir({ prefix: "redfill-signals-" });
  try {
    await using terminal = await TmuxTerminal.start({ cwd: dir });
    const port = redis.nodes[0]!.port;
    // Typed from another directory: the relative --out lands there (INIT_CWD).
    const root = new URL("../../", import.meta.url).pathname;
    const done = terminal.run(
      `deno task --cwd ${root} fill -h 127.0.0.1 -p ${port} -d 2GiB --rate 20 --report json --out r.json`,
    );
    await whileFilling(terminal);
    await terminal.press("C-c");
    const { code, screen } = await done;
    assert.equal(code, 130, screen);
    const path = join(dir, "r.json");
    assert.ok(screen.includes(`Wrote the json report to ${path}`), screen);
    const report = JSON.parse(await Deno.readTextFile(path)) as {
      status: string;
      ok: boolean;
      fill: { interrupted: boolean; keys: number };
    };
    assert.equal(report.status, "interrupted");
    assert.equal(report.ok, false);
    assert.equal(report.fill.interrupted, true);
    assert.equal(Number(await redisCli(port, "DBSIZE")), report.fill.keys);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SIGTERM to deno task fill's process group stops the fill gracefully, reports and exits 143", async () => {
  await using redis = await startLocalRedis();
  await using terminal = await TmuxTerminal.start();
  const port = redis.nodes[0]!.port;
  const done = terminal.run(fillLine(port));
  await whileFilling(terminal);
  Deno.kill(-(await terminal.foregroundGroup()), "SIGTERM");
  const { code, screen } = await done;
  assert.equal(code, 143, screen);
  assert.match(screen, /Terminated \(SIGTERM\): stopping the writers/);
  assert.equal(Number(await redisCli(port, "DBSIZE")), reportedKeys(screen));
});

Deno.test("a second Ctrl-C a keypress later quits at once, without waiting for the barrier", async () => {
  await using redis = await startLocalRedis();
  await using terminal = await TmuxTerminal.start();
  const port = redis.nodes[0]!.port;
  try {
    const done = terminal.run(fillLine(port));
    await whileFilling(terminal);
    // A server that stops writing: the barrier after the first Ctrl-C waits for it.
    await redisCli(port, "CLIENT", "PAUSE", "30000", "WRITE");
    await terminal.press("C-c");
    await terminal.waitFor(/Interrupted: stopping/);
    await new Promise((resolve) => setTimeout(resolve, REPEAT_WINDOW_MS * 2));
    await terminal.press("C-c");
    const { code, screen } = await done;
    assert.equal(code, 130, screen);
    assert.match(screen, /SIGINT again: quitting at once/);
    assert.doesNotMatch(screen, /^redfill: fill/m, "the report waited for the paused server");
  } finally {
    await redisCli(port, "CLIENT", "UNPAUSE");
  }
});

Deno.test("Ctrl-C in a terminal during the local demo under deno task exits 130 and leaves no redis-server", async () => {
  await using terminal = await TmuxTerminal.start();
  let serverPid: number | undefined;
  try {
    const done = terminal.run("deno task fill -d 2GiB --rate 20");
    const up = await terminal.waitFor(/Local standalone is up at redis:\/\/127\.0\.0\.1:(\d+)/);
    const port = Number(up[1]);
    serverPid = Number(/process_id:(\d+)/.exec(await redisCli(port, "INFO", "server"))?.[1]);
    assert.ok(isRedisServer(serverPid), `no redis-server with pid ${serverPid}`);
    await whileFilling(terminal);
    await terminal.press("C-c");
    const { code, screen } = await done;
    assert.equal(code, 130, screen);
    // The server outlived the Ctrl-C long enough for the barrier: the fill reports, not fails.
    assert.doesNotMatch(screen, /Lost the connection/);
    assert.ok(reportedKeys(screen) > 0);
    assert.ok(!isRedisServer(serverPid), "the local redis-server was left running");
  } finally {
    if (serverPid !== undefined && isRedisServer(serverPid)) Deno.kill(serverPid, "SIGKILL");
  }
});
