/**
 * One usage style for every command: snapshot tests of each help text (`UPDATE_SNAPSHOTS=1
 * deno test -A tests/cli/usage_test.ts` rewrites `fixtures/help/`), the same layout (the usage
 * line with the command as typed, defaults, exit codes and three examples at the end), the same
 * sentence for an unknown flag, `--help` only (never `-h`) for help outside `fill`, and
 * `--version` everywhere.
 */

import assert from "node:assert/strict";
import { runDeno } from "../_cli.ts";

const CONFIG = JSON.parse(
  await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
) as { version: string };

/** `redfill ARGS` as the installed command runs it (no INIT_CWD: it names itself redfill). */
function redfill(...args: string[]) {
  return runDeno(["run", "-A", "tasks/redfill.ts", ...args]);
}

/** Compares a help text with fixtures/help/NAME.txt, or rewrites it with UPDATE_SNAPSHOTS=1. */
async function assertHelpSnapshot(actual: string, name: string): Promise<void> {
  const url = new URL(`../../fixtures/help/${name}.txt`, import.meta.url);
  if (Deno.env.get("UPDATE_SNAPSHOTS") === "1") {
    await Deno.mkdir(new URL(".", url), { recursive: true });
    await Deno.writeTextFile(url, actual);
    return;
  }
  const expected = await Deno.readTextFile(url).catch(() =>
    assert.fail(`No snapshot fixtures/help/${name}.txt: run with UPDATE_SNAPSHOTS=1 to write it`)
  );
  assert.equal(
    actual,
    expected,
    `fixtures/help/${name}.txt differs (UPDATE_SNAPSHOTS=1 rewrites it)`,
  );
}

const HELPS: readonly [name: string, args: string[]][] = [
  ["redfill", ["--help"]],
  ["fill", ["fill", "--help"]],
  ["run", ["run", "--help"]],
  ["bench", ["bench", "--help"]],
  ["redis", ["redis", "--help"]],
  ["redis_up", ["redis", "up", "--help"]],
  ["redis_down", ["redis", "down", "--help"]],
  ["redis_status", ["redis", "status", "--help"]],
  ["report", ["report", "--help"]],
  ["report_merge", ["report", "merge", "--help"]],
];

for (const [name, args] of HELPS) {
  Deno.test(`redfill ${args.join(" ")} prints the help in fixtures/help/${name}.txt`, async () => {
    const run = await redfill(...args);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, "");
    await assertHelpSnapshot(run.stdout, name);
  });
}

Deno.test("every command's help has the same layout: usage as typed, defaults, exit codes, three examples", async () => {
  for (const command of ["fill", "run", "bench", "redis", "report"]) {
    const help = (await redfill(command, "--help")).stdout;
    assert.match(help, new RegExp(`^Usage: redfill ${command} `), command);
    const sections = [...help.matchAll(/^(\w[\w ]*):/gm)].map((match) => match[1]);
    assert.deepEqual(sections.slice(-2), ["Exit codes", "Examples"], command);
    const examples = help.slice(help.indexOf("Examples:\n")).split("\n").filter((line) =>
      line.startsWith(`  redfill ${command}`)
    );
    assert.equal(examples.length, 3, `${command}: ${examples.join("; ")}`);
    assert.match(help, /^ {2}--version +print the version and exit$/m, command);
    assert.match(help, /^ {2}--help +show this help and exit$/m, command);
  }
  // Options that have a default show it, the same way.
  for (const args of [["fill"], ["bench"], ["redis", "up"]]) {
    const help = (await redfill(...args, "--help")).stdout;
    assert.match(
      help,
      /^ {2}--key-size <bytes> .*\(default 512\)$|\(default 3\)$/m,
      args.join(" "),
    );
  }
  // Under deno task the usage line names what the user typed.
  const task = await runDeno(["task", "fill", "--help"], { env: { INIT_CWD: Deno.cwd() } });
  assert.match(task.stdout, /^Usage: deno task fill \[options\]/);
});

Deno.test("--version prints the version in deno.json, for redfill and every command", async () => {
  const expected = `redfill ${CONFIG.version}\n`;
  for (
    const args of [
      ["--version"],
      ["fill", "--version"],
      ["run", "--version"],
      [
        "bench",
        "--version",
      ],
      ["redis", "--version"],
      ["report", "--version"],
    ]
  ) {
    const run = await redfill(...args);
    assert.deepEqual([run.code, run.stdout], [0, expected], args.join(" "));
  }
  const task = await runDeno(["task", "fill", "--version"]);
  assert.equal(task.stdout, expected);
});

Deno.test("an unknown flag is the same sentence, with a did-you-mean, in every command", async () => {
  const cases: [string[], string][] = [
    [["fill", "--seeed", "2"], 'Unknown option "--seeed". Did you mean "--seed"?'],
    [["run", "x.yaml", "--dyr-run"], 'Unknown option "--dyr-run". Did you mean "--dry-run"?'],
    [["bench", "--round", "2"], 'Unknown option "--round". Did you mean "--rounds"?'],
    [["redis", "up", "--clustr"], 'Unknown option "--clustr". Did you mean "--cluster"?'],
    [["fill", "--zzz"], 'Unknown option "--zzz": see "redfill fill --help"'],
    [["redis", "upp"], 'Unknown command "upp". Did you mean "up"?'],
    [["flil"], 'Unknown command "flil". Did you mean "fill"?'],
    [["redis"], 'Missing command: use up, down, status (see "redfill redis --help")'],
    [["report"], 'Missing command: use merge (see "redfill report --help")'],
    [[], 'Missing command: use fill, run, bench, redis, report (see "redfill --help")'],
  ];
  for (const [args, sentence] of cases) {
    const run = await redfill(...args);
    assert.deepEqual([run.code, run.stderr], [2, `${sentence}\n`], args.join(" "));
  }
});

Deno.test("run, bench and redis take --help only: -h is an unknown option there, and the host in fill", async () => {
  for (const args of [["run", "-h"], ["bench", "-h"], ["redis", "-h"], ["redis", "up", "-h"]]) {
    const run = await redfill(...args);
    assert.equal(run.code, 2, args.join(" "));
    assert.match(
      run.stderr,
      /^Unknown option "-h": see "redfill (run|bench|redis|redis up) --help"\n$/,
    );
    assert.equal(run.stdout, "");
  }
  const fill = await redfill("fill", "-h", "::1", "--dry-run");
  assert.equal(fill.code, 0, fill.stderr);
  assert.match(fill.stdout, /^Target: redis:\/\/\[::1\]:6379, mode auto$/m);
});
