"""The progress store: learners, attempts, per-phone history, CSV, durability."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from progress_helpers import make_result

from tutor.progress import (
    DEFAULT_LEARNER,
    ProgressError,
    ProgressStore,
    export_csv,
    read_attempts_csv,
)
from tutor.progress import store as store_module

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> ProgressStore:
    with ProgressStore(tmp_path / "progress.sqlite3") as s:
        yield s


def test_schema_and_wal(store: ProgressStore) -> None:
    assert store.schema_version == store_module.SCHEMA_VERSION
    mode = sqlite3.connect(store.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert [lr.name for lr in store.learners()] == [DEFAULT_LEARNER]


def test_learner_profiles(store: ProgressStore) -> None:
    store.add_learner("  Wei   Zhang ")
    with pytest.raises(ProgressError, match="already"):
        store.add_learner("wei zhang")
    with pytest.raises(ProgressError, match="needs a name"):
        store.add_learner("   ")
    store.record_attempt("Wei Zhang", "th", "think", make_result("think"), when=T0)
    store.rename_learner("Wei Zhang", "Wei")
    assert len(store.attempts("wei")) == 1
    store.delete_learner("Wei")
    assert store.attempts() == [] and store.integrity_check() == []


def test_attempt_round_trip(store: ProgressStore, tmp_path: Path) -> None:
    result = make_result("think, sink", {"TH": 0.4})
    audio = tmp_path / "rec" / "1.flac"
    saved = store.record_attempt("Ana", "th-sounds", "think-sink", result, audio, when=T0)
    [loaded] = store.attempts("Ana", "th-sounds", "think-sink")
    assert loaded == saved
    assert loaded.result == result and loaded.audio_path == str(audio)
    assert loaded.when == T0 and loaded.total == result.total
    assert store.phone_rows(loaded.id)[0] == ("think", "TH", 0.4)
    assert store.attempts("Ana", "other") == [] and store.attempts("Bo") == []


def test_phone_history_and_summary(store: ProgressStore) -> None:
    for day, th in enumerate((0.2, 1.0, 1.8)):
        store.record_attempt(
            "Ana", "th", "three", make_result("three", {"TH": th}), when=T0 + timedelta(days=day)
        )
    store.record_attempt(
        "Ana", "th", "think", make_result("think, three", {"TH": 1.0}), when=T0 + timedelta(days=3)
    )
    store.record_attempt("Bo", "th", "three", make_result("three", {"TH": 0.0}), when=T0)
    history = store.phone_history("Ana", "th")
    assert [round(p.score, 2) for p in history] == [0.2, 1.0, 1.8, 1.0]
    assert [p.count for p in history] == [1, 1, 1, 2]
    assert history == sorted(history, key=lambda p: p.when)
    practised = store.phones_practised("Ana")
    assert practised["TH"][0] == 5 and practised["IY"] == (4, 2.0)
    records = store.attempt_records("Ana", "th")
    assert [r.item for r in records] == ["three", "three", "three", "think"]
    assert [p.phone for p in records[0].phones] == ["TH", "R", "IY"]


def test_csv_round_trip_per_learner_and_class(store: ProgressStore, tmp_path: Path) -> None:
    store.record_attempt(
        "Ana", "th", "three", make_result("three", {"TH": 0.5}), "/a/1.wav", when=T0
    )
    store.record_attempt(
        "=cmd|' /C calc'!A0", "iy", "ship", make_result("ship, sheep"), when=T0 + timedelta(hours=1)
    )
    store.record_attempt(
        "Ana", "iy", "ship", make_result("ship", {"IH": 1.2}), when=T0 + timedelta(hours=2)
    )
    n = export_csv(store, tmp_path / "ana.csv", "Ana")
    rows = read_attempts_csv(tmp_path / "ana.csv")
    assert n == len(rows) == 2
    for row, attempt in zip(rows, store.attempts("Ana"), strict=True):
        assert row["learner"] == "Ana" and row["item"] == attempt.item
        assert datetime.fromisoformat(row["time"]) == attempt.when.replace(microsecond=0)
        assert row["total"] == pytest.approx(attempt.total, abs=0.005)
        assert row["phones"] == [
            (p.phone, pytest.approx(p.score, abs=0.005)) for p in attempt.result.phones
        ]
        assert row["audio"] == (attempt.audio_path or "")
    assert rows[0]["weakest"] == "TH(three)"

    assert export_csv(store, tmp_path / "class.csv") == 3
    raw = (tmp_path / "class.csv").read_text(encoding="utf-8-sig")
    assert "\n'=cmd" in raw  # a spreadsheet will not run the name as a formula
    rows = read_attempts_csv(tmp_path / "class.csv")
    assert {r["learner"] for r in rows} == {"Ana", "=cmd|' /C calc'!A0"}
    with pytest.raises(ProgressError, match="no learner"):
        export_csv(store, tmp_path / "x.csv", "Nobody")


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    ProgressStore(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(ProgressError, match="newer tutor"):
        ProgressStore(path)


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ProgressError, match="not a usable"):
        ProgressStore(path)


WRITER = textwrap.dedent("""
    import sys
    sys.path[:0] = [{root!r}, {tests!r}]
    from progress_helpers import make_result
    from tutor.progress import ProgressStore
    store = ProgressStore({db!r})
    results = [make_result("think, sink, three, ship, sheep", {{"TH": i / 10}}) for i in range(20)]
    n = 0
    while True:
        store.record_attempt("Ana", "th", f"item-{{n % 7}}", results[n % 20])
        n += 1
        if n == 5:
            print("writing", flush=True)
""")


@pytest.mark.parametrize("delay", [0.05, 0.3])
def test_killed_writer_leaves_a_consistent_database(tmp_path: Path, delay: float) -> None:
    db = tmp_path / "progress.sqlite3"
    ProgressStore(db).close()
    root = str(Path(__file__).resolve().parent.parent)
    code = WRITER.format(root=root, tests=str(Path(__file__).resolve().parent), db=str(db))
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "writing\n", (
            proc.stderr.read() if proc.stderr else ""
        )
        time.sleep(delay)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
    assert proc.returncode == -signal.SIGKILL
    with ProgressStore(db) as store:
        assert store.integrity_check() == []
        assert store.check_attempts_complete() == []
        attempts = store.attempts("Ana")
        assert len(attempts) >= 5
        for attempt in attempts:
            assert len(store.phone_rows(attempt.id)) == 17  # every phone of the five words
            assert attempt.result.text.startswith("think")
        store.record_attempt("Ana", "th", "after", make_result("think"))  # still writable
