import assert from "node:assert/strict";
import { type LineReply, ReplyScanner } from "../../lib/resp/reply.ts";

const bytes = (value: string) => new TextEncoder().encode(value);

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

Deno.test("ReplyScanner reports an array reply as an error", () => {
  const replies: LineReply[] = [];
  new ReplyScanner((reply) => replies.push(reply)).push(bytes("*2\r\n"));
  assert.equal(replies[0]?.type, "-");
  assert.match(replies[0]!.text, /unexpected reply/);
});

Deno.test("ReplyScanner skips a bulk string (XADD's id), split anywhere, as one reply", () => {
  const stream = bytes("$3\r\n1-1\r\n:1\r\n$-1\r\n$12\r\n1700000000-0\r\n+OK\r\n");
  for (let cut = 0; cut <= stream.length; cut++) {
    const replies: LineReply[] = [];
    const scanner = new ReplyScanner((reply) => replies.push(reply));
    scanner.push(stream.subarray(0, cut));
    scanner.push(stream.subarray(cut));
    assert.deepEqual(replies, [
      { type: "+", text: "" },
      { type: ":", text: "1" },
      { type: "+", text: "" },
      { type: "+", text: "" },
      { type: "+", text: "OK" },
    ], `cut at ${cut}`);
  }
});

Deno.test("ReplyScanner reads a reply whose line is split over many chunks, and CRLF or LF", () => {
  const replies: LineReply[] = [];
  const scanner = new ReplyScanner((reply) => replies.push(reply));
  for (const byte of bytes("-ERR wrong number of arguments\r\n")) {
    scanner.push(Uint8Array.of(byte));
  }
  scanner.push(bytes(":7\n+OK\r\n+OK"));
  assert.deepEqual(replies, [
    { type: "-", text: "ERR wrong number of arguments" },
    { type: ":", text: "7" },
    { type: "+", text: "OK" },
  ]);
  scanner.push(bytes("\r\n"));
  assert.equal(replies.length, 4, "a line completes only at its newline");
});
