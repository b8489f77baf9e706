"""``tutor --self-test``: prove an installation works, offline, in a few seconds.

It checks what a classroom laptop needs — the shipped models load, the bundled sample
scores to a sane result, the built-in lessons are there, the user data folder is writable,
and whether a sound library is available — and prints one line per check. Exit code 0
means the app can score speech; 1 means it cannot, and the failing line says why.

The sample lives in ``assets/samples/``: ``sample.json`` holds ``{"text": ...}`` and may
name the recording (``"audio"``, default ``sample.flac``) and a floor for its total score
(``"min_total"``) so that a bundle with broken audio or model files cannot pass.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tutor import __version__

if TYPE_CHECKING:
    from tutor.scoring.result import UtteranceResult


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True

    def line(self) -> str:
        mark = "ok  " if self.ok else ("FAIL" if self.required else "warn")
        return f"[{mark}] {self.name}: {self.detail}"


@dataclass(frozen=True)
class Sample:
    audio: Path
    text: str
    min_total: float | None = None


class SelfTestError(Exception):
    """A check failed; the message is the reason shown to the user."""


def load_sample(folder: Path) -> Sample:
    """Read ``sample.json`` in ``folder``; raise :class:`SelfTestError` if it is unusable."""
    meta_path = folder / "sample.json"
    if not meta_path.is_file():
        raise SelfTestError(f"{meta_path} is missing; reinstall tutor")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SelfTestError(f"{meta_path.name} is not valid JSON: {exc}") from exc
    if not isinstance(meta, dict) or not str(meta.get("text", "")).strip():
        raise SelfTestError(f'{meta_path.name} must be an object with a "text"')
    audio = folder / str(meta.get("audio", "sample.flac"))
    if not audio.is_file():
        raise SelfTestError(f"the sample recording {audio} is missing; reinstall tutor")
    min_total = meta.get("min_total")
    if min_total is not None and not isinstance(min_total, int | float):
        raise SelfTestError(f'"min_total" in {meta_path.name} must be a number')
    return Sample(audio, str(meta["text"]).strip(), None if min_total is None else float(min_total))


def score_sample(sample: Sample, models: Path | None) -> str:
    """Load the scorer, score the sample, check the result; return a one-line summary."""
    from tutor.scoring import ScoringError
    from tutor.scoring.engine import Scorer

    try:
        t0 = time.perf_counter()
        scorer = Scorer.load(models)
        t1 = time.perf_counter()
        result = scorer.score(sample.audio, sample.text)
        t2 = time.perf_counter()
    except ScoringError as exc:
        raise SelfTestError(str(exc)) from exc
    problems = result_problems(result, sample)
    if problems:
        raise SelfTestError("; ".join(problems))
    return (
        f'"{sample.text}" total {result.total:.1f}/10 (accuracy {result.accuracy:.1f}), '
        f"models {result.model_version}, load {t1 - t0:.2f} s, score {t2 - t1:.2f} s"
    )


def result_problems(result: UtteranceResult, sample: Sample) -> list[str]:
    """What is wrong with a scored sample (empty when it looks like a real score)."""
    problems = []
    expected = len(sample.text.split())
    if len(result.words) == 0:
        problems.append("the sample scored no words")
    elif len(result.words) < expected // 2:
        problems.append(f"only {len(result.words)} of about {expected} words were scored")
    for name in ("accuracy", "fluency", "completeness", "prosodic", "total"):
        value = getattr(result, name)
        if not 0.0 <= value <= 10.0:
            problems.append(f"{name} {value} is outside 0-10")
    for phone in result.phones:
        if not 0.0 <= phone.start <= phone.end <= result.duration + 0.05:
            problems.append(f"phone {phone.phone} has impossible times {phone.start}-{phone.end}")
            break
    if sample.min_total is not None and result.total < sample.min_total:
        problems.append(
            f"total {result.total:.1f} is below the expected {sample.min_total:.1f}: "
            "the models or the audio libraries are damaged"
        )
    return problems


def check_user_folder() -> str:
    from tutor.paths import user_data_dir

    try:
        folder = user_data_dir()
        probe = folder / ".self-test"
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        where = exc.filename or "the user data folder"
        raise SelfTestError(f"cannot write to {where}: {exc.strerror or exc}") from exc
    return str(folder)


def check_lessons() -> str:
    from tutor.paths import builtin_lessons_dir

    folder = builtin_lessons_dir()
    packs = [
        p
        for p in (folder.iterdir() if folder.is_dir() else [])
        if (p.is_dir() or p.suffix == ".tutorpack") and not p.name.startswith(".")
    ]
    if not packs:
        raise SelfTestError(f"no built-in lessons in {folder}; reinstall tutor")
    return f"{len(packs)} in {folder}"


def check_sound() -> str:
    try:
        import sounddevice
    except OSError as exc:  # the PortAudio library itself is missing
        raise SelfTestError(
            f"PortAudio is missing ({exc}); recording will not work. "
            "On Debian/Ubuntu: sudo apt-get install libportaudio2"
        ) from exc
    try:
        inputs = [d for d in sounddevice.query_devices() if d["max_input_channels"] > 0]
    except Exception as exc:  # PortAudio reports host API trouble in several ways
        raise SelfTestError(f"PortAudio cannot list devices: {exc}") from exc
    if not inputs:
        raise SelfTestError("no microphone found; the app can still score audio files")
    return f"{len(inputs)} input device(s), e.g. {inputs[0]['name']}"


def _attempt(name: str, fn: Callable[[], str], required: bool = True) -> Check:
    try:
        return Check(name, True, fn(), required)
    except SelfTestError as exc:
        return Check(name, False, str(exc), required)
    except Exception as exc:  # a broken install fails in ways no one planned for: report it
        where = traceback.extract_tb(exc.__traceback__)[-1]
        detail = f"unexpected {type(exc).__name__}: {exc} (at {where.filename}:{where.lineno})"
        return Check(name, False, detail, required)


def run(args: argparse.Namespace) -> int:
    """Run the checks; ``args.models`` / ``args.samples`` (optional) override the folders."""
    models: Path | None = getattr(args, "models", None)
    samples: Path | None = getattr(args, "samples", None)
    if samples is None:
        from tutor.paths import assets_dir

        samples = assets_dir() / "samples"

    print(f"tutor {__version__} self-test (Python {sys.version.split()[0]})")
    checks = [_attempt("user data folder", check_user_folder), _attempt("lessons", check_lessons)]
    try:
        sample = load_sample(samples)
    except SelfTestError as exc:
        checks.append(Check("scoring", False, str(exc)))
    else:
        checks.append(_attempt("scoring", lambda: score_sample(sample, models)))
    checks.append(_attempt("sound", check_sound, required=False))

    for check in checks:
        print(check.line())
    failed = [c for c in checks if c.required and not c.ok]
    print("self-test passed" if not failed else f"self-test FAILED ({len(failed)} problem(s))")
    return 1 if failed else 0
