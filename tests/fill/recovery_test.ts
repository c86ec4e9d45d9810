import assert from "node:assert/strict";
import { SLOT_COUNT } from "../../lib/cluster/slots.ts";
import type { IndexCursor } from "../../lib/fill/batch.ts";
import { listPlan, slotPlan, slotPlans } from "../../lib/fill/plan.ts";
import { answersPing, LossVerdicts, replaceLost, ReplicaWatch } from "../../lib/fill/recovery.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import type { NodeInfo } from "../../lib/types.ts";
import { withTransport } from "../_local.ts";

function master(id: string, port: number, slots: NodeInfo["slots"] = []): NodeInfo {
  return { id, host: "127.0.0.1", port, role: "master", slots };
}

function drain(cursor: IndexCursor): number[] {
  const out: number[] = [];
  for (let index = cursor.next(); index >= 0; index = cursor.next()) out.push(index);
  return out;
}

Deno.test("replaceLost() replays exactly what a lost plan was given, less what it handed on", () => {
  const a = master("a", 7000, [[0, 8191]]);
  const b = master("b", 7001, [[8192, 16383]]);
  const range = { start: 100, end: 3 * SLOT_COUNT + 77 };
  const plans = slotPlans([a, b], range, 2);
  // The writers ran part of the way; the first of "a" handed some keys on (MOVED/ASK).
  for (const plan of plans) for (let k = 0; k < 1000; k++) plan.cursor.next();
  const given = plans.map((plan) => drain(plan.indices()));
  plans[0]!.handedOn = [given[0]![3]!, given[0]![500]!, given[0]![given[0]!.length - 1]!];
  plans[2]!.handedOn = [given[2]![0]!];
  const redirected = listPlan(a, [9000, 9001], true);
  redirected.handedOn = [9001];
  const all = [...plans, redirected];

  const replay = replaceLost(all, [a]);
  const expected = [
    ...given[0]!.filter((index) => !plans[0]!.handedOn.includes(index)),
    ...given[1]!,
    9000,
  ];
  assert.deepEqual(replay, expected);
  assert.equal(replay.length, given[0]!.length - 3 + given[1]!.length + 1);
  assert.deepEqual(all.map((plan) => plan.replaced), [true, true, false, false, true]);
  // Plans already replaced are not replayed twice; a node not lost is left alone.
  assert.deepEqual(replaceLost(all, [a]), []);
  assert.deepEqual(replaceLost(all, [master("x", 7009)]), []);
  assert.deepEqual(
    replaceLost(all, [b]),
    [...given[2]!.slice(1), ...given[3]!],
    "b's plans replay, less the key its first writer handed on",
  );
  assert.ok(all.every((plan) => plan.replaced));
});

Deno.test("replaceLost() replays a plan with nothing handed on in full, in its order", () => {
  const a = master("a", 7000);
  const plan = slotPlan(a, Int32Array.from([3, 70, 16_000]), 0, 2 * SLOT_COUNT);
  assert.deepEqual(replaceLost([plan], [a]), [3, 70, 16_000, 16_387, 16_454, 32_384]);
});

Deno.test("ReplicaWatch knows a master can fail over once any topology listed a replica of it", () => {
  const watch = new ReplicaWatch();
  const a = master("a", 7000, [[0, 8191]]);
  const b = master("b", 7001, [[8192, 16383]]);
  watch.note({ mode: "cluster", nodes: [a, b] });
  assert.equal(watch.canFailOver(a), false);
  watch.note({
    mode: "cluster",
    nodes: [a, b, {
      id: "r",
      host: "127.0.0.1",
      port: 7002,
      role: "replica",
      masterId: "b",
      slots: [],
    }],
  });
  assert.equal(watch.canFailOver(a), false);
  assert.equal(watch.canFailOver(b), true);
  watch.note({ mode: "cluster", nodes: [a] });
  assert.equal(watch.canFailOver(b), true, "a replica seen once is remembered");
});

Deno.test("LossVerdicts asks PING once per node, and only in acked mode for a master that can fail over", async () => {
  const redis = await startLocalRedis();
  try {
    await withTransport(redis, async (transport) => {
      const node = transport.topology().nodes[0]!;
      assert.equal(await answersPing(transport, node), true);
      const acked = new LossVerdicts(transport, { acked: true, canFailOver: () => true });
      assert.equal(await acked.isGone(node), false, "a node that answers PING is not gone");
      assert.equal(acked.isGone(node), acked.isGone(node), "one verdict per node");
      await redis.killNode(redis.nodes[0]!);
      assert.equal(await answersPing(transport, node), false);
      assert.equal(await acked.isGone(node), false, "the verdict of the round stands");
      const fresh = new LossVerdicts(transport, { acked: true, canFailOver: () => true });
      assert.equal(await fresh.isGone(node), true, "a node that does not answer is gone");
      const noReplica = new LossVerdicts(transport, { acked: true, canFailOver: () => false });
      assert.equal(await noReplica.isGone(node), false, "without a replica the loss is the fill's");
      const fireAndForget = new LossVerdicts(transport, { acked: false, canFailOver: () => true });
      assert.equal(
        await fireAndForget.isGone(node),
        false,
        "without replies the loss is the fill's",
      );
    });
  } finally {
    await redis.stop();
  }
});
