"""Where ``python -m tutor.train.synth`` takes its prompts: the built-in lessons, plus a
speechocean762 folder given with ``--data`` (no machine-specific default); a folder that is
not there is a clear error, never a silent fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.train.synth import (
    SynthError,
    build_texts,
    common_words,
    corpus_texts,
    lesson_texts,
    main,
)

ROOT = Path(__file__).resolve().parent.parent


def _corpus(root: Path, release: bool) -> Path:
    (root / "train").mkdir(parents=True)
    (root / "train" / "text").write_text("000010011\tWE CALL IT BEAR\n000010035\tSHE SEES\n")
    lexicon = root / "resource" / "lexicon.txt" if release else root / "lexicon.txt"
    lexicon.parent.mkdir(exist_ok=True)
    lexicon.write_text("BEAR B EH0 R\nCALL K AO0 L\n")
    return root


def test_without_data_the_prompts_come_from_the_lessons_only() -> None:
    lessons = set(lesson_texts())
    assert lessons
    texts = build_texts(n_words=0, n_sentences=10, seed=1)
    assert len(texts) == 10 and set(texts) <= lessons


@pytest.mark.parametrize("release", [False, True])
def test_a_corpus_adds_its_prompts_and_words(tmp_path: Path, release: bool) -> None:
    data = _corpus(tmp_path / "so762", release)
    n_lessons = len(lesson_texts())  # all lesson texts lead the sentence pool
    assert corpus_texts(data) == ["WE CALL IT BEAR", "SHE SEES"]
    assert common_words(data) == ["bear", "call"]
    texts = build_texts(n_words=0, n_sentences=n_lessons + 2, seed=0, data_dir=data)
    assert {"WE CALL IT BEAR", "SHE SEES"} <= set(texts)


def test_missing_folders_are_clear_errors(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SynthError, match="train/text is missing"):
        build_texts(1, 1, data_dir=tmp_path / "nowhere")
    with pytest.raises(SynthError, match="no lessons folder"):
        build_texts(1, 1, lessons_dir=tmp_path / "no-lessons")
    code = main(["--out", str(tmp_path / "out"), "--data", str(tmp_path / "nowhere")])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("synth: ") and "nowhere" in err
    assert not (tmp_path / "out").exists()


def test_no_machine_specific_paths_in_the_code() -> None:
    for path in sorted((ROOT / "tutor").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for needle in ("/work/", "/home/", "/Users/", "C:\\\\Users"):
            assert needle not in text, f"{path.relative_to(ROOT)} holds a path of one machine"
