import assert from "node:assert/strict";
import calculateSlot from "cluster-key-slot";
import { SLOT_COUNT } from "../../lib/cluster/slots.ts";
import { slotTagTable, TAG_LENGTH } from "../../lib/fill/slot_tags.ts";

Deno.test("slotTagTable() has a printable tag for every slot that hashes to it", () => {
  const table = slotTagTable();
  assert.equal(table.bytes.length, SLOT_COUNT * TAG_LENGTH);
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const tag = table.tag(slot);
    assert.match(tag, /^[0-9A-Za-z]{3}$/);
    assert.equal(calculateSlot(`{${tag}}anything`), slot);
  }
  assert.equal(slotTagTable(), table);
});
