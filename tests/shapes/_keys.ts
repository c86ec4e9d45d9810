/** A key writer for unit tests: `k:` + zero-padded index, 12 bytes. */
import { builtinShapes } from "../../lib/shapes/builtin.ts";
import type { KeyWriter } from "../../lib/shapes/define.ts";
import { type KeyspaceShapeSpec, ShapeMix } from "../../lib/shapes/mix.ts";

export const testKeys: KeyWriter = {
  keySize: 12,
  writeKey(index, out, offset) {
    out.set(new TextEncoder().encode(`k:${String(index).padStart(10, "0")}`), offset);
  },
};

export function testMix(
  specs: KeyspaceShapeSpec[],
  options: { seed?: number; ttl?: number; compressibility?: number } = {},
): ShapeMix {
  return new ShapeMix(specs, {
    seed: options.seed ?? 1,
    keys: testKeys,
    ttl: () => options.ttl ?? 0,
    compressibility: options.compressibility ?? 0,
    registry: builtinShapes(),
  });
}
