import assert from "node:assert/strict";
import {
  ReplyParser,
  RespError,
  RespProtocolError,
  type RespValue,
} from "../../lib/resp/parser.ts";

const bytes = (value: string) => new TextEncoder().encode(value);

/** A reply made comparable: bulk strings decoded (and so copied) while they are valid. */
function plain(value: RespValue): unknown {
  if (value instanceof Uint8Array) return { bulk: new TextDecoder().decode(value) };
  if (value instanceof RespError) return { error: value.message };
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

function parseAll(chunks: Uint8Array[]): unknown[] {
  const replies: unknown[] = [];
  const parser = new ReplyParser((value) => replies.push(plain(value)));
  for (const chunk of chunks) parser.push(chunk);
  assert.equal(parser.buffered, 0, "no bytes left over");
  return replies;
}

const STREAM = ":0\r\n:-12\r\n+OK\r\n-MOVED 3999 127.0.0.1:7001\r\n$5\r\nhello\r\n$0\r\n\r\n" +
  "$-1\r\n*-1\r\n*0\r\n*3\r\n$1\r\na\r\n:7\r\n*2\r\n$-1\r\n+x\r\n:1048576\r\n";
const EXPECTED = [
  0,
  -12,
  "OK",
  { error: "MOVED 3999 127.0.0.1:7001" },
  { bulk: "hello" },
  { bulk: "" },
  null,
  null,
  [],
  [{ bulk: "a" }, 7, [null, "x"]],
  1048576,
];

Deno.test("ReplyParser reads integers, strings, errors, bulk strings, nulls and nested arrays", () => {
  assert.deepEqual(parseAll([bytes(STREAM)]), EXPECTED);
});

Deno.test("ReplyParser reads the same replies however the stream is cut in three", () => {
  const all = bytes(STREAM);
  for (let cut = 1; cut < all.length; cut++) {
    for (let second = cut; second < all.length; second += 3) {
      const chunks = [all.slice(0, cut), all.slice(cut, second), all.slice(second)];
      assert.deepEqual(parseAll(chunks), EXPECTED, `cut at ${cut} and ${second}`);
    }
  }
});

Deno.test("ReplyParser reads a stream fed one byte at a time, in a reused buffer", () => {
  const replies: unknown[] = [];
  const parser = new ReplyParser((value) => replies.push(plain(value)));
  // The socket reuses its read buffer: the parser must copy what it keeps.
  const reused = new Uint8Array(1);
  for (const byte of bytes(STREAM)) {
    reused[0] = byte;
    parser.push(reused);
  }
  assert.deepEqual(replies, EXPECTED);
});

Deno.test("ReplyParser reads a 1 MiB bulk string split over many chunks, byte for byte", () => {
  const value = new Uint8Array(1024 * 1024).map((_, k) => 65 + (k % 26));
  const header = bytes(`$${value.length}\r\n`);
  const stream = new Uint8Array(header.length + value.length + 2 + 4);
  stream.set(header, 0);
  stream.set(value, header.length);
  stream.set(bytes("\r\n:1\r\n"), header.length + value.length);
  const seen: RespValue[] = [];
  const parser = new ReplyParser((reply) =>
    seen.push(reply instanceof Uint8Array ? reply.slice() : reply)
  );
  for (let at = 0; at < stream.length; at += 7000) parser.push(stream.subarray(at, at + 7000));
  assert.equal(seen.length, 2);
  assert.deepEqual(seen[0], value);
  assert.equal(seen[1], 1);
});

Deno.test("ReplyParser holds an incomplete reply until its bytes arrive", () => {
  const replies: unknown[] = [];
  const parser = new ReplyParser((value) => replies.push(plain(value)));
  parser.push(bytes("$10\r\n01234"));
  assert.deepEqual(replies, []);
  assert.equal(parser.buffered, 10);
  parser.push(bytes("56789\r"));
  assert.deepEqual(replies, []);
  parser.push(bytes("\n*2\r\n:1\r\n"));
  assert.deepEqual(replies, [{ bulk: "0123456789" }]);
  parser.push(bytes(":2\r\n"));
  assert.deepEqual(replies, [{ bulk: "0123456789" }, [1, 2]]);
});

Deno.test("RespError names its code", () => {
  assert.equal(new RespError("MOVED 12 127.0.0.1:7001").code, "MOVED");
  assert.equal(new RespError("TRYAGAIN").code, "TRYAGAIN");
});

Deno.test("ReplyParser throws a RespProtocolError for bytes that are not RESP2", () => {
  const parser = new ReplyParser(() => {});
  assert.throws(() => parser.push(bytes("HTTP/1.1 400\r\n")), RespProtocolError);
  assert.throws(() => new ReplyParser(() => {}).push(bytes(":1x\r\n")), /integer reply holds/);
  assert.throws(
    () => new ReplyParser(() => {}).push(bytes("$2\r\nabcd")),
    /does not end with CRLF/,
  );
});
