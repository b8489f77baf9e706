"""Blending two scoring heads into one ONNX graph (``python -m tutor.train.head_mix``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnx")

from tutor.scoring.head_inputs import head_inputs  # noqa: E402
from tutor.scoring.model import ScoringHead  # noqa: E402
from tutor.train.head_mix import main  # noqa: E402


def _inputs() -> dict[str, np.ndarray]:
    from tutor.scoring.gop import PHONE_FEATURES, UTTERANCE_FEATURES, GopFeatures

    rng = np.random.default_rng(0)
    n = 7
    gop = GopFeatures(
        rng.normal(size=(n, len(PHONE_FEATURES))).astype(np.float32),
        rng.integers(1, 40, n),
        np.array([0, 0, 1, 1, 1, 2, 2]),
        rng.normal(size=len(UTTERANCE_FEATURES)).astype(np.float32),
        ("AA",) * n,
        np.zeros(n, np.float32),
    )
    return head_inputs(gop, 3)


def test_a_head_blended_with_itself_is_the_same_head(scoring_models: Path, tmp_path: Path) -> None:
    head = scoring_models / "head.onnx"
    out = tmp_path / "blend.onnx"
    assert main([str(head), str(head), "--weight", "0.3", "--out", str(out)]) == 0
    a, b = ScoringHead.load(head), ScoringHead.load(out)
    x = _inputs()
    for name, value in a.run(x).items():
        assert np.allclose(b.run(x)[name], value, atol=1e-5)
    assert "blend" in b.metadata and b.test_time_speeds == a.test_time_speeds


def test_blending_refuses_a_model_that_is_not_a_head(
    scoring_models: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "blend.onnx"
    args = [str(scoring_models / "acoustic.onnx"), str(scoring_models / "head.onnx")]
    assert main([*args, "--weight", "0.5", "--out", str(out)]) == 2
    assert "error:" in capsys.readouterr().err and not out.exists()
    assert main([*args[::-1], "--weight", "1.5", "--out", str(out)]) == 2


def test_the_phone_knee_moves_to_the_green_line_and_keeps_the_ends(
    scoring_models: Path, tmp_path: Path
) -> None:
    head = scoring_models / "head.onnx"
    out = tmp_path / "knee.onnx"
    assert main([str(head), str(head), "--weight", "0.5", "--phone-knee", "1.0",
                 "--out", str(out)]) == 0  # fmt: skip
    x = _inputs()
    raw = ScoringHead.load(head).run(x)["phone_score"]
    knee = ScoringHead.load(out).run(x)["phone_score"]
    expected = np.clip(np.minimum(raw * 1.5, 1.5 + (raw - 1.0) * 0.5), 0, 2)
    assert np.allclose(knee, expected, atol=1e-5)
    # word and sentence outputs are untouched
    assert np.allclose(
        ScoringHead.load(out).run(x)["word_scores"],
        ScoringHead.load(head).run(x)["word_scores"],
        atol=1e-5,
    )


def test_the_confusion_line_is_written_only_when_given(
    scoring_models: Path, tmp_path: Path, capsys
) -> None:
    head, out = scoring_models / "head.onnx", tmp_path / "line.onnx"
    pair = [str(head), str(head), "--weight", "0.5", "--out", str(out)]
    assert main([*pair, "--confusion-line", "3.3"]) == 0
    assert ScoringHead.load(out).confusion_line == pytest.approx(3.3)
    assert main(pair) == 0  # a new blend is calibrated anew: no line inherited
    assert ScoringHead.load(out).confusion_line == float("inf")
    assert main([*pair, "--confusion-line", "0"]) == 2
    assert "--confusion-line" in capsys.readouterr().err


def test_a_blended_head_is_re_calibrated_at_a_new_knee(
    scoring_models: Path, tmp_path: Path
) -> None:
    """A borrowed head's knee is re-fitted for a new student: the same as blending the two
    heads at that knee, without them; a head that was not blended is refused."""
    import onnx

    from tutor.train.head_mix import knee_of, with_knee

    head = scoring_models / "head.onnx"
    at_1, at_1_3 = tmp_path / "k1.onnx", tmp_path / "k13.onnx"
    for knee, out in ((1.0, at_1), (1.3, at_1_3)):
        assert main([str(head), str(head), "--weight", "0.5", "--phone-knee", str(knee),
                     "--out", str(out)]) == 0  # fmt: skip
    assert knee_of(onnx.load(str(at_1))) == pytest.approx(1.0)
    moved = tmp_path / "moved.onnx"
    onnx.save(with_knee(onnx.load(str(at_1)), 1.3), str(moved))
    assert knee_of(onnx.load(str(moved))) == pytest.approx(1.3)
    x = _inputs()
    assert np.allclose(
        ScoringHead.load(moved).run(x)["phone_score"],
        ScoringHead.load(at_1_3).run(x)["phone_score"],
        atol=1e-5,
    )
    assert ScoringHead.load(moved).metadata == ScoringHead.load(at_1).metadata
    with pytest.raises(ValueError, match="not a blended head"):
        with_knee(onnx.load(str(scoring_models / "acoustic.onnx")), 1.3)
