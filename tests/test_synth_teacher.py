"""Synthetic takes for distillation: the hard labels are the phones spoken (not the prompt's),
from the engine's times or, for espeak-ng, a forced alignment of the spoken phones."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from tutor.scoring.audio import load_audio  # noqa: E402
from tutor.scoring.features import log_mel  # noqa: E402
from tutor.scoring.model import AcousticModel  # noqa: E402
from tutor.scoring.phones import PHONE_INDEX, PHONE_SET, SILENCE, split_stress  # noqa: E402
from tutor.train import synth  # noqa: E402
from tutor.train.synth_teacher import SynthTake, read_takes, take_labels  # noqa: E402


def _runs(labels: np.ndarray) -> list[str]:
    """The phones of ``labels`` in order, each run once, silence left out."""
    out: list[str] = []
    for k in labels:
        phone = PHONE_SET[int(k)]
        if phone != SILENCE and (not out or out[-1] != phone):
            out.append(phone)
    return out


def _labels(take: SynthTake, acoustic: AcousticModel) -> np.ndarray:
    return take_labels(take, log_mel(load_audio(take.audio).samples, acoustic.features), acoustic)


def _merged(phones: list[str]) -> list[str]:
    base = [split_stress(p)[0] for p in phones]
    return [p for k, p in enumerate(base) if k == 0 or base[k - 1] != p]


@pytest.mark.skipif(
    shutil.which("flite") is None or shutil.which("espeak-ng") is None,
    reason="flite and espeak-ng make the takes",
)
def test_synthetic_takes_are_labelled_with_the_phones_spoken(
    tmp_path: Path, scoring_models: Path
) -> None:
    args = ["--out", str(tmp_path), "--words", "6", "--sentences", "2", "--seed", "4"]
    assert synth.main([*args, "--engines", "flite,espeak", "--mispronounce", "1.0"]) == 0
    records = [json.loads(line) for line in (tmp_path / "manifest.jsonl").read_text().splitlines()]
    takes = read_takes(tmp_path / "manifest.jsonl")
    assert len(takes) == len(records) > 0
    acoustic = AcousticModel.load(scoring_models / "acoustic.onnx")
    engines = set()
    for take, record in zip(takes, records, strict=True):
        spoken = [p for w in take.words for p in w]
        assert spoken == [p for w in record["words"] for p in w["spoken"]]
        labels = take_labels(
            take, log_mel(load_audio(take.audio).samples, acoustic.features), acoustic
        )
        assert _runs(labels) == _merged(spoken), record["id"]
        engines.add(record["engine"])
    assert engines == {"flite", "espeak"}  # times from the engine and from the alignment
    said = [r for r in records if r["errors"]]
    assert said, "with --mispronounce 1.0 the takes hold errors"
    # the label is the sound said, not the prompt's: an error's "to" phone is in the labels
    err = said[0]["errors"][0]
    if err["kind"] == "substitution":
        take = takes[records.index(said[0])]
        labels = take_labels(
            take, log_mel(load_audio(take.audio).samples, acoustic.features), acoustic
        )
        assert split_stress(err["to"])[0] in _runs(labels)


def test_swapped_origins_count_the_spoken_phones_after_inserted_and_dropped_ones() -> None:
    from tutor.train.synth_teacher import swapped_origins

    record = {"words": [
        {"canonical": ["AO1", "L", "D"], "spoken": ["AO1", "L"]},  # "old" loses its D
        {"canonical": ["B", "IH1", "G"], "spoken": ["B", "IH1", "G", "AH0"]},  # gains a vowel
        {"canonical": ["V", "EH1", "R", "IY0"], "spoken": ["W", "EH1", "R", "IY0"]}],
        "errors": [
            {"word_index": 0, "canonical_index": 2, "kind": "deletion", "from": "D", "to": None},
            {"word_index": 1, "canonical_index": 3, "kind": "insertion", "from": None, "to": "AH0"},
            {"word_index": 2, "canonical_index": 0, "kind": "substitution", "from": "V", "to": "W"},
        ]}  # fmt: skip
    assert swapped_origins(record) == ((6, "V"),)  # AO L | B IH G AH | *W* EH R IY
    record["errors"][2]["from"] = "F"  # does not match the prompt: not trusted at all
    assert swapped_origins(record) == ()
    assert swapped_origins({"words": "garbage"}) == ()


def test_swapped_frames_mark_the_swapped_phone_even_between_equal_neighbours() -> None:
    from tutor.train.synth_teacher import swapped_prompt_phones

    def swapped_frames(labels: np.ndarray, positions: tuple, spoken: tuple) -> np.ndarray:
        return swapped_prompt_phones(labels, positions, spoken, ("V",) * len(positions)) >= 0

    labels = np.array([PHONE_INDEX[p] for p in ["SIL", "W", "W", "EH", "R", "R", "IY", "SIL"]])
    spoken = ("W", "EH", "R", "IY1")
    assert swapped_frames(labels, (0,), spoken).tolist() == [0, 1, 1, 0, 0, 0, 0, 0]
    assert swapped_frames(labels, (3,), spoken).nonzero()[0].tolist() == [6]
    # "S S" run together ("this sink"): the run is shared, the second S gets its half
    labels = np.array([PHONE_INDEX[p] for p in ["SIL", "IH", "S", "S", "S", "S", "IH", "SIL"]])
    assert swapped_frames(labels, (2,), ("IH", "S", "S", "IH")).nonzero()[0].tolist() == [4, 5]
    assert not swapped_frames(labels, (0,), ("W", "EH", "R")).any()  # labels of another take


def test_swapped_prompt_phones_name_the_phone_the_prompt_asked_for_on_the_swap() -> None:
    from tutor.train.synth_teacher import swapped_origins, swapped_prompt_phones

    record = {"words": [
        {"canonical": ["TH", "IH1", "NG", "K"], "spoken": ["S", "IH1", "NG", "K"]}],
        "errors": [
            {"word_index": 0, "canonical_index": 0, "kind": "substitution",
             "from": "TH", "to": "S"}]}  # fmt: skip
    assert swapped_origins(record) == ((0, "TH"),)
    labels = np.array([PHONE_INDEX[p] for p in ["SIL", "S", "S", "IH", "NG", "K", "SIL"]])
    spoken = ("S", "IH1", "NG", "K")
    th = PHONE_INDEX["TH"]
    assert swapped_prompt_phones(labels, (0,), spoken, ("TH",)).tolist() == [
        -1, th, th, -1, -1, -1, -1]  # fmt: skip
    # labels of another take: no frame is marked
    assert (swapped_prompt_phones(labels, (0,), ("W", "EH"), ("V",)) == -1).all()
