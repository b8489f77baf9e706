"""The scoring head ensemble: the mean of its members, exported as one ONNX graph that the
runtime's head contract loads, for any number of phones and words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tutor.scoring.gop import PHONE_FEATURES, UTTERANCE_FEATURES  # noqa: E402
from tutor.scoring.head_inputs import word_membership  # noqa: E402
from tutor.scoring.model import ScoringHead  # noqa: E402
from tutor.train.head import HeadEnsemble, ScoringHeadNet, export_head  # noqa: E402


def _stats() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    nf, nu = len(PHONE_FEATURES), len(UTTERANCE_FEATURES)
    return {
        "feat_mean": rng.normal(size=nf), "feat_std": rng.uniform(0.5, 2, nf),
        "utt_mean": rng.normal(size=nu), "utt_std": rng.uniform(0.5, 2, nu),
    }  # fmt: skip


def _inputs(n_phones: int, word_ids: list[int], seed: int = 1):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=(1, n_phones, len(PHONE_FEATURES))).astype(np.float32),
        rng.integers(1, 40, size=(1, n_phones)).astype(np.int64),
        word_membership(np.array(word_ids), max(word_ids) + 1)[None],
        rng.normal(size=(1, len(UTTERANCE_FEATURES))).astype(np.float32),
    )


def _members(k: int) -> list[ScoringHeadNet]:
    members = []
    for seed in range(k):
        torch.manual_seed(seed)
        members.append(ScoringHeadNet(_stats(), d=16).eval())
    return members


def test_ensemble_is_the_mean_of_its_members() -> None:
    members = _members(3)
    inputs = [torch.from_numpy(x) for x in _inputs(7, [0, 0, 1, 1, 1, 2, 2])]
    with torch.no_grad():
        each = [m(*inputs) for m in members]
        together = HeadEnsemble(members).eval()(*inputs)
    for k, out in enumerate(together):
        expected = torch.stack([e[k] for e in each]).mean(0)
        assert torch.allclose(out, expected, atol=1e-6)
    # the members really differ, so the mean is not trivially any one of them
    assert not torch.allclose(each[0][0], each[1][0])


def test_exported_ensemble_matches_torch_at_other_lengths(tmp_path: Path) -> None:
    ensemble = HeadEnsemble(_members(2)).eval()
    path = export_head(ensemble, tmp_path / "head.onnx", {"version": "test"})
    head = ScoringHead.load(path, threads=1)
    for word_ids in ([0, 0, 0], [0, 1, 1, 2, 3, 3, 3, 4, 5, 5, 5, 5, 6, 7, 7, 7, 7, 8]):
        arrays = _inputs(len(word_ids), word_ids, seed=len(word_ids))
        names = ("phone_features", "phone_ids", "word_membership", "utterance_features")
        got = head.run(dict(zip(names, arrays, strict=True)))
        with torch.no_grad():
            phone, word, utt = ensemble(*(torch.from_numpy(x) for x in arrays))
        np.testing.assert_allclose(got["phone_score"], phone.numpy(), atol=1e-5)
        np.testing.assert_allclose(got["word_scores"], word.numpy(), atol=1e-4)
        np.testing.assert_allclose(got["utterance_scores"], utt.numpy(), atol=1e-4)
        assert got["word_scores"].shape == (1, max(word_ids) + 1, 3)
