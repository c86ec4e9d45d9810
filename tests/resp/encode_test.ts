import assert from "node:assert/strict";
import { encodeCommand } from "../../lib/resp/encode.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (value: string) => new TextEncoder().encode(value);

Deno.test("encodeCommand() writes a RESP array of bulk strings", () => {
  assert.equal(text(encodeCommand(["SET", "k", 12])), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n12\r\n");
  assert.equal(text(encodeCommand(["ECHO", bytes("é")])), "*2\r\n$4\r\nECHO\r\n$2\r\né\r\n");
});

Deno.test("encodeCommand() counts bytes, not characters, and sends binary arguments as they are", () => {
  const binary = Uint8Array.of(0, 0xff, 0x0d, 0x0a);
  assert.deepEqual(
    [...encodeCommand(["SET", "ключ", binary])],
    [...bytes("*3\r\n$3\r\nSET\r\n$8\r\nключ\r\n$4\r\n"), ...binary, 0x0d, 0x0a],
  );
  assert.equal(text(encodeCommand([])), "*0\r\n");
});
