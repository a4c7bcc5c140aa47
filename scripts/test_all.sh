#!/usr/bin/env bash
# The whole offline pipeline behind `npm test`. Stops at the first failing step.
#
#   scripts/test_all.sh              all steps, in the order below
#   scripts/test_all.sh lint check_tsc   only the named steps, in the order given
#   scripts/test_all.sh --list       the step names
#
# Order: cheap static checks first, then the three runtimes' tests, then the npm build (which
# installs the packed tarball and runs it on Node, Deno and Bun), and Node's tests last so that
# Node's test-runner summary closes the log (the CI's "ran no test" check reads it).
#
# Entry points come from deno.json "exports" (scripts/check_runtime_neutral.ts reads them); the
# runtime files that may use Deno/Bun/Node APIs are listed once, in that script.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

NEUTRAL=(deno run -A scripts/check_runtime_neutral.ts)

# A hung test (a socket or timer left open) must fail the run, not stall CI: test and build
# commands get STEP_TIMEOUT seconds (default 300; the whole pipeline takes about a minute).
STEP_TIMEOUT=${STEP_TIMEOUT:-300}
guard() {
  local rc=0
  timeout --kill-after=10 "$STEP_TIMEOUT" "$@" || rc=$?
  if ((rc == 124 || rc == 137)); then
    echo "TIMEOUT: '$*' still running after ${STEP_TIMEOUT} s (STEP_TIMEOUT): killed" >&2
  fi
  return "$rc"
}

# The package entry points (deno.json "exports" targets), one per line.
entry_files() {
  deno eval --no-config \
    'const e = JSON.parse(Deno.readTextFileSync("deno.json")).exports;
     for (const p of Object.values(typeof e === "string" ? { ".": e } : e)) console.log(p);'
}
# Directories deno check covers besides the entry points; missing ones are skipped.
check_roots() {
  local d
  for d in src tests scripts bench; do [[ -d $d ]] && printf '%s/\n' "$d"; done
}

step_fmt() { deno fmt --check; }
# Default rules over everything, then the Node-globals rules over the edge-neutral core only.
step_lint() { deno lint; }
step_lint_core() { "${NEUTRAL[@]}" lint; }
# --doc also type-checks the @example blocks in JSDoc.
step_check_deno() {
  local list entries roots
  list=$(entry_files)
  mapfile -t entries <<<"$list"
  list=$(check_roots)
  mapfile -t roots <<<"$list"
  deno check --quiet --doc "${entries[@]}" "${roots[@]}"
}
# Node 20's view: ES2023 + DOM libs, @types/node@20 (tsconfig.check.json).
step_check_tsc() { tsc -p tsconfig.check.json; }
step_publish_dry_run() { deno publish --dry-run --allow-dirty; }
step_neutral_bundle() { "${NEUTRAL[@]}" bundle; }
step_neutral_grep() { "${NEUTRAL[@]}" grep; }
# --doc also runs the @example blocks of the library and test helpers (docs/architecture.md: they
# must run); only files given by name and *_test.ts files are loaded as test modules.
step_test_deno() {
  local list entries
  list=$(entry_files)
  mapfile -t entries <<<"$list"
  guard deno test -A --doc tests/ "${entries[@]}" src/
  if [[ -f tests/leaks.deno.ts ]]; then
    guard deno test -A tests/leaks.deno.ts
  else
    echo "(no tests/leaks.deno.ts: Deno's leak sanitizer pass skipped)"
  fi
}
step_test_bun() { guard bun test tests/; }
step_build_npm() { guard deno run -A scripts/build_npm.ts; }
step_test_node() {
  shopt -s nullglob globstar
  local files=(tests/**/*_test.ts)
  shopt -u nullglob globstar
  if ((${#files[@]} == 0)); then
    echo "No tests/**/*_test.ts files: Node would report 0 tests and pass" >&2
    return 1
  fi
  # The shell expands the glob: given no file arguments Node 20 finds 0 tests and exits 0.
  guard tsx --test --test-reporter=spec "${files[@]}"
}

STEPS=(fmt lint lint_core check_deno check_tsc publish_dry_run neutral_bundle neutral_grep
  test_deno test_bun build_npm test_node)

if [[ ${1:-} == --list ]]; then
  printf '%s\n' "${STEPS[@]}"
  exit 0
fi
if (($# > 0)); then selected=("$@"); else selected=("${STEPS[@]}"); fi
for name in "${selected[@]}"; do
  if ! declare -F "step_$name" >/dev/null; then
    echo "Unknown step '$name'; steps: ${STEPS[*]}" >&2
    exit 2
  fi
done

timings=()
summary() {
  local line
  echo "---- timings"
  for line in "${timings[@]}"; do echo "  $line"; done
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

total_start=$(now)
count=${#selected[@]}
i=0
for name in "${selected[@]}"; do
  i=$((i + 1))
  last=$((i == count))
  if ((last)) && [[ $name == test_node ]]; then
    # Print the timings now, so Node's own summary stays the last thing in the log.
    summary
    echo "  (total so far $(elapsed "$total_start"))"
  fi
  echo
  echo "==== [$i/$count] $name"
  start=$(now)
  # A subshell outside any `if`/`||`, so that `set -e` stops a step at its first failing command
  # (bash ignores -e inside functions called from a condition).
  set +e
  (
    set -e
    "step_$name"
  )
  rc=$?
  set -e
  if ((rc != 0)); then
    timings+=("$name: FAILED after $(elapsed "$start")")
    echo >&2
    echo "==== npm test FAILED at step '$name' (rerun it alone: scripts/test_all.sh $name)" >&2
    summary >&2
    exit 1
  fi
  timings+=("$name: $(elapsed "$start")")
  if ! ((last)) || [[ $name != test_node ]]; then
    echo "==== $name ok ($(elapsed "$start"))"
  fi
done
if [[ ${selected[-1]} != test_node ]]; then
  summary
  echo "  total $(elapsed "$total_start")"
fi
