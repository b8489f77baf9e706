"""The learners' progress: every attempt, with per-phone results, in one SQLite file.

Durability: the database runs in WAL mode with ``synchronous=FULL`` and writes each
attempt (its row and all its phone rows) in one transaction, so a killed app or a power cut
leaves either the whole attempt or none of it. The schema version lives in
``PRAGMA user_version``; :data:`MIGRATIONS` brings older files up to date.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tutor.scoring.result import UtteranceResult

from .records import AttemptRecord, PhoneScore

DEFAULT_LEARNER = "default"
MAX_NAME = 80

#: ``MIGRATIONS[n]`` upgrades schema ``n`` to ``n + 1`` (version 0 is an empty file).
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE learners (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        created TEXT NOT NULL
    );
    CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        learner_id INTEGER NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        pack TEXT NOT NULL,
        item TEXT NOT NULL,
        text TEXT NOT NULL,
        time TEXT NOT NULL,
        total REAL NOT NULL,
        accuracy REAL NOT NULL,
        fluency REAL NOT NULL,
        completeness REAL NOT NULL,
        prosodic REAL NOT NULL,
        phone_count INTEGER NOT NULL,
        result_json TEXT NOT NULL,
        audio_path TEXT,
        model_version TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX attempts_by_item ON attempts (learner_id, pack, item, time);
    CREATE INDEX attempts_by_time ON attempts (learner_id, time);
    CREATE TABLE attempt_phones (
        attempt_id INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        word TEXT NOT NULL,
        phone TEXT NOT NULL,
        stress INTEGER,
        score REAL NOT NULL,
        heard TEXT NOT NULL,
        mispronounced INTEGER NOT NULL,
        PRIMARY KEY (attempt_id, position)
    ) WITHOUT ROWID;
    CREATE INDEX attempt_phones_by_phone ON attempt_phones (phone, attempt_id);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class ProgressError(Exception):
    """The progress file cannot be used (newer schema, not a database, bad learner name)."""


class DamagedProgress(ProgressError):
    """The progress file failed SQLite's integrity check; ``problems`` says what it found.

    Nothing is written into such a file: :func:`tutor.progress.durability.open_progress`
    moves it aside (keeping it) and offers the last good backup."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


#: SQLite's result codes for a damaged file (SQLITE_CORRUPT, SQLITE_NOTADB).
_DAMAGE_CODES = (11, 26)
SQLITE_HEADER = b"SQLite format 3\x00"


def is_damage(exc: BaseException) -> bool:
    """True when SQLite reports the file itself as damaged (not busy, not read-only)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _DAMAGE_CODES
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def quick_check(db: sqlite3.Connection) -> list[str]:
    """``PRAGMA quick_check``: ``[]`` when sound, else SQLite's complaints (bounded)."""
    try:
        rows = [str(r[0]) for r in db.execute("PRAGMA quick_check(20)")]
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise
        return [str(exc)]
    return [] if rows == ["ok"] else rows


@dataclass(frozen=True)
class Learner:
    id: int
    name: str
    created: datetime


@dataclass(frozen=True)
class Attempt:
    id: int
    learner: str
    pack: str
    item: str
    text: str
    when: datetime
    total: float
    accuracy: float
    fluency: float
    completeness: float
    prosodic: float
    audio_path: str | None
    result_json: str

    @property
    def result(self) -> UtteranceResult:
        return UtteranceResult.from_json(self.result_json)


