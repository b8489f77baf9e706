# Shared setup steps for run-app.sh, run-tests.sh and packaging/build_linux.sh.
# Source it; do not run it. Every step is idempotent: a second run does (almost) nothing.

# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${TUTOR_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"

# What the app needs at run time: PortAudio for the microphone, espeak-ng for the
# "listen to a model reading" button, and the X11/EGL/font libraries PySide6 loads.
RUNTIME_PACKAGES=(
  libportaudio2 espeak-ng
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0
  libxcb-image0 libxcb-xinerama0 libxcb-randr0 fonts-dejavu-core
)
# What the tests need on top: sox and the festival/flite voices make synthetic speech,
# Xvfb + xauth give the screenshot test a real X server, xdotool finds its window.
TEST_PACKAGES=(sox xvfb xauth xdotool festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts flite)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# missing_packages PKG... -> prints the Debian packages that are not installed.
missing_packages() {
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      printf '%s\n' "$pkg"
    fi
  done
}

# ensure_system_packages PKG... : apt-get install the missing ones when we are root or
# may use sudo without a password; otherwise say what to install and carry on.
ensure_system_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    warn "not a Debian/Ubuntu system: make sure these are installed: $*"
    return 0
  fi
  local missing
  mapfile -t missing < <(missing_packages "$@")
  [[ ${#missing[@]} -eq 0 ]] && return 0

  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo)
    else
      warn "these system packages are missing and I cannot install them without root:"
      warn "    sudo apt-get install ${missing[*]}"
      warn "continuing; the features that need them will tell you what is wrong."
      return 0
    fi
  fi
  say "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq || warn "apt-get update failed; trying the install anyway"
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed (see the messages above)"
}

# ensure_venv : create $VENV with python3 -m venv (Python 3.11 or newer).
ensure_venv() {
  if [[ -x "$PY" ]]; then
    return 0
  fi
  local python="${PYTHON:-python3}"
  command -v "$python" >/dev/null 2>&1 || die "python3 not found: install Python 3.11 or newer"
  "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "$("$python" -V 2>&1) is too old: tutor needs Python 3.11 or newer"
  say "Creating the virtual environment in $VENV"
  if ! "$python" -m venv "$VENV"; then
    rm -rf "$VENV"
    die "python3 -m venv failed; on Debian/Ubuntu: sudo apt-get install python3-venv"
  fi
}

# ensure_project EXTRAS : pip install -e ".[EXTRAS]" unless pyproject.toml and the
# extras are unchanged since the last successful install (a stamp file in the venv).
# The [train] extra gets torch 2.13.0 first, explicitly: that is the CPU build pip finds
# locally; an open "torch" requirement would pull a multi-GB CUDA build from PyPI.
ensure_project() {
  local extras="$1"
  local stamp="$VENV/.tutor-installed-${extras:-base}"
  local want
  want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
  if [[ -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$want" ]]; then
    return 0
  fi
  say "Installing tutor and its Python packages into $VENV (extras: ${extras:-none})"
  if [[ ",$extras," == *",train,"* ]]; then
    "$PY" -m pip install -q "torch==2.13.0" || die "pip install torch==2.13.0 failed"
  fi
  local spec="$ROOT"
  [[ -n "$extras" ]] && spec="$ROOT[$extras]"
  "$PY" -m pip install -q -e "$spec" || die "pip install -e '$spec' failed"
  printf '%s\n' "$want" >"$stamp"
}
