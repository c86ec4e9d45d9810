import assert from "node:assert/strict";
import { BUS_PORTS, DATA_PORTS, findFreePort, releasePort } from "../../lib/local/ports.ts";

Deno.test("DATA_PORTS and BUS_PORTS lie below Linux's ephemeral range and do not overlap", () => {
  assert.ok(DATA_PORTS.max < 32768 && BUS_PORTS.max < 32768);
  assert.ok(BUS_PORTS.max < DATA_PORTS.min || DATA_PORTS.max < BUS_PORTS.min);
});

Deno.test("findFreePort() picks a port in the range that is free, never handing it out twice", () => {
  const ports = Array.from({ length: 20 }, () => findFreePort(DATA_PORTS));
  try {
    assert.equal(new Set(ports).size, ports.length);
    for (const port of ports) {
      assert.ok(port >= DATA_PORTS.min && port <= DATA_PORTS.max, String(port));
      Deno.listen({ hostname: "127.0.0.1", port }).close(); // free when handed out
    }
  } finally {
    ports.forEach(releasePort);
  }
});

Deno.test("findFreePort() skips a port something listens on, and says when none is free", () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const busy = (listener.addr as Deno.NetAddr).port;
  try {
    assert.throws(
      () => findFreePort({ min: busy, max: busy }),
      new Error(`No free port on 127.0.0.1 in ${busy}-${busy} after 500 tries`),
    );
  } finally {
    listener.close();
  }
  const port = findFreePort({ min: busy, max: busy });
  assert.equal(port, busy, "free again once its listener closed");
  releasePort(port);
  releasePort(undefined);
});
