import assert from "node:assert/strict";
import { parse } from "yaml";
import { proxyConfigText } from "../../lib/local/proxy.ts";

Deno.test("proxyConfigText() writes the hash tag and a password with quotes and backslashes as YAML reads them back", () => {
  const password = 'pa ss"wo\\rd: #not a comment';
  const config = parse(proxyConfigText({
    port: 22121,
    timeoutMs: 2500,
    hashTag: "{}",
    password,
    backends: [{ name: "backend-0", port: 20001 }, { name: "backend-1", port: 20002 }],
  }));
  assert.equal(config.redfill.hash_tag, "{}");
  assert.equal(config.redfill.redis_auth, password);
  assert.equal(config.redfill.timeout, 2500);
  assert.deepEqual(config.redfill.servers, [
    "127.0.0.1:20001:1 backend-0",
    "127.0.0.1:20002:1 backend-1",
  ]);
});

Deno.test("proxyConfigText() leaves out hash_tag and redis_auth when they are not set", () => {
  const text = proxyConfigText({ port: 22121, timeoutMs: 5000, backends: [] });
  assert.doesNotMatch(text, /hash_tag|redis_auth/);
});
