import assert from "node:assert/strict";
import { countIndices } from "../../lib/fill/batch.ts";
import { sampleIndices } from "../../lib/verify/sample.ts";

Deno.test("sampleIndices() is deterministic, in range and spread over distinct slots", () => {
  const indices = sampleIndices(100, 65636, 1000);
  assert.deepEqual(indices, sampleIndices(100, 65636, 1000));
  assert.equal(indices.length, 1000);
  assert.ok(indices.every((index) => index >= 100 && index < 65636));
  assert.equal(new Set(indices.map((index) => index % 16384)).size, 1000);
  assert.ok(indices.at(-1)! > 60000, "the sample reaches the end of the range");
  assert.deepEqual(sampleIndices(0, 5, 1000), [0, 1, 2, 3, 4]);
  assert.deepEqual(sampleIndices(0, 100, 0), []);
  assert.equal(countIndices(Int32Array.from([0, 1]), 0, 16385), 3);
});
