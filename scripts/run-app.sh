#!/usr/bin/env bash
# Set up everything the app needs (once) and start it. Arguments go to the `tutor` command:
#   ./scripts/run-app.sh                        start the desktop app
#   ./scripts/run-app.sh --self-test            check the installation offline
#   ./scripts/run-app.sh score me.wav "Think about it"
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_system_packages "${RUNTIME_PACKAGES[@]}"
ensure_venv
ensure_project ""

# Only the window needs a screen: `--self-test`, `score` and friends run anywhere.
if [[ "${1:-app}" == app && -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" \
      && -z "${QT_QPA_PLATFORM:-}" && "$(uname -s)" == Linux ]]; then
  die "no display found (DISPLAY is not set). Start the app from a desktop session, or
       over SSH use 'ssh -X'; to check the installation without a screen run
       ./scripts/run-app.sh --self-test"
fi
exec "$VENV/bin/tutor" "$@"
