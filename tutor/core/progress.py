"""The learners and their attempts: the progress store when there is one, else memory only.

The current learner lives here, and only here; everything that reads or writes attempts
goes through :class:`Progress` for it. A progress file opened with :meth:`Progress.open` is
kept by a :class:`~tutor.progress.durability.ProgressKeeper` (integrity check, a damaged
file set aside, rolling backups, a plain reason for every save that failed).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from tutor.practice import record_from_result
from tutor.progress.durability import ProgressKeeper
from tutor.progress.records import AttemptRecord
from tutor.progress.store import DEFAULT_LEARNER, Attempt, ProgressError, ProgressStore
from tutor.scoring.result import UtteranceResult

log = logging.getLogger(__name__)

#: what a store can raise when its file is damaged, locked or gone
STORE_ERRORS = (ProgressError, OSError, sqlite3.Error, ValueError)


class Progress:
    """One learner's attempts (``learner``), read from and written to ``store``.

    Without a store (none given, or the file could not be opened: see ``problem``) the
    attempts of this run are kept in memory. Reading or writing errors are logged and never
    stop practice: a failed write keeps the attempt in memory for this run (and says why in
    ``last_error``).
    """

    def __init__(
        self,
        store: ProgressStore | None = None,
        learner: str = DEFAULT_LEARNER,
        problem: str = "",
        keeper: ProgressKeeper | None = None,
    ) -> None:
        #: the progress file's keeper (checks, backups, what failed); ``None``: a bare store
        self.keeper = keeper
        self.store = keeper.store if keeper is not None else store
        self.learner = learner
        self._problem = problem  # why there is no store, when opening one failed
        self._last_error = ""
        self._memory: list[tuple[Attempt, AttemptRecord]] = []

    @classmethod
    def open(cls, path: str | os.PathLike[str], learner: str = DEFAULT_LEARNER) -> Progress:
        """The progress file at ``path`` (a damaged one is set aside and a new one started,
        the last good backup offered), or memory only (with ``problem`` set) if it is
        unusable."""
        try:
            keeper = ProgressKeeper.open(path)
        except (ProgressError, OSError, sqlite3.Error) as exc:
            log.warning("Progress store unavailable: %s", exc)
            return cls(None, learner, problem=str(exc))
        if keeper.problem:
            log.warning("Progress: %s", keeper.problem)
        return cls(learner=learner, keeper=keeper)

    @property
    def problem(self) -> str:
        """What to tell the learner about saving progress at start ("" when all is well)."""
        return self.keeper.problem if self.keeper is not None else self._problem

    @property
    def last_error(self) -> str:
        """Why the latest attempt was not saved ("" when it was)."""
        return self.keeper.last_error if self.keeper is not None else self._last_error

    def restore_backup(self) -> int:
        """Restore the offered backup (see ``ProgressKeeper.restore_backup``); returns how
        many attempts of this run were carried over."""
        if self.keeper is None:
            raise ProgressError("There is no backup to restore.")
        carried = self.keeper.restore_backup()
        self.store = self.keeper.store
        return carried

    # -- learners ------------------------------------------------------------------------

    def learners(self) -> list[str]:
        """Every learner's name (just the current one without a store)."""
        if self.store is None:
            return [self.learner]
        try:
            names = [lr.name for lr in self.store.learners()]
        except STORE_ERRORS as exc:
            log.warning("Could not read the learners: %s", exc)
            return [self.learner]
        return names if self.learner in names else [*names, self.learner]

    def switch_learner(self, name: str) -> None:
        """Practise as ``name`` from now on (created in the store on first use)."""
        if self.store is not None:
            self.learner = self.store.add_learner(name, exist_ok=True).name
        else:
            self.learner = " ".join(name.split()) or self.learner

    # -- attempts ------------------------------------------------------------------------

    def attempts(self, pack: str, item: str) -> list[Attempt]:
        """The current learner's attempts at one item, oldest first."""
        mine = [
            a for a, _ in self._memory if (a.learner, a.pack, a.item) == (self.learner, pack, item)
        ]
        if self.store is None:
            return mine
        try:
            return [*self.store.attempts(self.learner, pack, item), *mine]
        except STORE_ERRORS as exc:
            log.warning("Could not read past attempts: %s", exc)
            return mine

    def records(self, pack: str) -> list[AttemptRecord]:
        """The current learner's attempts at ``pack``'s items with phone scores (oldest
        first): what a practice session plans from."""
        mine = [r for a, r in self._memory if a.learner == self.learner and r.pack == pack]
        if self.store is None:
            return mine
        try:
            return [*self.store.attempt_records(self.learner, pack), *mine]
        except STORE_ERRORS as exc:
            log.warning("Could not read past attempts: %s", exc)
            return mine

    def record(self, pack: str, item: str, result: UtteranceResult, audio: Path | None) -> Attempt:
        """Keep one scored attempt (in the store when there is one; in memory for this run
        when it cannot be saved, with the reason in ``last_error``)."""
        if self.keeper is not None:
            saved = self.keeper.save_attempt(
                learner=self.learner, pack=pack, item=item, result=result, audio_path=audio
            )
            if saved is not None:
                return saved
            if self.store is not None:  # a progress file was wanted but cannot be used
                log.warning("Could not save the attempt: %s", self.keeper.last_error)
        elif self.store is not None:
            try:
                attempt = self.store.record_attempt(
                    learner=self.learner, pack=pack, item=item, result=result, audio_path=audio
                )
            except STORE_ERRORS as exc:
                log.warning("Could not save the attempt: %s", exc)
                self._last_error = f"Progress not saved: {exc}"
            else:
                self._last_error = ""
                return attempt
        when = datetime.now(UTC)
        attempt = Attempt(
            -len(self._memory) - 1,
            self.learner,
            pack,
            item,
            result.text,
            when,
            result.total,
            result.accuracy,
            result.fluency,
            result.completeness,
            result.prosodic,
            str(audio) if audio is not None else None,
            result.to_json(),
        )
        self._memory.append((attempt, record_from_result(pack, item, result, when)))
        return attempt
