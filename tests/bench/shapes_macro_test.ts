/**
 * The per-type macro benchmark (`bench/shapes_macro.ts`, `deno task bench --shapes`): the pure
 * parts (labels, keyspaces, medians and the ratio, the table cells, the report's rendering, an
 * older report without `shapes`), and one tiny run end to end through the bench command against
 * the local redis-server it starts.
 *
 * @module
 */

import assert from "node:assert/strict";
import { bench } from "./_bench.ts";
import { keyCount } from "../../lib/fill/keyspace.ts";
import { renderMarkdown, renderTerminal } from "../../bench/render.ts";
import type { BenchReport } from "../../bench/results.ts";
import {
  SHAPE_TYPES,
  shapeCells,
  shapeKeyspace,
  shapeLabel,
  type ShapeMacroRound,
  shapeRow,
  type ShapesMacroResult,
  shapesMacroTable,
} from "../../bench/shapes_macro.ts";

function round(n: number, ceiling: number, fill: number, cpu: number): ShapeMacroRound {
  return {
    round: n,
    ceilingMibPerSecond: ceiling,
    fillMibPerSecond: fill,
    fillCpuSecondsPerGib: cpu,
  };
}

function report(shapes: ShapesMacroResult | null): BenchReport {
  return {
    schema: "redfill-bench/1",
    startedAt: "2026-01-01T00:00:00.000Z",
    totalSeconds: 1,
    machine: {
      hostname: "h",
      os: "linux",
      arch: "x86_64",
      cpuModel: "cpu",
      cores: 2,
      memoryBytes: 1,
      loadAverage: { start: [1, 1, 1], end: [1, 1, 1] },
    },
    versions: { deno: "2", v8: "1", typescript: "5", redis: "7.0.15" },
    parameters: {
      sizeBytes: 64 * 1024 * 1024,
      keySize: 512,
      valueSize: 512,
      keys: 65536,
      seed: 1,
      rounds: 3,
      connections: null,
      batchBytes: null,
    },
    macro: null,
    micro: null,
    shapes,
    check: null,
  };
}

Deno.test("shapeLabel() names every shape case by its type and sizes", () => {
  assert.deepEqual(SHAPE_TYPES, ["plain", "string", "hash", "list", "set", "zset", "stream"]);
  assert.deepEqual(SHAPE_TYPES.map(shapeLabel), [
    "plain string, 512 B (primed SET encoder)",
    "string, value-size 64-1KiB",
    "hash, 20 fields of 32 B",
    "list, 20 elements of 32 B",
    "set, 20 members of 32 B",
    "zset, 20 members of 32 B",
    "stream, 5 entries of 4 fields of 32 B",
  ]);
});

Deno.test("shapeKeyspace() holds about the size asked for, with 64 B keys", () => {
  const plain = shapeKeyspace("plain", 64 * 1024 * 1024);
  assert.equal(plain.count, keyCount(64 * 1024 * 1024, 64, 512));
  assert.equal(plain.shapes, undefined);
  const hash = shapeKeyspace("hash", 1024 * 1024, 7);
  assert.equal(hash.keySize, 64);
  assert.equal(hash.seed, 7);
  assert.equal(hash.shapes?.[0]?.type, "hash");
  // 20 fields of 32 B names and 32 B values, plus the key: about 1,344 B per key.
  const perKey = hash.keySize + hash.valueSize;
  assert.ok(Math.abs(hash.count * perKey - 1024 * 1024) <= perKey, `${hash.count} × ${perKey}`);
  assert.throws(() => shapeKeyspace("heap", 1024), /Unknown shape case "heap"/);
});

Deno.test("shapeRow() takes each measure's median over the rounds and divides the medians", () => {
  const row = shapeRow("zset", 100, 1000, 1700, [
    round(1, 40, 30, 5),
    round(2, 50, 35, 4),
    round(3, 45, 20, 6),
  ]);
  assert.equal(row.label, "zset, 20 members of 32 B");
  assert.equal(row.ceilingMibPerSecond, 45);
  assert.equal(row.fillMibPerSecond, 30);
  assert.equal(row.ratio, 30 / 45);
  assert.equal(row.fillCpuSecondsPerGib, 5);
  assert.equal(row.respPerPayload, 1.7);
  assert.equal(row.fillCpuSecondsPerRespGib, 5 * 1000 / 1700);
  assert.equal(row.rounds.length, 3);
  assert.deepEqual(
    JSON.parse(JSON.stringify(row)),
    {
      type: "zset",
      label: "zset, 20 members of 32 B",
      keys: 100,
      bytes: 1000,
      respBytes: 1700,
      respPerPayload: 1.7,
      ceilingMibPerSecond: 45,
      fillMibPerSecond: 30,
      ratio: 30 / 45,
      fillCpuSecondsPerGib: 5,
      fillCpuSecondsPerRespGib: 5 * 1000 / 1700,
      rounds: [round(1, 40, 30, 5), round(2, 50, 35, 4), round(3, 45, 20, 6)],
    },
  );
});

