"""What the teacher's phone model learns from, and how the acoustic models alone are
measured against the experts (no audio: posteriors made up frame by frame)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tutor.scoring.phones import PHONE_INDEX, PHONE_SET, SILENCE
from tutor.scoring.speechocean import LabelledUtterance, LabelledWord

PHONES = ("TH", "IH", "NG", "K")
FRAMES = 6  # each phone's frames in the made-up posteriors


def _utt(scores: tuple[float, ...]) -> LabelledUtterance:
    word = LabelledWord("thing", PHONES, scores, 10.0, 10.0, 10.0)
    return LabelledUtterance("u1", "s1", Path("u1.wav"), "THING", (word,), 10, 10, 10, 10, 10)


def _posteriors(heard: tuple[str, ...]) -> np.ndarray:
    """Silence, then each phone of ``heard`` for FRAMES frames, then silence."""
    frames = [SILENCE] * 4 + [p for p in heard for _ in range(FRAMES)] + [SILENCE] * 4
    log_post = np.full((len(frames), len(PHONE_SET)), -8.0, np.float32)
    for t, phone in enumerate(frames):
        log_post[t, PHONE_INDEX[phone]] = -0.01
    return log_post


def test_a_phone_the_experts_found_wrong_teaches_the_teacher_nothing() -> None:
    from tutor.train.teacher_phones import IGNORED, aligned_labels

    log_post = _posteriors(PHONES)
    utt = _utt((0.4, 2.0, 2.0, 1.8))  # the learner said something else for TH
    plain = aligned_labels(log_post, utt)
    trusted = aligned_labels(log_post, utt, trusted=1.5)
    th = plain == PHONE_INDEX["TH"]
    assert th.sum() >= FRAMES - 1  # the canonical label sits on the wrong sound...
    assert (trusted[th] == IGNORED).all()  # ...and is dropped when trusted
    assert (trusted[~th] == plain[~th]).all()  # every other frame keeps its label
    assert not (aligned_labels(log_post, _utt((2.0,) * 4), trusted=1.5) == IGNORED).any()


def test_experts_auc_rewards_a_model_that_hears_the_experts_errors() -> None:
    from tutor.train.margin_check import experts_auc

    rated = [_utt((2.0, 2.0, 0.5, 2.0)), _utt((1.0, 2.0, 2.0, 2.0))]
    heard = {  # what each take really sounded like, by the experts' scores
        id(rated[0]): _posteriors(("TH", "IH", "N", "K")),
        id(rated[1]): _posteriors(("S", "IH", "NG", "K")),
    }
    assert experts_auc(rated, lambda u: heard[id(u)]) == 1.0
    # a model that hears every canonical phone as said cannot rank the errors
    assert experts_auc(rated, lambda u: _posteriors(PHONES)) == 0.5
    assert np.isnan(experts_auc(rated, lambda u: None))


def test_the_synthetic_takes_own_substitutions_are_the_swaps() -> None:
    from tutor.train.margin_check import summarise, synth_margins

    said_s = {"id": "a", "words": [{"canonical": ["TH", "IH1", "NG", "K"],
                                    "spoken": ["S", "IH1", "NG", "K"]}]}  # fmt: skip
    right = {"id": "b", "words": [{"canonical": list(PHONES), "spoken": list(PHONES)}]}
    dropped = {"id": "c", "words": [{"canonical": list(PHONES), "spoken": ["TH", "IH1", "NG"]}]}
    heard = {"a": _posteriors(("S", "IH", "NG", "K")), "b": _posteriors(PHONES),
             "c": _posteriors(("TH", "IH", "NG"))}  # fmt: skip
    m = synth_margins([said_s, right, dropped, {"id": "d"}], lambda r: heard[r["id"]])
    assert len(m.swapped) == 1 and m.named.tolist() == [True]  # the take that drops K is out
    assert m.classes.tolist() == ["TH/DH"]
    assert m.swapped[0] > m.untouched.max()  # S heard where TH was expected
    assert summarise(m).caught == 1.0
    # an ear that hears the canonical TH there misses it
    deaf = synth_margins([said_s], lambda r: _posteriors(PHONES))
    assert deaf.swapped[0] < 0 and summarise(deaf).swaps == 1


def test_a_teacher_labelled_one_way_is_not_extended_another_way(tmp_path: Path) -> None:
    import json

    import pytest

    from tutor.train.teacher_phones import OPTIONS_FILE, main, trained_with

    assert trained_with(tmp_path) == {"trusted": None}  # a teacher from before the file
    (tmp_path / "phones.pt").touch()
    (tmp_path / OPTIONS_FILE).write_text(json.dumps({"trusted": 1.5}))
    assert trained_with(tmp_path) == {"trusted": 1.5}
    argv = ["--data", str(tmp_path), "--teacher", str(tmp_path), "--models", str(tmp_path)]
    with pytest.raises(SystemExit) as stop:  # its fold models would learn other labels
        main([*argv, "--cross-fit", "4"])
    assert stop.value.code == 2
