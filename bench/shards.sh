#!/bin/sh
# Three shards against one process on the same keyspace, interleaved rounds, measured from
# outside with /usr/bin/time -v (client CPU and peak RSS of the whole process) and from the
# reports (throughput: the merged report's, over the first start → last end window).
#
#   deno task redis up --cluster            # in another shell; note a master's port
#   sh bench/shards.sh PORT [SIZE] [ROUNDS] # e.g. sh bench/shards.sh 7000 512MiB 5
#
# It runs FLUSHALL on every master of that cluster between runs: point it only at a test cluster.
# Each round also runs the three shards one after another (no contention between them), which
# separates what splitting costs (each process's start-up) from what running them at once costs.
# Prints one line per run and the medians; the raw reports stay in $OUT (default a temp folder).
set -eu
port=$1
size=${2:-512MiB}
rounds=${3:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-$(mktemp -d)}
fill() { # NAME [FLAGS…]: one fill process, its report in NAME.json, its costs in NAME.time
  name=$1
  shift
  /usr/bin/time -v -o "$name.time" deno run --allow-all --v8-flags=--max-semi-space-size=2 \
    "$root/tasks/redfill.ts" fill -c -p "$port" -d "$size" --no-verify --report json \
    --out "$name.json" "$@" >/dev/null 2>"$name.err"
}
flush() { # FLUSHALL every master, then wait until each says cluster_state:ok again: a flush of
  # gigabytes blocks a master for seconds, long enough for the others to mark it failing
  masters=$(redis-cli -p "$port" cluster nodes | awk '/master/ { split($2, a, "[:@]"); print a[2] }')
  for master in $masters; do redis-cli -p "$master" flushall >/dev/null; done
  for master in $masters; do
    tries=0
    until redis-cli -p "$master" cluster info | grep -q 'cluster_state:ok'; do
      tries=$((tries + 1))
      [ "$tries" -le 300 ] || { echo "master $master: cluster_state not ok 30 s after FLUSHALL" >&2; exit 1; }
      sleep 0.1
    done
  done
}
cpu() { # user + system seconds of a /usr/bin/time -v file
  awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.3f", s }' "$1"
}
rss() { awk -F': ' '/Maximum resident/ { printf "%.1f", $2 / 1024 }' "$1"; }
field() { deno eval "const r = JSON.parse(Deno.readTextFileSync('$1')); console.log($2)"; }
one() {
  flush
  fill "$out/one-$1"
  echo "one    round $1: $(field "$out/one-$1.json" 'r.fill.mibPerSecond') MiB/s, $(cpu "$out/one-$1.time") CPU-s ($(field "$out/one-$1.json" 'r.fill.client.cpuSeconds') in the fill), peak $(rss "$out/one-$1.time") MiB"
}
three() {
  flush
  for k in 0 1 2; do
    JOB_COMPLETION_INDEX=$k REDFILL_SHARDS=3 fill "$out/three-$1-$k" --shard auto &
  done
  wait
  deno run --allow-all "$root/tasks/redfill.ts" report merge "$out/three-$1-0.json" \
    "$out/three-$1-1.json" "$out/three-$1-2.json" --report json --out "$out/three-$1.json" >/dev/null 2>&1
  c=0
  for k in 0 1 2; do c=$(echo "$c + $(cpu "$out/three-$1-$k.time")" | bc); done
  echo "$c" >"$out/three-$1.cpu"
  echo "three  round $1: $(field "$out/three-$1.json" 'r.fill.mibPerSecond') MiB/s merged, $c CPU-s summed ($(field "$out/three-$1.json" 'r.fill.client.cpuSeconds') in the fills), peaks $(rss "$out/three-$1-0.time") $(rss "$out/three-$1-1.time") $(rss "$out/three-$1-2.time") MiB"
}
seq3() { # the same three shards one after another: what splitting costs without contention
  flush
  c=0
  for k in 0 1 2; do
    JOB_COMPLETION_INDEX=$k REDFILL_SHARDS=3 fill "$out/seq-$1-$k" --shard auto
    c=$(echo "$c + $(cpu "$out/seq-$1-$k.time")" | bc)
  done
  deno run --allow-all "$root/tasks/redfill.ts" report merge "$out/seq-$1-0.json" \
    "$out/seq-$1-1.json" "$out/seq-$1-2.json" --report json --out "$out/seq-$1.json" >/dev/null 2>&1
  echo "$c" >"$out/seq-$1.cpu"
  echo "seq    round $1: $c CPU-s summed ($(field "$out/seq-$1.json" 'r.fill.client.cpuSeconds') in the fills), one after another"
}
i=1
while [ "$i" -le "$rounds" ]; do
  if [ $((i % 2)) -eq 1 ]; then one "$i"; three "$i"; else three "$i"; one "$i"; fi
  seq3 "$i"
  i=$((i + 1))
done
flush
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
m1=$(for f in "$out"/one-*.json; do field "$f" 'r.fill.mibPerSecond'; done | median)
m3=$(for i in $(seq 1 "$rounds"); do field "$out/three-$i.json" 'r.fill.mibPerSecond'; done | median)
c1=$(for f in "$out"/one-*.time; do cpu "$f"; echo; done | median)
c3=$(cat "$out"/three-*.cpu | median)
gib=$(field "$out/one-1.json" 'r.fill.bytes / 2 ** 30')
f1=$(for f in "$out"/one-*.json; do field "$f" 'r.fill.client.cpuSeconds'; done | median)
f3=$(for i in $(seq 1 "$rounds"); do field "$out/three-$i.json" 'r.fill.client.cpuSeconds'; done | median)
echo "median MiB/s: one $m1, three merged $m3, ratio $(echo "scale=3; $m3 / $m1" | bc)"
echo "median client CPU-s per GiB (whole processes): one $(echo "scale=3; $c1 / $gib" | bc), three summed $(echo "scale=3; $c3 / $gib" | bc), ratio $(echo "scale=3; $c3 / $c1" | bc)"
echo "median client CPU-s per GiB (inside the fill, from the reports): one $(echo "scale=3; $f1 / $gib" | bc), three summed $(echo "scale=3; $f3 / $gib" | bc), ratio $(echo "scale=3; $f3 / $f1" | bc)"
s3=$(cat "$out"/seq-*.cpu | median)
g3=$(for i in $(seq 1 "$rounds"); do field "$out/seq-$i.json" 'r.fill.client.cpuSeconds'; done | median)
echo "median client CPU-s per GiB, three shards one after another: whole $(echo "scale=3; $s3 / $gib" | bc) (ratio $(echo "scale=3; $s3 / $c1" | bc)), inside the fills $(echo "scale=3; $g3 / $gib" | bc) (ratio $(echo "scale=3; $g3 / $f1" | bc))"
echo "raw: $out"
