#!/usr/bin/env bash
# Set up everything the tests need (once), then run the checks CI runs:
#   1. ruff (lint + import order), ruff format --check, mypy (tutor/),
#   2. the tests that need a real X server, under Xvfb (pytest -m xvfb),
#   3. everything else, with Qt offscreen.
# With arguments, runs only `pytest ARGS...` (offscreen), e.g.
#   ./scripts/run-tests.sh tests/test_offline.py -x -q
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_system_packages "${RUNTIME_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
ensure_venv
ensure_project "test,train,package"

cd "$ROOT"
export PATH="$VENV/bin:$PATH"
export PYTHONDONTWRITEBYTECODE=1

if [[ $# -gt 0 ]]; then
  QT_QPA_PLATFORM=offscreen exec "$PY" -m pytest "$@"
fi

say "ruff check"
"$PY" -m ruff check .

say "ruff format --check"
"$PY" -m ruff format --check .

say "mypy (tutor/)"
"$PY" -m mypy

say "pytest: tests on a real X server (Xvfb)"
command -v xvfb-run >/dev/null 2>&1 || die "xvfb-run not found: sudo apt-get install xvfb xauth"
rc=0
xvfb-run -a -s "-screen 0 1280x800x24" \
  env QT_QPA_PLATFORM=xcb "$PY" -m pytest -q -m xvfb || rc=$?
# Exit code 5 means "no test selected": fine here, as long as the main run below finds tests.
if [[ $rc -ne 0 && $rc -ne 5 ]]; then
  die "the Xvfb tests failed (pytest exit code $rc)"
fi

say "pytest: everything else (Qt offscreen)"
QT_QPA_PLATFORM=offscreen exec "$PY" -m pytest -m "not xvfb"
