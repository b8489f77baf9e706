"""Cross-fitted teacher phone models: a training speaker's targets come from the fold model
that never trained on them (torch; the train extra)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tutor.scoring.phones import PHONE_INDEX  # noqa: E402
from tutor.train.dataset import speaker_fold, valid_speakers  # noqa: E402
from tutor.train.teacher_phones import (  # noqa: E402
    DIM,
    FOLDS_DIR,
    TeacherPhoneNet,
    fold_models,
    teacher_digest,
    teacher_posteriors,
)


@dataclass(frozen=True)
class Utt:
    utt_id: str
    audio: Path
    speaker: str


def _net_saying(phone: str, path: Path) -> None:
    """A phone model that hears ``phone`` in every frame."""
    net = TeacherPhoneNet()
    with torch.no_grad():
        last = net.conv[-1]
        last.weight.zero_()
        last.bias.fill_(-10.0)
        last.bias[PHONE_INDEX[phone]] = 10.0
    torch.save(net.state_dict(), path)


def test_training_speakers_are_heard_by_the_fold_model_that_never_trained_on_them(
    tmp_path: Path,
) -> None:
    (tmp_path / "frames").mkdir()
    training = [f"SPEAKER9{k:03d}" for k in range(40)]
    held_out = sorted(valid_speakers())[0]
    utts = [Utt(f"u{k}", tmp_path / "x.wav", s) for k, s in enumerate([*training, held_out])]
    for u in utts:
        np.save(tmp_path / "frames" / f"{u.utt_id}.npy", np.zeros((5, DIM), np.float16))
    _net_saying("AA", tmp_path / "phones.pt")
    plain = teacher_digest(tmp_path)
    assert fold_models(tmp_path) == []
    (tmp_path / FOLDS_DIR).mkdir()
    fold_phones = ["B", "D"]
    for k, phone in enumerate(fold_phones):
        _net_saying(phone, tmp_path / FOLDS_DIR / f"fold{k}of2.pt")
    assert len(fold_models(tmp_path)) == 2 and teacher_digest(tmp_path) != plain

    post = teacher_posteriors(tmp_path)
    for u in utts[:-1]:
        heard = post(u, 1.0)
        assert heard is not None
        assert set(heard.argmax(1)) == {PHONE_INDEX[fold_phones[speaker_fold(u.speaker, 2)]]}
    assert {speaker_fold(s, 2) for s in training} == {0, 1}  # both folds were exercised
    validation = post(utts[-1], 1.0)  # a held-out speaker: the full model
    assert validation is not None and set(validation.argmax(1)) == {PHONE_INDEX["AA"]}
    assert post(utts[0], 0.9) is None  # speed copies are warped from speed 1 elsewhere


def test_an_incomplete_set_of_folds_is_not_used(tmp_path: Path) -> None:
    (tmp_path / FOLDS_DIR).mkdir(parents=True)
    _net_saying("B", tmp_path / FOLDS_DIR / "fold1of2.pt")  # fold 0 still training
    assert fold_models(tmp_path) == []