Deno.test("shapesMacroTable() rounds MiB/s to 0.1 and ratios and CPU to 0.01", () => {
  const row = shapeRow("hash", 1373, 1035242, 1552863, [round(1, 50.243, 30.472, 31.7058)]);
  assert.deepEqual(shapeCells(row), [
    "hash, 20 fields of 32 B",
    "1373",
    "50.2",
    "30.5",
    "0.61",
    "31.71",
    "1.50",
    "21.14",
  ]);
  assert.equal(
    shapesMacroTable([row]),
    [
      "| shape (64 B keys) | keys | raw ceiling MiB/s | fill MiB/s | fill / ceiling | fill CPU-s/GiB | RESP / payload | CPU-s/GiB of RESP |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
      "| hash, 20 fields of 32 B | 1373 | 50.2 | 30.5 | 0.61 | 31.71 | 1.50 | 21.14 |",
    ].join("\n"),
  );
});

Deno.test("renderMarkdown() and renderTerminal() show the per-type table, and read an older report without it", () => {
  const row = shapeRow("plain", 116509, 67108864, 69905067, [
    round(1, 101.34, 91.06, 1.853),
  ]);
  const markdown = renderMarkdown(report({ keySize: 64, rows: [row] }), []);
  assert.match(markdown, /^### redfill bench: 64\.0 MiB per run, 3 rounds, medians/);
  assert.ok(
    markdown.includes(
      "| plain string, 512 B (primed SET encoder) | 116509 | 101.3 | 91.1 | 0.90 | 1.85 | 1.04 | 1.78 |",
    ),
    markdown,
  );
  assert.match(
    renderTerminal(report({ keySize: 64, rows: [row] }), [], false),
    /│ 0\.90 +│ 1\.85 +│ 1\.04 +│ 1\.78 +│/,
  );
  // A report written before --shapes existed has no `shapes` key.
  const older = report(null);
  delete older.shapes;
  const text = renderMarkdown(older, []);
  assert.match(text, /\(65536 keys of 512\+512 B\)/);
  assert.doesNotMatch(text, /shape/);
});

Deno.test("bench --shapes plain,hash alone measures each type against its own ceiling and writes the rows", async () => {
  const dir = await Deno.makeTempDir({ prefix: "redfill-shapes-bench-test-" });
  try {
    const json = `${dir}/report.json`;
    const result = await bench([
      "--shapes",
      "hash,plain",
      "--size",
      "1MiB",
      "--rounds",
      "1",
      "--json",
      json,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const written = JSON.parse(await Deno.readTextFile(json)) as BenchReport;
    // Alone, --shapes runs neither the micro-benchmarks nor the macro cases, and gates nothing.
    assert.equal(written.macro, null);
    assert.equal(written.micro, null);
    assert.equal(written.check, null);
    assert.match(written.versions.redis ?? "", /^\d+\.\d+\.\d+$/);
    const shapes = written.shapes!;
    assert.equal(shapes.keySize, 64);
    // In SHAPE_TYPES order, whatever order the flag lists them in.
    assert.deepEqual(shapes.rows.map((row) => row.type), ["plain", "hash"]);
    for (const row of shapes.rows) {
      assert.equal(row.keys, shapeKeyspace(row.type, 1024 * 1024).count, row.type);
      // The keyspace is sized from the shape's mean payload: its real bytes land within 5%.
      assert.ok(
        Math.abs(row.bytes - 1024 * 1024) <= 0.05 * 1024 * 1024,
        `${row.type}: ${row.bytes}`,
      );
      assert.ok(row.ceilingMibPerSecond > 0 && row.fillMibPerSecond > 0, row.type);
      assert.ok(row.fillCpuSecondsPerGib > 0, row.type);
      // RESP frames every key and element: more bytes on the wire than keys and contents.
      assert.ok(row.respBytes > row.bytes, `${row.type}: ${row.respBytes} of RESP`);
      assert.ok(
        Math.abs(row.fillCpuSecondsPerRespGib - row.fillCpuSecondsPerGib / row.respPerPayload) <
          1e-9,
      );
      assert.equal(row.ratio, row.fillMibPerSecond / row.ceilingMibPerSecond, row.type);
      assert.equal(row.rounds.length, 1);
      assert.equal(row.rounds[0]!.fillMibPerSecond, row.fillMibPerSecond);
      assert.ok(
        result.stdout.includes(`│ ${row.label.padEnd(40)} │ ${String(row.keys).padEnd(5)}`),
        result.stdout,
      );
    }
    // A hash's field names, its second key and per-field framing cost more than a SET's.
    const [plain, hash] = shapes.rows;
    assert.ok(hash!.respPerPayload > plain!.respPerPayload, `${hash!.respPerPayload}`);
    assert.match(result.stdout, /^Round 1\/1 shape hash +ceiling +[\d.]+ MiB\/s +fill/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench --shapes rejects an unknown type, and --check without the macro, with one sentence and exit 2", async () => {
  const unknown = await bench(["--shapes", "hash,heap"]);
  assert.equal(unknown.code, 2);
  assert.equal(
    unknown.stderr,
    'Unknown type "heap" in --shapes: use plain, string, hash, list, set, zset, stream\n',
  );
  const check = await bench(["--shapes", "--check"]);
  assert.equal(check.code, 2);
  assert.equal(
    check.stderr,
    `"--check" gates on the macro ratios, which "--shapes" alone does not measure: add "--macro"\n`,
  );
});
