"""Write one learner's results to one file on a laptop; read such files back on the
teacher's computer, trusting nothing in them.

The file is UTF-8 JSON: ``{"format": "tutor-class-results", "version": 1, "learner": ...,
"exported": ..., "tutor_version": ..., "attempts": [...]}``; each attempt has its time,
pack, item, text, scores, pass/fail, focus sounds, audio path (relative to the learner's
data folder, or null: audio never travels) and its phones with score, heard-as and IPA.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tutor import __version__
from tutor.feedback.bands import PHONE_GOOD
from tutor.progress.records import AttemptRecord, PhoneScore
from tutor.progress.store import MAX_NAME, Attempt, ProgressError, ProgressStore
from tutor.scoring.phones import PHONE_SET, to_ipa

from .records import FORMAT, FORMAT_VERSION, AttemptMark, LearnerResults, PhoneMark

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ATTEMPTS = 200_000
MAX_PHONES = 1000
MAX_TEXT = 2000
FocusLookup = Callable[[str, str], tuple[str, ...]]


class ResultsError(Exception):
    """A results file that cannot be written or read; the message says which and why."""


# -- writing ----------------------------------------------------------------------------


def pack_focus_lookup() -> FocusLookup:
    """``(pack, item) -> focus sounds`` from the packs on this computer (as practice uses)."""
    from tutor.lessons.library import load_all_packs

    focus: dict[tuple[str, str], tuple[str, ...]] = {}
    try:
        packs = load_all_packs()
    except Exception:  # a broken library must not stop an export: no focus, stricter pass
        packs = []
    for pack in packs:
        for item in pack.items:
            focus[(pack.id, item.id)] = item.focus_phones or pack.focus_phones
    return lambda pack, item: focus.get((pack, item), ())


def _relative_audio(path: str | None, data_dir: Path | None) -> str | None:
    if not path or data_dir is None:
        return None
    try:
        return Path(path).resolve().relative_to(data_dir.resolve()).as_posix()
    except (ValueError, OSError):
        return None  # outside the data folder: an absolute path would mean nothing elsewhere


def _phone_marks(store: ProgressStore, attempt: Attempt) -> tuple[PhoneMark, ...]:
    try:
        result = attempt.result
    except (ValueError, KeyError, TypeError):  # damaged JSON: the phone rows still tell scores
        return tuple(
            PhoneMark(w, p, to_ipa(p), s, "", "", s >= PHONE_GOOD)
            for w, p, s in store.phone_rows(attempt.id)
        )
    return tuple(
        PhoneMark(
            word.text,
            p.phone,
            to_ipa(p.phone + ("" if p.stress is None else str(p.stress))),
            float(p.score),
            p.heard,
            to_ipa(p.heard) if p.heard else "",
            p.score >= PHONE_GOOD,
            round(float(p.start), 3),
            round(float(p.end), 3),
        )
        for word in result.words
        for p in word.phones
    )


def learner_results(
    store: ProgressStore,
    learner: str,
    *,
    data_dir: Path | None = None,
    focus: FocusLookup | None = None,
) -> LearnerResults:
    """Every attempt of ``learner`` in ``store``, ready to write."""
    from tutor.practice.scheduler import PASS, attempt_quality

    names = {lr.name.lower(): lr.name for lr in store.learners()}
    name = names.get(" ".join(learner.split()).lower())
    if name is None:
        raise ProgressError(
            f"There is no learner called {learner!r} "
            f"(learners: {', '.join(sorted(names.values()))})."
        )
    focus = focus or pack_focus_lookup()
    marks = []
    for attempt in store.attempts(name):
        phones = _phone_marks(store, attempt)
        record = AttemptRecord(
            attempt.pack,
            attempt.item,
            attempt.when,
            attempt.total,
            tuple(PhoneScore(p.phone, p.score, p.word) for p in phones),
        )
        item_focus = tuple(focus(attempt.pack, attempt.item))
        marks.append(
            AttemptMark(
                attempt.when,
                attempt.pack,
                attempt.item,
                attempt.text,
                attempt.total,
                attempt.accuracy,
                attempt.fluency,
                attempt.completeness,
                attempt.prosodic,
                attempt_quality(record, item_focus) >= PASS,
                item_focus,
                phones,
                _relative_audio(attempt.audio_path, data_dir),
            )
        )
    return LearnerResults(name, datetime.now(UTC), __version__, tuple(marks))


def to_json(results: LearnerResults) -> str:
    def attempt(a: AttemptMark) -> dict[str, Any]:
        data = asdict(a)
        data["when"] = a.when.astimezone(UTC).isoformat(timespec="seconds")
        return data

    return json.dumps(
        {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "learner": results.learner,
            "exported": results.exported.astimezone(UTC).isoformat(timespec="seconds"),
            "tutor_version": results.tutor_version,
            "attempts": [attempt(a) for a in results.attempts],
        },
        ensure_ascii=False,
        indent=1,
    )


def write_results(results: LearnerResults, out: str | os.PathLike[str]) -> Path:
    """Write under a temporary name, then rename: a half-written file never replaces one."""
    out = Path(out)
    text = to_json(results)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".results-", suffix=".json", dir=out.parent)
    except OSError as exc:
        raise ResultsError(f"Cannot write {out}: {exc.strerror or exc}") from exc
    try:
        os.chmod(tmp, 0o644)  # it travels to the teacher (mkstemp makes it owner-only)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ResultsError(f"Cannot write {out}: {exc.strerror or exc}") from exc
    return out


# -- reading ----------------------------------------------------------------------------


class _Bad(Exception):
    pass


def _reject_constant(name: str) -> float:
    raise _Bad(f"{name} is not a number a results file may hold")


def _text(data: Mapping[str, Any], key: str, *, empty: bool = True, limit: int = MAX_TEXT) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise _Bad(f"{key!r} must be text")
    value = " ".join(value.split()) if key in ("learner", "pack", "item") else value
    if (not empty and not value.strip()) or len(value) > limit:
        raise _Bad(
            f"{key!r} must be {'non-empty ' if not empty else ''}text of at most {limit} characters"
        )
    return value


def _number(data: Mapping[str, Any], key: str, low: float, high: float) -> float:
    value = data.get(key)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        raise _Bad(f"{key!r} must be a number from {low:g} to {high:g}")
    return float(value)


def _time(data: Mapping[str, Any], key: str) -> datetime:
    try:
        when = datetime.fromisoformat(_text(data, key, limit=64).replace("Z", "+00:00"))
    except ValueError as exc:
        raise _Bad(f"{key!r} must be an ISO date and time") from exc
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _phone(data: Any) -> PhoneMark:
    if not isinstance(data, dict):
        raise _Bad("a phone must be an object")
    phone = _text(data, "phone", limit=8).upper()
    heard = _text(data, "heard", limit=8).upper()
    if phone not in PHONE_SET[1:] or (heard and heard not in PHONE_SET):
        raise _Bad(f"unknown phone {phone!r} (heard {heard!r})")
    score = _number(data, "score", 0.0, 2.0)
    start, end = (_number(data, k, 0.0, 3600.0) if k in data else 0.0 for k in ("start", "end"))
    ipa = data.get("ipa")  # stress-aware (schwa for unstressed AH); else the plain spelling
    if ipa not in {to_ipa(phone + stress) for stress in ("", "0", "1", "2")}:
        ipa = to_ipa(phone)
    return PhoneMark(
        _text(data, "word", limit=200),
        phone,
        ipa,
        score,
        heard,
        to_ipa(heard) if heard else "",
        score >= PHONE_GOOD,
        start,
        end,
    )


def _attempt(data: Any) -> AttemptMark:
    if not isinstance(data, dict):
        raise _Bad("an attempt must be an object")
    phones = data.get("phones")
    focus = data.get("focus", [])
    if not isinstance(phones, list) or len(phones) > MAX_PHONES:
        raise _Bad(f"'phones' must be a list of at most {MAX_PHONES}")
    if (
        not isinstance(focus, list)
        or len(focus) > 50
        or not all(isinstance(f, str) and f.upper() in PHONE_SET for f in focus)
    ):
        raise _Bad("'focus' must be a list of ARPAbet phones")
    if not isinstance(data.get("passed"), bool):
        raise _Bad("'passed' must be true or false")
    audio = data.get("audio")
    if audio is not None and (not isinstance(audio, str) or len(audio) > MAX_TEXT):
        raise _Bad("'audio' must be a relative path or null")
    total, accuracy, fluency, completeness, prosodic = (
        _number(data, k, 0.0, 10.0)
        for k in ("total", "accuracy", "fluency", "completeness", "prosodic")
    )
    return AttemptMark(
        _time(data, "when"),
        _text(data, "pack", empty=False, limit=200),
        _text(data, "item", empty=False, limit=200),
        _text(data, "text"),
        total,
        accuracy,
        fluency,
        completeness,
        prosodic,
        data["passed"],
        tuple(f.upper() for f in focus),
        tuple(_phone(p) for p in phones),
        audio,
    )


def read_results(path: str | os.PathLike[str]) -> LearnerResults:
    """Read and check a results file; :class:`ResultsError` says what is wrong with it."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ResultsError(
                f"{path.name} is too large to be a results file "
                f"(over {MAX_FILE_BYTES // 2**20} MB)."
            )
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise ResultsError(f"{path} does not exist.") from exc
    except IsADirectoryError as exc:
        raise ResultsError(f"{path} is a folder, not a results file.") from exc
    except OSError as exc:
        raise ResultsError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    try:
        data = json.loads(raw.decode("utf-8-sig"), parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise ResultsError(f"{path.name} is not a tutor results file (not UTF-8 text).") from exc
    except (ValueError, RecursionError, _Bad) as exc:
        raise ResultsError(
            f"{path.name} is not a tutor results file (not valid JSON: {str(exc)[:200]})."
        ) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ResultsError(
            f"{path.name} is not a tutor results file (make one with `tutor class export`)."
        )
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ResultsError(f"{path.name}: the file has no valid format version.")
    if version > FORMAT_VERSION:
        raise ResultsError(
            f"{path.name} was written by a newer tutor (format {version}; this "
            f"one reads {FORMAT_VERSION}): update tutor."
        )
    attempts = data.get("attempts")
    try:
        learner = _text(data, "learner", empty=False, limit=MAX_NAME)
        exported = _time(data, "exported")
        tutor_version = _text(data, "tutor_version", limit=64)
        if not isinstance(attempts, list) or len(attempts) > MAX_ATTEMPTS:
            raise _Bad(f"'attempts' must be a list of at most {MAX_ATTEMPTS}")
    except _Bad as exc:
        raise ResultsError(f"{path.name} is damaged ({exc}).") from exc
    marks = []
    for number, item in enumerate(attempts, 1):
        try:
            marks.append(_attempt(item))
        except _Bad as exc:
            raise ResultsError(f"{path.name} is damaged (attempt {number}: {exc}).") from exc
    return LearnerResults(learner, exported, tutor_version, tuple(marks), str(path))
