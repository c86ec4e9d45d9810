import assert from "node:assert/strict";
import { join } from "node:path";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { UsageError } from "../../lib/errors.ts";
import { type RunReport, RunReportSchema } from "../../lib/report/model.ts";
import { type ReportSink, writeReport } from "../../lib/steps/report.ts";
import type { VerifyResult } from "../../lib/types.ts";
import { runSteps } from "./_run.ts";
import { defaultRegistry, parsePipeline } from "../../lib/builtins.ts";
import { runPipeline } from "../../lib/pipeline/executor.ts";
import { clusterPassReport } from "../report/_reports.ts";

const REDFILL = new URL("../../tasks/redfill.ts", import.meta.url).pathname;
const PASSWORD = "Pa55-word-that-must-not-leak";

/** Runs `deno task run FILE` as a user would, with extra environment variables. */
async function runPipelineFile(file: string, env: Record<string, string>) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", REDFILL, "run", file],
    env: { ...env, NO_COLOR: "1" },
    stdin: "null",
  }).output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}

/**
 * Writes a pipeline file named `name` for a local standalone server on `port` into `dir`.
 *
 * @returns Its path.
 */
async function writePipeline(
  dir: string,
  target: { port: number; password?: string },
  name: string,
  steps: string[],
): Promise<string> {
  const file = join(dir, "pipeline.yaml");
  const lines = [
    "version: 1",
    `name: ${name}`,
    "target:",
    `  url: redis://127.0.0.1:${target.port}`,
    "  mode: standalone",
    ...(target.password === undefined ? [] : [`  password: ${target.password}`]),
    "steps:",
    ...steps.map((step) => `  - ${step}`),
    "",
  ];
  await Deno.writeTextFile(file, lines.join("\n"));
  return file;
}

/** A sink that keeps what would go to stdout. */
function memorySink(overrides: Partial<ReportSink> = {}): ReportSink & { text: string[] } {
  const text: string[] = [];
  return {
    text,
    stdout: (chunk) => {
      text.push(chunk);
      return Promise.resolve();
    },
    isTerminal: false,
    noColor: false,
    ...overrides,
  };
}

