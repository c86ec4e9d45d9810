import assert from "node:assert/strict";
import { flagOf } from "../lib/cli/fill_flags.ts";
import { UsageError } from "../lib/errors.ts";
import { drop, give, Message, option, sentence, stepOption } from "../lib/message.ts";

Deno.test("a mention reads as an option path for a pipeline file and as a flag for deno task fill", () => {
  const cases: [Message, string, string][] = [
    [sentence`check ${option("target.username")}`, "check target.username", "check --username"],
    [sentence`${give("target.password")}`, "set target.password", "pass --password"],
    [sentence`${give("target.mode", "cluster")}`, "set target.mode: cluster", "pass --cluster"],
    [
      sentence`${drop("target.mode", "standalone")}`,
      "set target.mode: standalone",
      "drop --cluster",
    ],
    [sentence`${drop("target.tls")}`, "remove target.tls", "drop --tls"],
    // No flag sets it: the path, for both readers.
    [sentence`${give("target.transport")}`, "set target.transport", "set target.transport"],
  ];
  for (const [message, file, cli] of cases) {
    assert.equal(message.render(), file);
    assert.equal(message.render({ name: flagOf }), cli);
  }
});

Deno.test("a step's own option is bound to the id of the step that raised the sentence", () => {
  const message = sentence`use ${stepOption("key-size")} 18 or more, or ${
    give(stepOption("yes"), true)
  }`;
  assert.equal(message.render(), "use key-size 18 or more, or set yes: true");
  assert.equal(
    message.render({ step: "load" }),
    "use load.key-size 18 or more, or set load.yes: true",
  );
  // deno task fill's steps have the ids its flags know.
  assert.equal(
    message.render({ step: "fill", name: flagOf }),
    "use --key-size 18 or more, or set fill.yes: true",
  );
});

Deno.test("sentence keeps mentions of an interpolated message and joins the text around them", () => {
  const inner = sentence`needs ${option("target.tls.cert")}`;
  const outer = sentence`${inner}; ${3} keys were sent`;
  assert.equal(outer.parts.length, 3);
  assert.equal(outer.render({ name: flagOf }), "needs --cert; 3 keys were sent");
  assert.equal(String(outer), "needs target.tls.cert; 3 keys were sent");
  assert.deepEqual(new Message(["plain"]).render(), "plain");
});

Deno.test("RedfillError.nameOptions() renames the message in place and keeps the sentence", () => {
  const error = new UsageError(sentence`pass ${option("target.tls.key")}`);
  assert.equal(error.message, "pass target.tls.key");
  assert.equal(error.nameOptions({ name: flagOf }), error);
  assert.equal(error.message, "pass --key");
  assert.equal(error.nameOptions({}).message, "pass target.tls.key");
  assert.equal(new UsageError("plain text").sentence.render({ name: flagOf }), "plain text");
});
