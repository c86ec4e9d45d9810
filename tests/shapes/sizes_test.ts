import assert from "node:assert/strict";
import { parseSizeForm, pickSize, SizeFormError, sizeFormProblem } from "../../lib/shapes/sizes.ts";

Deno.test("parseSizeForm() reads a fixed size, with or without a binary unit", () => {
  assert.deepEqual(parseSizeForm(512), { text: "512", min: 512, max: 512, mean: 512 });
  assert.equal(parseSizeForm("4KB").min, 4096);
  assert.equal(parseSizeForm("1KiB").max, 1024);
});

Deno.test("parseSizeForm() reads a uniform range with units on either end", () => {
  const form = parseSizeForm("64-4KiB");
  assert.equal(form.min, 64);
  assert.equal(form.max, 4096);
  assert.equal(form.mean, (64 + 4096) / 2);
});

Deno.test("parseSizeForm() reads weighted sizes with relative weights", () => {
  const form = parseSizeForm("64:60,1KiB:30,64KiB:10");
  assert.equal(form.min, 64);
  assert.equal(form.max, 65536);
  assert.ok(Math.abs(form.mean - (0.6 * 64 + 0.3 * 1024 + 0.1 * 65536)) < 1);
  assert.deepEqual(form.buckets?.map((bucket) => bucket.bytes), [64, 1024, 65536]);
});

Deno.test("parseSizeForm() refuses bad forms with one phrase each", () => {
  assert.throws(
    () => parseSizeForm("10000-100"),
    new SizeFormError(
      'range "10000-100" starts above its end (10000 > 100): write the smaller size first',
    ),
  );
  assert.equal(
    sizeFormProblem("64:x,1KiB:30"),
    'weight "x" in "64:x,1KiB:30" is not a number ≥ 0: write size:weight, like 1KiB:30',
  );
  assert.equal(
    sizeFormProblem("64:0,1KiB:0"),
    'the weights in "64:0,1KiB:0" are all zero: give one a weight above 0',
  );
  assert.equal(
    sizeFormProblem("64,128"),
    'weighted size "64" in "64,128" has no weight: write size:weight, like 1KiB:30',
  );
  assert.match(sizeFormProblem("big")!, /^"big" is not a size form: expected a size like 512/);
  assert.equal(sizeFormProblem("0"), '"0" gives 0: expected sizes of at least 1');
  assert.equal(sizeFormProblem("0", 0), undefined);
});

Deno.test("pickSize() spreads a range uniformly, both ends included", () => {
  const form = parseSizeForm("1-4");
  const seen = new Map<number, number>();
  for (let k = 0; k < 4000; k++) {
    const size = pickSize(form, Math.floor((k / 4000) * 2 ** 32));
    seen.set(size, (seen.get(size) ?? 0) + 1);
  }
  assert.deepEqual([...seen.keys()].sort(), [1, 2, 3, 4]);
  for (const count of seen.values()) assert.equal(count, 1000);
});

Deno.test("pickSize() follows the weights of a weighted form", () => {
  const form = parseSizeForm("64:60,1KiB:30,64KiB:10");
  const counts = new Map<number, number>();
  for (let k = 0; k < 10000; k++) {
    const size = pickSize(form, Math.floor(((k + 0.5) / 10000) * 2 ** 32));
    counts.set(size, (counts.get(size) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries(counts), { 64: 6000, 1024: 3000, 65536: 1000 });
});
