import assert from "node:assert/strict";
import { didYouMean, levenshtein, nearest } from "../lib/suggest.ts";

Deno.test("levenshtein() counts insertions, deletions and substitutions", () => {
  assert.equal(levenshtein("fill", "fill"), 0);
  assert.equal(levenshtein("fil", "fill"), 1);
  assert.equal(levenshtein("fill", "fil"), 1);
  assert.equal(levenshtein("flush", "flash"), 1);
  assert.equal(levenshtein("kitten", "sitting"), 3);
  assert.equal(levenshtein("", "abc"), 3);
  assert.equal(levenshtein("abc", ""), 3);
});

Deno.test("nearest() suggests a close candidate, ignoring case, and nothing far away", () => {
  const steps = ["connect", "discover", "flush", "fill", "verify", "report"];
  assert.equal(nearest("conect", steps), "connect");
  assert.equal(nearest("FILL", steps), "fill");
  assert.equal(nearest("verfiy", steps), "verify");
  assert.equal(nearest("benchmark", steps), undefined);
  assert.equal(nearest("fill", ["fill", "fil"]), "fil", "the word itself is never suggested");
  assert.equal(nearest("x", []), undefined);
});

Deno.test("nearest() allows more edits for a longer word", () => {
  // The limit is max(2, length / 3): 2 edits for short words, 4 for a 12-letter one.
  assert.equal(nearest("abcdefghijkl", ["abcdefghwxyz"]), "abcdefghwxyz");
  assert.equal(nearest("abcd", ["wxyz"]), undefined);
  assert.equal(nearest("abcd", ["abxy"]), "abxy");
});

Deno.test("didYouMean() is a sentence for a typo and empty otherwise", () => {
  assert.equal(didYouMean("--dyr-run", ["--dry-run", "--set"]), '. Did you mean "--dry-run"?');
  assert.equal(didYouMean("--nothing-like-it", ["--dry-run"]), "");
});
