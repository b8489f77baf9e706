#!/usr/bin/env bash
# The trust tests and voice_check on a chain run's INT8 pair, beside the shipped one:
#   scripts/check-pair.sh runs/chain     (writes runs/chain.trust.log and runs/chain.voice.log)
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.."
run="${1:?usage: scripts/check-pair.sh RUN_FOLDER}"
run="${run%/}"
mkdir -p "$run/assets"
rm -rf "$run/assets/models"
cp -r "$run/student_int8" "$run/assets/models"
ln -sfn "$PWD/assets/samples" "$run/assets/samples"
TUTOR_ASSETS="$PWD/$run/assets" QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q \
  -p no:cacheprovider tests/test_trust.py tests/test_detection.py >"$run.trust.log" 2>&1
echo "trust tests: $(tail -1 "$run.trust.log")"
.venv/bin/python -m tutor.train.voice_check "$run/assets/models" assets/models >"$run.voice.log" 2>&1
grep -a "wrong sounds flagged" "$run.voice.log"
