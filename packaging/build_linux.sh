#!/usr/bin/env bash
# Build the self-contained Linux app (dist/tutor/), check it works, and measure it.
#   ./packaging/build_linux.sh            build, self-test, size, start-up time
# Copy dist/tutor/ (or dist/tutor-<version>-linux-x86_64.tar.gz) to a laptop; there
#   ./tutor/tutor --self-test              checks it offline
#   ./tutor/install-desktop-entry.sh       adds "Tutor" to the applications menu
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

# binutils: PyInstaller reads shared-library headers with objdump.
ensure_system_packages "${RUNTIME_PACKAGES[@]}" binutils xvfb xauth xdotool
ensure_venv
ensure_project "package"
cd "$ROOT"

for needed in assets/models/acoustic.onnx assets/models/head.onnx assets/samples/sample.json; do
  [[ -f $needed ]] || die "$needed is missing: the bundle must carry the models and the sample"
done

say "Rendering the icons"
"$PY" packaging/render_icon.py

say "Building dist/tutor with PyInstaller (a few minutes)"
start=$SECONDS
"$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/tutor-linux.spec
say "Built in $((SECONDS - start)) s"

BUNDLE="$ROOT/dist/tutor"
mkdir -p "$BUNDLE/share/applications" "$BUNDLE/share/icons/hicolor/256x256/apps" \
  "$BUNDLE/share/icons/hicolor/scalable/apps"
cp packaging/tutor.desktop "$BUNDLE/share/applications/tutor.desktop"
cp packaging/tutor.png "$BUNDLE/share/icons/hicolor/256x256/apps/tutor.png"
cp packaging/tutor.svg "$BUNDLE/share/icons/hicolor/scalable/apps/tutor.svg"
cat >"$BUNDLE/install-desktop-entry.sh" <<'SH'
#!/bin/sh
# Add Tutor to this user's applications menu (no root needed). Run it again after moving
# the folder. To remove: rm ~/.local/share/applications/tutor.desktop
set -e
here="$(cd "$(dirname "$0")" && pwd)"
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor"
mkdir -p "$apps" "$icons/256x256/apps" "$icons/scalable/apps"
cp "$here/share/icons/hicolor/256x256/apps/tutor.png" "$icons/256x256/apps/tutor.png"
cp "$here/share/icons/hicolor/scalable/apps/tutor.svg" "$icons/scalable/apps/tutor.svg"
sed -e "s|^Exec=.*|Exec=\"$here/tutor\" %f|" -e "s|^TryExec=.*|TryExec=$here/tutor|" \
  "$here/share/applications/tutor.desktop" >"$apps/tutor.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$apps" || true
echo "Tutor is now in the applications menu ($apps/tutor.desktop)."
SH
chmod +x "$BUNDLE/install-desktop-entry.sh"

say "Self-test of the bundle (offline, isolated from the source tree and the venv)"
selftest_home="$(mktemp -d)"
env -i HOME="$selftest_home" TUTOR_HOME="$selftest_home/data" PATH=/usr/bin:/bin \
  QT_QPA_PLATFORM=offscreen "$BUNDLE/tutor" --self-test
rm -rf "$selftest_home"

say "Size"
du -sh "$BUNDLE" | sed 's/^/bundle folder: /'
version="$("$BUNDLE/tutor" --version | cut -d' ' -f2)"
archive="dist/tutor-$version-linux-$(uname -m).tar.gz"
tar -C dist -czf "$archive" tutor
du -h "$archive" | sed 's/^/compressed:    /'

say "Start-up time to a visible window (Xvfb)"
"$PY" packaging/startup_time.py --runs 4 "$BUNDLE/tutor"
