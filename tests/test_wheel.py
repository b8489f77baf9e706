"""``pip install`` of the built wheel gives an app that works: the models, the self-test
sample and the lessons travel inside the package (``tutor/data``), found through
``importlib.resources``; ``tutor --self-test`` passes in a fresh virtual environment with
the network blocked.

The fresh environment borrows the test environment's third-party packages (numpy,
onnxruntime, Qt, ...) through a ``.pth`` file, so nothing is downloaded; tutor itself comes
only from the wheel (the test environment's editable install is not visible there).
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_WHEEL_BYTES = 12_000_000  # the models are ~4 MB; Qt or a training run must not sneak in

# Blocks every connection in the interpreter that runs the self-test (used where the
# network namespace cannot be unshared), and fails the run if anything tried.
GUARD = r"""
import socket, sys
attempts = []
def _refuse(name):
    def refuse(*args, **kwargs):
        attempts.append(name)
        raise OSError(f"network access blocked by the wheel test ({name})")
    return refuse
for _n in ("connect", "connect_ex", "sendto"):
    setattr(socket.socket, _n, _refuse(f"socket.{_n}"))
for _n in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex"):
    setattr(socket, _n, _refuse(_n))
from tutor.cli import main
code = main(["--self-test"])
if attempts:
    print(f"tried to reach the network: {attempts}")
    code = 1
sys.exit(code)
"""


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: build with the installed setuptools instead of downloading one
    done = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, f"python -m build failed:\n{done.stdout[-3000:]}\n{done.stderr}"
    return out


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    assert len(found) == 1, f"expected one {pattern} in {folder}, found {found}"
    return found[0]


@pytest.mark.slow
def test_the_wheel_holds_the_models_sample_lessons_and_speaker_lists(dist: Path) -> None:
    wheel = _one(dist, "tutor-*.whl")
    assert wheel.stat().st_size < MAX_WHEEL_BYTES, f"{wheel.name}: {wheel.stat().st_size:,} B"
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "tutor/data/models/acoustic.onnx",
        "tutor/data/models/head.onnx",
        "tutor/data/samples/sample.flac",
        "tutor/data/samples/sample.json",
        "tutor/data/lessons/th-sounds/pack.toml",
        "tutor/train/splits/speechocean762_valid_speakers.txt",
        "tutor/cli.py",
    ):
        assert needed in names, f"{needed} is not in {wheel.name}"
    assert not any(n.startswith(("assets/", "lessons/", "tests/")) for n in names)
    packs = {n.split("/")[3] for n in names if n.startswith("tutor/data/lessons/")}
    source_packs = {p.name for p in (ROOT / "lessons").iterdir() if p.is_dir()}
    assert packs - {"README.md"} == source_packs

    sdist = _one(dist, "tutor-*.tar.gz")
    with tarfile.open(sdist) as tar:
        members = {m.name.split("/", 1)[1] for m in tar.getmembers() if "/" in m.name}
    assert {"assets/models/acoustic.onnx", "assets/samples/sample.flac", "setup.py"} <= members


def _network_namespace_works() -> bool:
    try:
        done = subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@pytest.mark.slow
def test_the_installed_wheel_passes_its_self_test_offline(dist: Path, tmp_path: Path) -> None:
    wheel = _one(dist, "tutor-*.whl")
    # nothing of this source tree may leak in (the tests run with it on PYTHONPATH)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TUTOR_ASSETS",
                                                           "TUTOR_LESSONS")}  # fmt: skip
    env |= {"TUTOR_HOME": str(tmp_path / "home"), "QT_QPA_PLATFORM": "offscreen"}
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True, text=True, check=True, env=env,
        ).stdout.strip()
    )  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "--quiet", str(wheel)],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, f"pip install of the wheel failed:\n{done.stdout}\n{done.stderr}"
    assert (venv / "bin" / "tutor").is_file(), "the wheel installs no tutor command"
    # then the test environment's packages, after the fresh site-packages (written after the
    # install, so pip sees no tutor already there; an added path's own .pth files, such as
    # an editable install's, are not run, so tutor comes from the wheel only)
    shared = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "shared_packages.pth").write_text("\n".join(sorted(shared)) + "\n")

    if _network_namespace_works():  # no network at all, the command as a user types it
        command = ["unshare", "-n", str(venv / "bin" / "tutor"), "--self-test"]
    else:  # no permission for a network namespace: block sockets inside the interpreter
        command = [str(python), "-c", GUARD]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0 and "self-test passed" in out, out
    # everything came from the installed package, not from this source tree
    assert str(site / "tutor" / "data" / "lessons") in out, out
    assert str(ROOT) not in out, out