Deno.test("writeReport() prints table and md, writes json to out, and appends the step summary", async () => {
  const dir = await Deno.makeTempDir({ prefix: "redfill-report-" });
  try {
    const summary = join(dir, "summary.md");
    await Deno.writeTextFile(summary, "earlier\n");
    const sink = memorySink({ stepSummary: summary });
    const out = join(dir, "nested", "report.json");
    const written = await writeReport(clusterPassReport(), {
      formats: ["table", "json", "md"],
      out,
    }, sink);
    assert.deepEqual(written.stdout, ["table", "md"]);
    assert.deepEqual(written.file, { path: out, format: "json" });
    assert.match(sink.text[0]!, /^redfill: cluster-fill +PASS$/m);
    assert.match(sink.text[1]!, /^\n## redfill: cluster-fill/);
    assert.ok(RunReportSchema.safeParse(JSON.parse(await Deno.readTextFile(out))).success);
    const appended = await Deno.readTextFile(summary);
    assert.ok(appended.startsWith("earlier\n## redfill: cluster-fill"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeReport() colours the table only on a terminal without NO_COLOR", async () => {
  for (
    const [isTerminal, noColor, coloured] of [[true, false, true], [true, true, false], [
      false,
      false,
      false,
    ]] as const
  ) {
    const sink = memorySink({ isTerminal, noColor, columns: 100 });
    await writeReport(clusterPassReport(), { formats: ["table"] }, sink);
    assert.equal(
      sink.text.join("").includes("\u001b["),
      coloured,
      `tty ${isTerminal}, NO_COLOR ${noColor}`,
    );
  }
});

Deno.test("verify and every report format never show the password of a protected server", async () => {
  await using local = await startLocalRedis({ password: PASSWORD });
  const dir = await Deno.makeTempDir({ prefix: "redfill-report-" });
  try {
    const out = (format: string) => join(dir, `report.${format}`);
    const { result, lines } = await runSteps(
      local,
      "  - connect\n  - fill: { size: 8MiB, key-size: 64, value-size: 64 }\n" +
        "  - verify: { sample: 100 }\n" +
        `  - report: { format: table, out: ${out("txt")} }\n` +
        `  - report: { format: md, out: ${out("md")} }\n    id: report-md\n` +
        `  - report: { format: json, out: ${out("json")} }\n    id: report-json\n`,
    );
    assert.equal(result.error?.message, undefined);
    assert.equal((result.outputs.get("verify") as VerifyResult).ok, true);
    const files = await Promise.all(["txt", "md", "json"].map((f) => Deno.readTextFile(out(f))));
    const report = result.outputs.get("report") as RunReport;
    const everything = [...files, ...lines, JSON.stringify(report)].join("\n");
    assert.match(everything, /Verify passed: 65536 of 65536 keys/);
    assert.match(files[0]!, /^redfill: steps-test +PASS$/m);
    assert.ok(!everything.includes(PASSWORD), "no output holds the password");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report reads whatever the run produced, and runs after a failed step", async () => {
  await using local = await startLocalRedis();
  const dir = await Deno.makeTempDir({ prefix: "redfill-report-" });
  try {
    const out = join(dir, "report.json");
    // Only a connection: no fill and no verify to report.
    const connected = await runSteps(
      local,
      `  - connect\n  - report: { format: json, out: ${out} }\n`,
    );
    const first = RunReportSchema.parse(JSON.parse(await Deno.readTextFile(out)));
    assert.equal(connected.result.ok, true);
    assert.deepEqual([first.fill, first.verify, first.topology?.mode], [null, null, "standalone"]);
    assert.deepEqual(first.steps.map((step) => step.id), ["connect"]);
    // A verify that fails: the report still runs and shows the failed verdict.
    const failed = await runSteps(
      local,
      "  - connect\n  - keyspace: { size: 1MiB, key-size: 64, value-size: 64, flushed: true }\n" +
        `  - verify: { sample: 10 }\n  - report: { format: json, out: ${out} }\n`,
    );
    assert.equal(failed.result.exitCode, 1);
    const second = RunReportSchema.parse(JSON.parse(await Deno.readTextFile(out)));
    assert.deepEqual([second.ok, second.verify?.verdict, second.fill?.written], [
      false,
      "fail",
      false,
    ]);
    assert.deepEqual(second.steps.map((step) => [step.id, step.ok]), [
      ["connect", true],
      ["keyspace", true],
      ["verify", false],
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeReport() names an out file it cannot write, as a usage error", async () => {
  await assert.rejects(
    () => writeReport(clusterPassReport(), { formats: ["json"], out: "/proc/redfill/report.json" }),
    (error: unknown) =>
      error instanceof UsageError &&
      error.message.startsWith('Cannot write the report to "/proc/redfill/report.json": '),
  );
});

Deno.test("deno task run: fill, verify and report a protected server; no output holds the password", async () => {
  await using local = await startLocalRedis({ password: PASSWORD });
  const dir = await Deno.makeTempDir({ prefix: "redfill-report-" });
  try {
    const file = await writePipeline(
      dir,
      { port: local.masters()[0]!.port, password: "${env.REDIS_PASSWORD}" },
      "protected",
      [
        "connect",
        "flush",
        "fill: { size: 4MiB, key-size: 64, value-size: 64 }",
        "verify: { sample: 200 }",
        `report: { format: [table, json, md], out: ${join(dir, "out", "report.json")} }`,
      ],
    );
    const summary = join(dir, "summary.md");
    const run = await runPipelineFile(file, {
      REDIS_PASSWORD: PASSWORD,
      GITHUB_STEP_SUMMARY: summary,
    });
    assert.equal(run.code, 0, run.stderr);
    const json = await Deno.readTextFile(join(dir, "out", "report.json"));
    const markdown = await Deno.readTextFile(summary);
    for (const [name, text] of Object.entries({ ...run, json, markdown })) {
      assert.ok(!String(text).includes(PASSWORD), `${name} holds the password`);
    }
    assert.match(run.stdout, /^redfill: protected +PASS$/m);
    assert.match(run.stdout, /^## redfill: protected — ✅ pass$/m);
    assert.match(markdown, /^## redfill: protected — ✅ pass$/m);
    const report = RunReportSchema.parse(JSON.parse(json));
    assert.equal(report.fill?.keys, 32768);
    assert.equal(report.verify?.totalKeys, 32768);
    assert.deepEqual(report.steps.map((step) => step.id), ["connect", "flush", "fill", "verify"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task run: a failed verify is still reported, then exits 1 naming the check", async () => {
  await using local = await startLocalRedis();
  const dir = await Deno.makeTempDir({ prefix: "redfill-report-" });
  try {
    // The keyspace step declares twice what the fill wrote: half the keys are "missing".
    const file = await writePipeline(dir, { port: local.masters()[0]!.port }, "short", [
      "connect",
      "flush",
      "fill: { size: 4MiB, key-size: 64, value-size: 64 }",
      "keyspace: { size: 8MiB, key-size: 64, value-size: 64, flushed: true }",
      "verify: { sample: 100 }",
      "report",
    ]);
    const run = await runPipelineFile(file, {});
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /^redfill: short +FAIL$/m);
    assert.match(run.stdout, /FAIL {2}count: 32768 keys missing: found 32768 of 65536/);
    assert.match(
      run.stderr,
      /^Step "verify" failed: Verify failed: count: 32768 keys missing: found 32768 of 65536/m,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task run with two report steps appends one Markdown copy to $GITHUB_STEP_SUMMARY", async () => {
  await using local = await startLocalRedis();
  const dir = await Deno.makeTempDir({ prefix: "redfill-report-" });
  try {
    const file = await writePipeline(dir, { port: local.masters()[0]!.port }, "twice", [
      "connect",
      "fill: { size: 1MiB, key-size: 64, value-size: 64 }",
      "report: { format: json }\n    id: early",
      "verify: { sample: 10 }",
      "report",
    ]);
    const summary = join(dir, "summary.md");
    const run = await runPipelineFile(file, { GITHUB_STEP_SUMMARY: summary });
    assert.equal(run.code, 0, run.stderr);
    const markdown = await Deno.readTextFile(summary);
    assert.equal(markdown.match(/^## redfill: /gm)?.length, 1, markdown);
    // The copy is the last report's: the one that saw verify.
    assert.match(markdown, /^## redfill: twice — ✅ pass$/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("only the last report step appends to the step summary unless a step says otherwise", async () => {
  const summaries = async (steps: string) =>
    (await parsePipeline(`version: 1\ntarget: { port: 1 }\nsteps:\n${steps}`, "p.yaml", {
      registry: defaultRegistry(),
    })).steps.filter((step) => step.name === "report")
      .map((step) => (step.options as { summary: boolean }).summary);
  assert.deepEqual(
    await summaries("  - report\n  - report: { format: json }\n    id: again\n"),
    [false, true],
  );
  assert.deepEqual(
    await summaries("  - report: { summary: true }\n  - report: { summary: false }\n    id: b\n"),
    [true, false],
  );
  const sink = memorySink({ stepSummary: "/nonexistent/summary.md" });
  const written = await writeReport(
    clusterPassReport(),
    { formats: ["table"], summary: false },
    sink,
  );
  assert.equal(written.stepSummary, undefined);
});

Deno.test("a run stopped mid-fill reports interrupted and not ok, with the keys written so far", async () => {
  await using local = await startLocalRedis();
  const dir = await Deno.makeTempDir({ prefix: "redfill-report-" });
  try {
    const out = join(dir, "report.json");
    const pipeline = await parsePipeline(
      `version: 1\nname: stopped\ntarget: { port: ${local.masters()[0]!.port} }\nsteps:\n` +
        "  - connect\n  - fill: { size: 64MiB, rate: 4 }\n  - verify\n" +
        `  - report: { format: json, out: ${out} }\n`,
      "p.yaml",
      { registry: defaultRegistry(), env: {} },
    );
    const stop = new AbortController();
    const result = await runPipeline(pipeline, {
      signal: stop.signal,
      // Stop once some keys are written, as a Ctrl-C would.
      progress: { update: (snapshot) => snapshot.keys > 0 && stop.abort(), done() {} },
    });
    assert.equal(result.exitCode, 130);
    const report = RunReportSchema.parse(JSON.parse(await Deno.readTextFile(out)));
    assert.deepEqual([report.status, report.ok, report.fill?.interrupted], [
      "interrupted",
      false,
      true,
    ]);
    assert.ok(report.fill!.keys > 0 && report.fill!.keys < 65536, `${report.fill!.keys}`);
    assert.equal(report.verify, null, "verify did not run");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
