"""``tutor bench`` reads speechocean762 as its release unpacks (``WAVE/``, ``resource/``,
Kaldi lists per split) and in the converted layout; a missing or partial corpus is one
clear line naming what is missing. The corpora here are tiny fakes made from the bundled
sample (real learner speech, so the scorer has something to align)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tutor.cli import main
from tutor.commands import bench as bench_command
from tutor.paths import assets_dir
from tutor.scoring.speechocean import labels_path, load_split

# utterance id -> (speaker, split, gain): two speakers per split, as in the release
UTTERANCES = {
    "000010011": ("0001", "train", 1.0),
    "000010035": ("0001", "train", 0.5),
    "000020011": ("0002", "test", 0.8),
    "000030011": ("0003", "test", 0.6),
}


def _labels(k: int) -> dict:
    sample = json.loads((assets_dir() / "samples" / "sample.json").read_text())
    words = []
    for j, w in enumerate(sample["expert_scores"]["words"]):
        acc = [max(0.0, s - 0.4 * ((j + k) % 3 == 0)) for s in w["phones-accuracy"]]
        word_score = round(10 * min(acc) / 2)
        words.append({**w, "phones-accuracy": acc, "accuracy": word_score, "stress": 10,
                      "total": word_score, "mispronunciations": []})  # fmt: skip
    if k == 1:  # some releases write a word's phones as one string
        words[1]["phones"] = " ".join(words[1]["phones"])
    total = 6 + k
    return {"text": sample["text"].upper(), "accuracy": total, "completeness": 10.0,
            "fluency": total, "prosodic": total, "total": total, "words": words}  # fmt: skip


def _speech(gain: float) -> tuple[np.ndarray, int]:
    """The sample at another loudness, as 16-bit integers (written exactly by WAV and FLAC)."""
    audio, rate = sf.read(str(assets_dir() / "samples" / "sample.flac"), dtype="int16")
    return np.round(audio * gain).astype(np.int16), rate


def make_release(root: Path) -> Path:
    """speechocean762 as the OpenSLR archive unpacks: WAVE/, resource/, train/, test/."""
    scores, lists = {}, {"train": [], "test": []}
    for k, (utt, (spk, split, gain)) in enumerate(UTTERANCES.items()):
        wav = root / "WAVE" / f"SPEAKER{spk}" / f"{utt}.WAV"
        wav.parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(wav), *_speech(gain), subtype="PCM_16", format="WAV")
        scores[utt] = _labels(k)
        lists[split].append((utt, spk, f"WAVE/SPEAKER{spk}/{utt}.WAV", scores[utt]["text"]))
    (root / "resource").mkdir()
    (root / "resource" / "scores.json").write_text(json.dumps(scores, indent=1))
    for split, rows in lists.items():
        (root / split).mkdir()
        (root / split / "wav.scp").write_text("".join(f"{u}\t{p}\n" for u, _, p, _ in rows))
        (root / split / "utt2spk").write_text("".join(f"{u}\t{s}\n" for u, s, _, _ in rows))
        (root / split / "text").write_text("".join(f"{u}\t{t}\n" for u, _, _, t in rows))
    return root


def make_converted(root: Path) -> Path:
    """The converted layout: SPLIT/audio/SPEAKER/UTT.flac and SPLIT/scores.json."""
    scores: dict[str, dict] = {"train": {}, "test": {}}
    for k, (utt, (spk, split, gain)) in enumerate(UTTERANCES.items()):
        flac = root / split / "audio" / f"SPEAKER{spk}" / f"{utt}.flac"
        flac.parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(flac), *_speech(gain), subtype="PCM_16", format="FLAC")
        scores[split][utt] = _labels(k)
    for split, labels in scores.items():
        (root / split / "scores.json").write_text(json.dumps(labels))
    return root


def _bench(data: Path, out: Path, split: str = "test") -> dict:
    assert main(["bench", "--data", str(data), "--split", split, "--json", str(out)]) == 0
    return json.loads(out.read_text())


def test_both_layouts_give_the_same_utterances_and_the_same_figures(
    tmp_path: Path, scoring_models: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    release = make_release(tmp_path / "speechocean762")
    converted = make_converted(tmp_path / "converted")
    for split in ("train", "test"):
        a, b = load_split(release, split), load_split(converted, split)
        assert [u.utt_id for u in a] == [u.utt_id for u in b]
        assert [u.speaker for u in a] == [f"SPEAKER{UTTERANCES[u.utt_id][0]}" for u in a]
        assert [u.words for u in a] == [u.words for u in b]  # "W IY0" strings read as lists
    assert labels_path(release, "test") == release / "resource" / "scores.json"
    assert labels_path(converted, "test") == converted / "test" / "scores.json"

    from_release = _bench(release, tmp_path / "a.json")
    assert "phone_pcc" in capsys.readouterr().out  # the metrics are printed
    from_converted = _bench(converted, tmp_path / "b.json")
    assert from_release["n_utterances"] == from_converted["n_utterances"] == 2
    n_phones = sum(len(w["phones"]) for w in _labels(0)["words"])
    assert from_release["n_phones"] == from_converted["n_phones"] == 2 * n_phones
    for key in ("phone_pcc", "phone_mse", "word_accuracy_pcc"):  # same audio, same labels
        assert from_release[key] == pytest.approx(from_converted[key], abs=1e-6), key
    # the folder the archive was unpacked in works too
    assert _bench(tmp_path, tmp_path / "c.json", "train")["n_utterances"] == 2


def _error(data: Path, capsys: pytest.CaptureFixture[str], split: str = "test") -> str:
    assert main(["bench", "--data", str(data), "--split", split]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def test_a_missing_or_partial_release_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _error(tmp_path / "nowhere", capsys)
    assert "No corpus folder" in err and "openslr.org/101" in err

    root = make_release(tmp_path / "speechocean762")
    err = _error(root, capsys, split="dev")
    assert "No split folder" in err and "splits found: test, train" in err
    assert "openslr.org/101" in err

    (root / "WAVE" / "SPEAKER0003" / "000030011.WAV").unlink()
    err = _error(root, capsys)
    assert "1 of the 2 audio files" in err and "000030011.WAV" in err
    assert "not fully unpacked" in err

    (root / "test" / "wav.scp").unlink()
    assert "test/wav.scp is missing" in _error(root, capsys)

    (root / "resource" / "scores.json").unlink()
    assert "resource/scores.json is missing" in _error(root, capsys, split="train")


def test_a_partial_converted_corpus_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_converted(tmp_path / "so762")
    err = _error(root, capsys, split="dev")
    assert "No split folder" in err and "splits found: test, train" in err
    (root / "test" / "scores.json").unlink()
    assert "test/scores.json is missing" in _error(root, capsys)
    for flac in (root / "train" / "audio").glob("*/*.flac"):
        flac.unlink()
    assert "No audio under" in _error(root, capsys, split="train")


def test_progress_is_a_bar_on_a_terminal_and_plain_lines_in_a_log(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    log, terminal = io.StringIO(), Terminal()
    monkeypatch.setattr(sys, "stderr", log)
    for done in range(1, 121):
        bench_command._progress(done, 120)
    assert "\r" not in log.getvalue()
    assert log.getvalue().splitlines() == ["scoring 50/120", "scoring 100/120", "scoring 120/120"]

    monkeypatch.setattr(sys, "stderr", terminal)
    for done in range(1, 4):
        bench_command._progress(done, 3)
    assert terminal.getvalue().count("\r") == 3 and terminal.getvalue().endswith("3/3\n")
