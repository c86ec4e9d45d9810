import assert from "node:assert/strict";
import {
  checkThreshold,
  formatExpression,
  formatMetric,
  limitFor,
  METRIC_NAME,
  parseExpression,
  passes,
  splitThreshold,
  type Threshold,
  thresholdLine,
} from "../lib/thresholds.ts";

function parsed(text: string) {
  const expression = parseExpression(text);
  if (typeof expression === "string") throw new Error(expression);
  return expression;
}

Deno.test("parseExpression() reads every operator, with or without spaces and units", () => {
  assert.deepEqual(parseExpression("> 100MiB/s"), { op: ">", value: 100, unit: "MiB/s" });
  assert.deepEqual(parseExpression(">=100 MiB/s"), { op: ">=", value: 100, unit: "MiB/s" });
  assert.deepEqual(parseExpression("<1.5"), { op: "<", value: 1.5, unit: "" });
  assert.deepEqual(parseExpression("<= 5%"), { op: "<=", value: 5, unit: "%" });
  assert.deepEqual(parseExpression("== 0"), { op: "==", value: 0, unit: "" });
  assert.deepEqual(parseExpression("!= -2"), { op: "!=", value: -2, unit: "" });
  assert.deepEqual(parseExpression(" < 60s "), { op: "<", value: 60, unit: "s" });
});

Deno.test("parseExpression() refuses text without an operator or a number", () => {
  const phrase =
    'expected an operator (<, <=, >, >=, ==, !=), a number and an optional unit, like "> 100MiB/s", not ';
  assert.equal(parseExpression("100MiB/s"), `${phrase}"100MiB/s"`);
  assert.equal(parseExpression("> fast"), `${phrase}"> fast"`);
  assert.equal(parseExpression("=> 5"), `${phrase}"=> 5"`);
  assert.equal(parseExpression(""), `${phrase}""`);
});

Deno.test("limitFor() converts every unit of a kind into the metric's unit", () => {
  assert.equal(limitFor(parsed("> 1GiB/s"), "MiB/s"), 1024);
  assert.equal(limitFor(parsed("> 512KiB/s"), "MiB/s"), 0.5);
  assert.equal(limitFor(parsed("> 100MB/s"), "MiB/s"), 100);
  assert.equal(limitFor(parsed("< 128MiB"), "bytes"), 128 * 1024 * 1024);
  assert.equal(limitFor(parsed("< 2GiB"), "bytes"), 2 * 1024 ** 3);
  assert.equal(limitFor(parsed("< 500ms"), "s"), 0.5);
  assert.equal(limitFor(parsed("< 2m"), "s"), 120);
  assert.equal(limitFor(parsed("< 5%"), "%"), 5);
  assert.equal(limitFor(parsed("< 1.5"), "number"), 1.5);
  assert.equal(limitFor(parsed("< 7"), "bytes"), 7, "a bare number is in the metric's unit");
});

Deno.test("limitFor() names the unit that does not fit, and what would", () => {
  assert.equal(
    limitFor(parsed("> 100MiB"), "MiB/s"),
    'the unit "MiB" does not fit a metric in MiB/s: write a rate like 100MiB/s (KiB/s, MiB/s, GiB/s)',
  );
  assert.equal(
    limitFor(parsed("< 5%"), "number"),
    'the unit "%" does not fit a metric without a unit: write a plain number',
  );
  assert.equal(
    limitFor(parsed("< 5 parsecs"), "s"),
    'the unit "parsecs" is not a unit redfill knows, and does not fit a metric in s: write a duration like 60s (ms, s, m, h)',
  );
});

Deno.test("passes() compares as each operator says", () => {
  assert.equal(passes("<", 1, 2), true);
  assert.equal(passes("<", 2, 2), false);
  assert.equal(passes("<=", 2, 2), true);
  assert.equal(passes(">", 2, 2), false);
  assert.equal(passes(">=", 2, 2), true);
  assert.equal(passes("==", 0, 0), true);
  assert.equal(passes("==", 1, 0), false);
  assert.equal(passes("!=", 1, 0), true);
});

Deno.test("formatMetric() and formatExpression() show values as the report prints them", () => {
  assert.equal(formatMetric(2048, "MiB/s"), "2 GiB/s");
  assert.equal(formatMetric(0, "bytes"), "0 B");
  assert.equal(formatMetric(12.345, "s"), "12.35 s");
  assert.equal(formatMetric(0.97, "number"), "0.97");
  assert.equal(formatExpression(parsed(">100MiB/s")), "> 100 MiB/s");
  assert.equal(formatExpression(parsed("<5%")), "< 5%");
  assert.equal(formatExpression(parsed("==0")), "== 0");
});

const throughput: Threshold = {
  metric: "fill.throughput",
  unit: "MiB/s",
  expression: parsed("> 100GiB/s"),
  limit: 100 * 1024,
  abortOnFail: true,
};

Deno.test("checkThreshold() fails a threshold whose metric was never measured", () => {
  const result = checkThreshold(throughput, undefined, {
    missing: "not measured: fill did not run",
  });
  assert.equal(result.ok, false);
  assert.equal(result.observed, null);
  assert.equal(
    thresholdLine(result),
    "✗ fill.throughput > 100 GiB/s: not measured: fill did not run",
  );
});

Deno.test("thresholdLine() marks the threshold that stopped the run", () => {
  const result = checkThreshold(throughput, 151.2, { stoppedRun: true });
  assert.equal(result.ok, false);
  assert.equal(
    thresholdLine(result),
    "✗ fill.throughput > 100 GiB/s: observed 151.2 MiB/s (stopped the run)",
  );
});

Deno.test("splitThreshold() splits a command-line threshold at its operator", () => {
  assert.deepEqual(splitThreshold("step.fill.duration <= 60s"), {
    metric: "step.fill.duration",
    expression: "<= 60s",
  });
  assert.equal(
    splitThreshold("fill.throughput"),
    'expected a metric, an operator and a limit, like "fill.throughput>100MiB/s", not "fill.throughput"',
  );
});

Deno.test("METRIC_NAME takes kebab-case words joined by dots", () => {
  assert.ok(METRIC_NAME.test("fill.server-cpu.max"));
  assert.ok(METRIC_NAME.test("throughput"));
  assert.ok(!METRIC_NAME.test("fill..throughput"));
  assert.ok(!METRIC_NAME.test("Fill.Throughput"));
});
