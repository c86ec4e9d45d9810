import assert from "node:assert/strict";
import { infoField, parseInfo } from "../../lib/resp/info.ts";

const INFO = "# Memory\r\nused_memory:1048576\r\nmaxmemory_policy:noeviction\r\n\r\n" +
  "# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0\r\nempty:\r\n";

Deno.test("parseInfo() reads every field under its section headers, CRLF or LF", () => {
  assert.deepEqual(parseInfo(INFO), {
    used_memory: "1048576",
    maxmemory_policy: "noeviction",
    db0: "keys=3,expires=0,avg_ttl=0",
    empty: "",
  });
  assert.deepEqual(parseInfo("cluster_state:ok\ncluster_known_nodes:6\n"), {
    cluster_state: "ok",
    cluster_known_nodes: "6",
  });
  assert.deepEqual(parseInfo(""), {});
});

Deno.test("infoField() reads one field by its whole name, trimmed, or undefined", () => {
  assert.equal(infoField(INFO, "used_memory"), "1048576");
  assert.equal(infoField(INFO, "maxmemory_policy"), "noeviction");
  assert.equal(infoField(INFO, "memory"), undefined, "not a suffix of another field");
  assert.equal(infoField(INFO, "maxmemory"), undefined);
  assert.equal(infoField("role:master \r\n", "role"), "master");
});
