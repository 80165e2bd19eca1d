#!/usr/bin/env bash
# Mutation testing (issue 16.2) with mutmut, OUTSIDE CI: how many planted bugs the suite kills.
#   bash scripts/mutation.sh [PATTERN ...]     e.g. 'assessment/scoring/scale.py' 'assessment/services/*'
#   MUTATION_TESTS="tests/grading tests/content" limits the tests run (default: tests).
#   MUTATION_RERUN=/tmp/mutation.XXXX bash scripts/mutation.sh [PATTERN ...]
#     after new tests: runs only the survivors of that earlier run again, on the same sources
#     (its copy of assessment/, so the mutants are the same ones) with the current tests, and
#     prints the combined score (killed then or now, out of the same mutants).
# Default patterns: the pure scoring package, the grading verdict and limit code (not the C
# bindings in _launcher.py nor the sandbox's syscalls), and the services. Runs in a copy of the
# tree (so edits in the work tree do not disturb it), bounded by MUTATION_SECONDS (default
# 1800); prints the score per file and leaves the report in $OUT/results.txt.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}
"$VENV/bin/python" -c "import mutmut" 2>/dev/null || "$VENV/bin/pip" install -q -e "$ROOT[mutation]"
PATTERNS=("$@")
if ((${#PATTERNS[@]} == 0)); then
  PATTERNS=('assessment/scoring/*' 'assessment/grading/grader.py' 'assessment/grading/compare.py'
            'assessment/services/*')
fi
EARLIER=${MUTATION_RERUN:-}
EARLIER_RESULTS=
if [[ -n $EARLIER ]]; then
  EARLIER_RESULTS=$EARLIER/results-combined.txt  # a re-run's own results list only what it ran
  [[ -f $EARLIER_RESULTS ]] || EARLIER_RESULTS=$EARLIER/results.txt
  [[ -f $EARLIER_RESULTS ]] || { echo "mutation: no results of an earlier run in $EARLIER" >&2; exit 2; }
fi
OUT=${MUTATION_OUT:-$(mktemp -d /tmp/mutation.XXXXXX)}
echo "mutation: copying the tree to $OUT"
rsync -a --delete --exclude .git --exclude .venv --exclude node_modules --exclude mutants \
      --exclude instance --exclude '__pycache__' --exclude .hypothesis --exclude .pytest_cache \
  "$ROOT/" "$OUT/" || (( $? == 24 ))  # 24: a file vanished while copying (another run's temporary file)
again=()
if [[ -n $EARLIER ]]; then
  rsync -a --delete --exclude '__pycache__' "$EARLIER/assessment/" "$OUT/assessment/"  # the same mutants
  mapfile -t again < <(sed -n 's/^ *\([^ ]*\): \(survived\|no tests\)$/\1/p' "$EARLIER_RESULTS")
  echo "mutation: ${#again[@]} survivors of $EARLIER run again with the current tests"
fi
cd "$OUT"
tests=$(printf '"%s", ' ${MUTATION_TESTS:-tests})
only=$(printf '"%s", ' "${PATTERNS[@]}")
cat >> pyproject.toml <<TOML

[tool.mutmut]
source_paths = ["assessment"]
only_mutate = [${only%, }]
also_copy = ["reports", "sections", "migrations", "alembic.ini", "scripts", "benchmarks"]
pytest_add_cli_args = ["-p", "no:randomly", "-p", "no:cacheprovider", "-q", "-x", "-m", "not browser"]
pytest_add_cli_args_test_selection = [${tests%, }]
TOML
export OPENBLAS_NUM_THREADS=1 PYTHONDONTWRITEBYTECODE=1
status=0
if [[ -z $EARLIER || ${#again[@]} -gt 0 ]]; then
  timeout "${MUTATION_SECONDS:-1800}" "$VENV/bin/mutmut" run --max-children "${MUTATION_JOBS:-1}" "${again[@]}" \
    > mutmut-run.log 2>&1 || status=$?
fi
((status == 124)) && echo "mutation: stopped at the time bound; the score covers the mutants run so far"
"$VENV/bin/mutmut" results --all true > results.txt 2>&1 || true
"$VENV/bin/python" - results.txt ${EARLIER_RESULTS:+"$EARLIER_RESULTS"} <<'PY'
import collections, re, sys


def statuses(path):
    out = {}
    for line in open(path):
        m = re.match(r"\s*((assessment[\w.]+?)\.(?:x_|xǁ)\S*): (\w[\w ]*)", line)
        if m:
            out[m.group(1)] = (m.group(2), m.group(3).strip())
    return out


now = statuses(sys.argv[1])
if len(sys.argv) > 2:  # a re-run: a mutant killed then stays killed; the re-run decides the others
    merged = statuses(sys.argv[2])
    for name, (module, status) in now.items():
        if name in merged and merged[name][1] in ("survived", "no tests") and status != "not checked":
            merged[name] = (module, status)
    now = merged
    with open(sys.argv[1].replace("results.txt", "results-combined.txt"), "w") as f:
        f.writelines(f"    {name}: {status}\n" for name, (_, status) in sorted(now.items()))
per = collections.defaultdict(collections.Counter)
for module, status in now.values():
    per[module][status] += 1
for module, counts in sorted(per.items()):
    run = sum(v for k, v in counts.items() if k != "not checked")
    killed = counts["killed"] + counts["timeout"]
    share = f"{100 * killed / run:.0f}%" if run else "-"
    print(f"{module:45} killed {killed:4} of {run:4} run ({share}); {dict(counts)}")
PY
echo "mutation: survivors: (cd $OUT && $VENV/bin/mutmut results); show one: mutmut show NAME"
