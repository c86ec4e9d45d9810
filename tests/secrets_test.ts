import assert from "node:assert/strict";
import {
  isSecretOption,
  maskAssignment,
  maskRanges,
  maskUrlPassword,
  urlPasswordRanges,
} from "../lib/secrets.ts";

Deno.test("isSecretOption() knows secret keys by name, also as the last part of a path", () => {
  for (
    const name of ["password", "target.password", "pass", "pasword", "api-token", "client_secret"]
  ) {
    assert.equal(isSecretOption(name), true, name);
  }
  for (const name of ["prefix", "fill", "keys", "url", "target.username", "key-size"]) {
    assert.equal(isSecretOption(name), false, name);
  }
});

Deno.test("maskUrlPassword() masks only a URL's password part, wherever the URL is", () => {
  assert.equal(maskUrlPassword("redis://me:fill@h:1"), "redis://me:***@h:1");
  assert.equal(maskUrlPassword("go to http://:keys@h/ now"), "go to http://:***@h/ now");
  for (
    const text of ["redfill: fill", "redis://h:6379", "redis://me@h:1", "a:b@c", "redis://:@h"]
  ) {
    assert.equal(maskUrlPassword(text), text);
  }
  assert.deepEqual(urlPasswordRanges("x redis://:ab@h y rediss://u:c@h"), [[11, 13], [29, 30]]);
});

Deno.test("maskAssignment() masks the value of a secret key and a URL's password, nothing else", () => {
  assert.equal(maskAssignment("target.password=keys"), "target.password=***");
  assert.equal(maskAssignment("target.password: keys"), "target.password: ***");
  assert.equal(maskAssignment("target.password="), "target.password=");
  assert.equal(maskAssignment("fill.prefix=keys"), "fill.prefix=keys");
  assert.equal(maskAssignment("target.url=redis://:keys@h:1"), "target.url=redis://:***@h:1");
});

Deno.test("maskRanges() replaces each range once and skips overlapping or empty ones", () => {
  assert.equal(maskRanges("abcdef", [[1, 3], [2, 4], [5, 5]]), "a***def");
  assert.equal(maskRanges("abc", []), "abc");
});
