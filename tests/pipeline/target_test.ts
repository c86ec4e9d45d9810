import { assertEquals } from "./_assert.ts";
import { targetFileSchema, tlsFileSchema } from "../../lib/pipeline/target.ts";

/** The paths of the problems a schema finds, or [] when it accepts the value. */
function problems(schema: typeof targetFileSchema | typeof tlsFileSchema, value: unknown) {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join("."));
}

Deno.test("targetFileSchema accepts each documented key and refuses any other", () => {
  assertEquals(
    problems(targetFileSchema, {
      url: "rediss://u:p@h:7000",
      host: "h",
      port: 7000,
      mode: "cluster",
      tls: { ca: "ca.crt", cert: "c.crt", key: "c.key", servername: "n", insecure: false },
      username: "u",
      password: 1234,
      "connect-timeout": 100,
      "command-timeout": 200,
      transport: "recording",
    }),
    [],
  );
  assertEquals(problems(targetFileSchema, { tls: true }), []);
  assertEquals(problems(targetFileSchema, { prot: 1 }), [""]);
  assertEquals(problems(tlsFileSchema, { cacert: "x" }), [""]);
});

Deno.test("targetFileSchema refuses out-of-range ports, unknown modes and empty names", () => {
  assertEquals(problems(targetFileSchema, { port: 0 }), ["port"]);
  assertEquals(problems(targetFileSchema, { port: 65536 }), ["port"]);
  assertEquals(problems(targetFileSchema, { port: 1.5 }), ["port"]);
  assertEquals(problems(targetFileSchema, { mode: "sentinel" }), ["mode"]);
  assertEquals(problems(targetFileSchema, { host: "" }), ["host"]);
  assertEquals(problems(targetFileSchema, { "connect-timeout": 0 }), ["connect-timeout"]);
  assertEquals(problems(targetFileSchema, { tls: { ca: "" } }), ["tls.ca"]);
});