@dataclass(frozen=True)
class PhonePoint:
    """One attempt's average for one phone: a point of a per-phone history chart."""

    when: datetime
    score: float  # mean 0..2 over the phone's occurrences in the attempt
    count: int
    pack: str
    item: str
    attempt_id: int


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(when: datetime) -> str:
    if when.tzinfo is None:
        when = when.astimezone()
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class ProgressStore:
    """All learners' attempts in one SQLite file. Safe to share between threads."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        """Open (or create) the file. Raises :class:`DamagedProgress` when the file fails
        its integrity check (nothing is written into it then), :class:`ProgressError` when
        it cannot be used otherwise (a folder that cannot be written, a newer schema)."""
        self.path = Path(path)
        self._lock = threading.RLock()
        self.damaged = False  # set when SQLite reports damage while in use: writes stop
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            from tutor.atomic import describe_write_error

            raise ProgressError(
                f"The progress folder cannot be created: "
                f"{describe_write_error(exc, self.path.parent)}"
            ) from exc
        self._check_header()
        try:
            self._db = sqlite3.connect(
                self.path, timeout=10, check_same_thread=False, isolation_level=None
            )
        except sqlite3.DatabaseError as exc:
            raise ProgressError(f"{self.path} cannot be opened: {exc}") from exc
        try:
            problems = quick_check(self._db)
            if problems:
                raise DamagedProgress(f"{self.path} is damaged: {problems[0]}", problems)
            self._db.execute("PRAGMA foreign_keys = ON")
            mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise ProgressError(f"{self.path}: could not switch to WAL mode ({mode})")
            self._db.execute("PRAGMA synchronous = FULL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            if is_damage(exc):
                raise DamagedProgress(
                    f"{self.path} is not a usable progress database: {exc}", [str(exc)]
                ) from exc
            raise ProgressError(f"{self.path} cannot be used: {exc}") from exc
        except BaseException:
            self._db.close()
            raise

    def _check_header(self) -> None:
        """A non-empty file must start with SQLite's magic; else it is damaged (and SQLite
        must not be allowed to treat it as a new, empty database)."""
        try:
            with open(self.path, "rb") as fh:
                head = fh.read(len(SQLITE_HEADER))
        except FileNotFoundError:
            return
        except IsADirectoryError as exc:
            raise ProgressError(f"{self.path} is a folder, not a progress file") from exc
        except OSError as exc:
            raise ProgressError(f"{self.path} cannot be read: {exc}") from exc
        if head and head != SQLITE_HEADER:
            raise DamagedProgress(
                f"{self.path} is not a usable progress database (its header is damaged)",
                ["file header is not SQLite's"],
            )

    # -- plumbing ------------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction. Never writes into a file SQLite has reported damaged;
        SQLite's errors come out as :class:`ProgressError` with a plain message."""
        with self._lock:
            if self.damaged:
                raise DamagedProgress(
                    f"{self.path} is damaged; nothing more is written into it",
                    ["damaged while in use"],
                )
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.DatabaseError as exc:
                raise self._failure(exc) from exc
            try:
                yield self._db
            except BaseException as exc:
                try:
                    self._db.execute("ROLLBACK")
                except sqlite3.DatabaseError:
                    pass  # SQLite has already rolled back
                if isinstance(exc, sqlite3.DatabaseError):
                    raise self._failure(exc) from exc
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                try:
                    self._db.execute("ROLLBACK")
                except sqlite3.DatabaseError:
                    pass
                raise self._failure(exc) from exc

    def _failure(self, exc: sqlite3.DatabaseError) -> ProgressError:
        if is_damage(exc):
            self.damaged = True
            return DamagedProgress(f"{self.path} is damaged: {exc}", [str(exc)])
        code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
        plain = {
            8: "the progress file or its folder is read-only",
            13: "the disk is full",
            10: "the disk could not be written",
            5: "another program keeps the progress file busy",
        }.get(code, str(exc))
        return ProgressError(f"Progress not saved: {plain}")

    def _migrate(self) -> None:
        with self._transaction() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise ProgressError(
                    f"{self.path} was written by a newer tutor (schema "
                    f"{version}, this one knows {SCHEMA_VERSION}); update tutor"
                )
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step].split(";"):
                    if statement.strip():
                        db.execute(statement)
            if version != SCHEMA_VERSION:
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @property
    def schema_version(self) -> int:
        with self._lock:
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> ProgressStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def backup_to(self, dest: str | os.PathLike[str]) -> Path:
        """A consistent copy of the whole database at ``dest`` (SQLite's online backup API,
        safe while other connections write), checked and renamed into place atomically."""
        from tutor.atomic import write_with

        def write(tmp: Path) -> None:
            target = sqlite3.connect(tmp)
            try:
                with self._lock:
                    self._db.backup(target)
                target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
                problems = quick_check(target)
                if problems:
                    raise DamagedProgress(f"the backup of {self.path} failed its check", problems)
            finally:
                target.close()

        return write_with(dest, write)

    def integrity_check(self) -> list[str]:
        """``[]`` when SQLite finds the file sound, else its complaints."""
        with self._lock:
            rows = [r[0] for r in self._db.execute("PRAGMA integrity_check")]
            rows += [f"foreign key: {r}" for r in self._db.execute("PRAGMA foreign_key_check")]
        return [] if rows == ["ok"] else [r for r in rows if r != "ok"]

    # -- learners ------------------------------------------------------------------------

    @staticmethod
    def _clean_name(name: str) -> str:
        clean = " ".join(str(name).split())
        if not clean:
            raise ProgressError("A learner needs a name.")
        if len(clean) > MAX_NAME:
            raise ProgressError(f"A learner's name can have at most {MAX_NAME} characters.")
        return clean

    def learners(self) -> list[Learner]:
        """All learner profiles, creating the default one on first use."""
        self.default_learner()
        with self._lock:
            rows = self._db.execute("SELECT id, name, created FROM learners ORDER BY name")
            return [Learner(i, n, _parse_time(c)) for i, n, c in rows]

    def default_learner(self) -> Learner:
        return self.add_learner(DEFAULT_LEARNER, exist_ok=True)

    def add_learner(self, name: str, *, exist_ok: bool = False) -> Learner:
        clean = self._clean_name(name)
        with self._transaction() as db:
            row = db.execute(
                "SELECT id, name, created FROM learners WHERE name = ?", (clean,)
            ).fetchone()
            if row is not None:
                if not exist_ok:
                    raise ProgressError(f"There is already a learner called {row[1]!r}.")
                return Learner(row[0], row[1], _parse_time(row[2]))
            created = _iso(_now())
            cur = db.execute("INSERT INTO learners (name, created) VALUES (?, ?)", (clean, created))
            return Learner(int(cur.lastrowid or 0), clean, _parse_time(created))

    def rename_learner(self, old: str, new: str) -> Learner:
        clean = self._clean_name(new)
        with self._transaction() as db:
            learner_id = self._learner_id(db, old, create=False)
            clash = db.execute(
                "SELECT id FROM learners WHERE name = ? AND id != ?", (clean, learner_id)
            ).fetchone()
            if clash:
                raise ProgressError(f"There is already a learner called {clean!r}.")
            db.execute("UPDATE learners SET name = ? WHERE id = ?", (clean, learner_id))
            created = db.execute(
                "SELECT created FROM learners WHERE id = ?", (learner_id,)
            ).fetchone()[0]
        return Learner(learner_id, clean, _parse_time(created))

    def delete_learner(self, name: str) -> None:
        """Remove a learner and all their attempts (their audio files are not touched)."""
        with self._transaction() as db:
            db.execute(
                "DELETE FROM learners WHERE id = ?", (self._learner_id(db, name, create=False),)
            )

    def _learner_id(self, db: sqlite3.Connection, name: str, *, create: bool) -> int:
        clean = self._clean_name(name)
        row = db.execute("SELECT id FROM learners WHERE name = ?", (clean,)).fetchone()
        if row is not None:
            return int(row[0])
        if not create:
            raise ProgressError(f"There is no learner called {clean!r}.")
        cur = db.execute(
            "INSERT INTO learners (name, created) VALUES (?, ?)", (clean, _iso(_now()))
        )
        return int(cur.lastrowid or 0)

    # -- attempts ------------------------------------------------------------------------

    def record_attempt(
        self,
        learner: str,
        pack: str,
        item: str,
        result: UtteranceResult,
        audio_path: str | os.PathLike[str] | None = None,
        when: datetime | None = None,
    ) -> Attempt:
        """Save one scored attempt, all or nothing. Unknown learners are created."""
        when_text = _iso(when or _now())
        payload = result.to_json()
        phones = [(w.text, p) for w in result.words for p in w.phones]
        audio = str(audio_path) if audio_path is not None else None
        with self._transaction() as db:
            learner_id = self._learner_id(db, learner, create=True)
            cur = db.execute(
                "INSERT INTO attempts (learner_id, pack, item, text, time, total, accuracy, "
                "fluency, completeness, prosodic, phone_count, result_json, audio_path, "
                "model_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    learner_id,
                    pack,
                    item,
                    result.text,
                    when_text,
                    result.total,
                    result.accuracy,
                    result.fluency,
                    result.completeness,
                    result.prosodic,
                    len(phones),
                    payload,
                    audio,
                    result.model_version,
                ),
            )
            attempt_id = int(cur.lastrowid or 0)
            db.executemany(
                "INSERT INTO attempt_phones (attempt_id, position, word, phone, stress, score, "
                "heard, mispronounced) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (attempt_id, i, word, p.phone, p.stress, p.score, p.heard, int(p.mispronounced))
                    for i, (word, p) in enumerate(phones)
                ],
            )
            name = db.execute("SELECT name FROM learners WHERE id = ?", (learner_id,)).fetchone()[0]
        return Attempt(
            attempt_id,
            name,
            pack,
            item,
            result.text,
            _parse_time(when_text),
            result.total,
            result.accuracy,
            result.fluency,
            result.completeness,
            result.prosodic,
            audio,
            payload,
        )

    _ATTEMPT_SQL = (
        "SELECT a.id, l.name, a.pack, a.item, a.text, a.time, a.total, a.accuracy, a.fluency, "
        "a.completeness, a.prosodic, a.audio_path, a.result_json "
        "FROM attempts a JOIN learners l ON l.id = a.learner_id"
    )

    @staticmethod
    def _attempt(row: tuple) -> Attempt:
        return Attempt(row[0], row[1], row[2], row[3], row[4], _parse_time(row[5]), *row[6:])

    def attempts(
        self, learner: str | None = None, pack: str | None = None, item: str | None = None
    ) -> list[Attempt]:
        """Attempts, oldest first; ``None`` filters nothing (``learner=None``: the class)."""
        where, args = [], []
        for column, value in (("l.name", learner), ("a.pack", pack), ("a.item", item)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        sql = self._ATTEMPT_SQL + (" WHERE " + " AND ".join(where) if where else "")
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY a.time, a.id", args).fetchall()
        return [self._attempt(r) for r in rows]

    def attempt_records(self, learner: str, pack: str | None = None) -> list[AttemptRecord]:
        """Attempts with their phone scores, for the practice scheduler (oldest first)."""
        sql = (
            "SELECT a.id, a.pack, a.item, a.time, a.total, p.phone, p.score, p.word "
            "FROM attempts a JOIN learners l ON l.id = a.learner_id "
            "LEFT JOIN attempt_phones p ON p.attempt_id = a.id WHERE l.name = ?"
        )
        args: list[object] = [learner]
        if pack is not None:
            sql += " AND a.pack = ?"
            args.append(pack)
        sql += " ORDER BY a.time, a.id, p.position"
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        grouped: dict[int, tuple[tuple, list[PhoneScore]]] = {}
        for attempt_id, pk, it, time, total, phone, score, word in rows:
            head, phones = grouped.setdefault(attempt_id, ((pk, it, time, total), []))
            if phone is not None:
                phones.append(PhoneScore(phone, score, word))
        return [
            AttemptRecord(pk, it, _parse_time(time), total, tuple(phones))
            for (pk, it, time, total), phones in grouped.values()
        ]

    def phone_history(self, learner: str, phone: str) -> list[PhonePoint]:
        """Per attempt, the learner's mean score for ``phone`` (oldest first)."""
        sql = (
            "SELECT a.time, AVG(p.score), COUNT(*), a.pack, a.item, a.id "
            "FROM attempt_phones p JOIN attempts a ON a.id = p.attempt_id "
            "JOIN learners l ON l.id = a.learner_id WHERE l.name = ? AND p.phone = ? "
            "GROUP BY a.id ORDER BY a.time, a.id"
        )
        with self._lock:
            rows = self._db.execute(sql, (learner, phone.upper())).fetchall()
        return [
            PhonePoint(_parse_time(t), float(s), int(n), pk, it, int(i))
            for t, s, n, pk, it, i in rows
        ]

    def phones_practised(self, learner: str) -> dict[str, tuple[int, float]]:
        """``{phone: (times heard, mean score)}`` over all of a learner's attempts."""
        sql = (
            "SELECT p.phone, COUNT(*), AVG(p.score) FROM attempt_phones p "
            "JOIN attempts a ON a.id = p.attempt_id JOIN learners l ON l.id = a.learner_id "
            "WHERE l.name = ? GROUP BY p.phone ORDER BY p.phone"
        )
        with self._lock:
            rows = self._db.execute(sql, (learner,)).fetchall()
        return {phone: (int(n), float(mean)) for phone, n, mean in rows}

    def phone_rows(self, attempt_id: int) -> list[tuple[str, str, float]]:
        """``(word, phone, score)`` of one attempt, in order."""
        with self._lock:
            return [
                tuple(r)
                for r in self._db.execute(
                    "SELECT word, phone, score FROM attempt_phones WHERE attempt_id = ? "
                    "ORDER BY position",
                    (attempt_id,),
                )
            ]

    def check_attempts_complete(self) -> list[str]:
        """Attempts whose phone rows or JSON do not match (should never happen)."""
        problems = []
        with self._lock:
            rows = self._db.execute(
                "SELECT a.id, a.phone_count, a.result_json, "
                "(SELECT COUNT(*) FROM attempt_phones p WHERE p.attempt_id = a.id) "
                "FROM attempts a"
            ).fetchall()
        for attempt_id, expected, payload, found in rows:
            if expected != found:
                problems.append(f"attempt {attempt_id}: {found} of {expected} phone rows")
            try:
                if len(UtteranceResult.from_json(payload).phones) != expected:
                    problems.append(f"attempt {attempt_id}: JSON disagrees with phone_count")
            except (ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
                problems.append(f"attempt {attempt_id}: bad result JSON ({exc})")
        return problems
