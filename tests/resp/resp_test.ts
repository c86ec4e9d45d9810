import assert from "node:assert/strict";
import { encodeCommand } from "../../lib/resp/encode.ts";
import { type LineReply, ReplyScanner } from "../../lib/resp/reply.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (value: string) => new TextEncoder().encode(value);

Deno.test("encodeCommand() writes a RESP array of bulk strings", () => {
  assert.equal(text(encodeCommand(["SET", "k", 12])), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n12\r\n");
  assert.equal(text(encodeCommand(["ECHO", bytes("é")])), "*2\r\n$4\r\nECHO\r\n$2\r\né\r\n");
});

Deno.test("ReplyScanner reads replies split anywhere across chunks", () => {
  const stream = "+OK\r\n-OOM command not allowed\r\n:12\r\n+OK\r\n";
  for (let cut = 1; cut < stream.length; cut++) {
    for (let second = cut; second < stream.length; second++) {
      const replies: LineReply[] = [];
      const scanner = new ReplyScanner((reply) => replies.push(reply));
      scanner.push(bytes(stream.slice(0, cut)));
      scanner.push(bytes(stream.slice(cut, second)));
      scanner.push(bytes(stream.slice(second)));
      assert.deepEqual(replies, [
        { type: "+", text: "OK" },
        { type: "-", text: "OOM command not allowed" },
        { type: ":", text: "12" },
        { type: "+", text: "OK" },
      ]);
    }
  }
});

Deno.test("ReplyScanner reports a multi-line reply as an error", () => {
  const replies: LineReply[] = [];
  new ReplyScanner((reply) => replies.push(reply)).push(bytes("$3\r\n"));
  assert.equal(replies[0]?.type, "-");
  assert.match(replies[0]!.text, /unexpected reply/);
});
