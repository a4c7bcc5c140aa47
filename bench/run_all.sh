#!/usr/bin/env bash
# Throughput benchmark on Node, Deno and Bun in one run, then one combined table.
#   bash bench/run_all.sh                 # 64 MB corpus, 1 warm-up, 5 timed runs (about 1.5-2 min)
#   bash bench/run_all.sh --mb=16 --runs=3 --only=tight,holdfast
# Any option is passed to bench/throughput.ts on every runtime (see its header).
# Exit code: 0 when holdfast meets the target on every runtime, 2 when not, 1 on error.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=node_modules/.bin
out=bench/results
for arg in "$@"; do
  case "$arg" in --out=*) out="${arg#--out=}" ;; esac
done
mkdir -p bench/.out "$out"
rm -f "$out"/node.json "$out"/deno.json "$out"/bun.json
# Node 20 cannot run .ts: bundle once with esbuild (type stripping only, like Deno and Bun do).
"$bin/esbuild" bench/throughput.ts bench/combine.ts bench/profile_summary.ts --bundle --format=esm --platform=node \
  --target=node20 --packages=external --outdir=bench/.out --out-extension:.js=.mjs --log-level=warning
echo "== node $(node --version)" >&2
node bench/.out/throughput.mjs --out="$out" "$@" >"$out/node.md"
echo "== deno $("$bin/deno" --version | head -1)" >&2
NO_COLOR=1 "$bin/deno" run -A bench/throughput.ts --out="$out" "$@" >"$out/deno.md"
echo "== bun $("$bin/bun" --version)" >&2
"$bin/bun" bench/throughput.ts --out="$out" "$@" >"$out/bun.md"
echo >&2
set +e
node bench/.out/combine.mjs "$out" | tee "$out/combined.md"
exit "${PIPESTATUS[0]}"
