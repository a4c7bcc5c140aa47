#!/usr/bin/env bash
# Soak benchmark (issue 4) on Node, Deno and Bun, one after the other, then one combined table.
#   bash bench/soak.sh                  # 10 minutes per runtime at 2,000 posts/s (~35 min in all)
#   bash bench/soak.sh --minutes=1      # a quick validation
#   bash bench/soak.sh --runtimes=node,bun   # only those runtimes
# Any option is passed to bench/soak.ts on every runtime (see its header). Results:
# bench/results/soak-<runtime>.json and bench/results/soak.md.
# Exit code: 0 when every runtime passed (nothing lost, nothing extra, RSS flat), 2 when not.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=node_modules/.bin
args=()
runtimes=node,deno,bun
for arg in "$@"; do
  # `--minutes N` is accepted as well as `--minutes=N`.
  if [[ ${prev:-} == --minutes ]]; then args[${#args[@]}-1]="--minutes=$arg"; prev=; continue; fi
  # `--runtimes=node,bun` runs only those (the table keeps the others' last results).
  if [[ $arg == --runtimes=* ]]; then runtimes=${arg#--runtimes=}; prev=; continue; fi
  args+=("$arg")
  prev=$arg
done
status=0
if [[ ,$runtimes, == *,node,* ]]; then
  echo "== node $(node --version)" >&2
  node --import tsx bench/soak.ts "${args[@]}" || status=$?
fi
if [[ ,$runtimes, == *,deno,* ]]; then
  echo "== deno $("$bin/deno" --version | head -1)" >&2
  NO_COLOR=1 "$bin/deno" run -A bench/soak.ts "${args[@]}" || status=$?
fi
if [[ ,$runtimes, == *,bun,* ]]; then
  echo "== bun $("$bin/bun" --version)" >&2
  "$bin/bun" bench/soak.ts "${args[@]}" || status=$?
fi
echo >&2
out=()
for arg in "${args[@]}"; do [[ $arg == --out=* ]] && out+=("$arg"); done
node --import tsx bench/soak.ts --combine "${out[@]}" || status=$?
exit "$status"
