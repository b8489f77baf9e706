"""The distillation's classroom copies, augmentations, confusion hinge and feature loss
(torch; the train extra)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch import Tensor  # noqa: E402

from tutor.scoring.features import FeatureConfig, log_mel  # noqa: E402
from tutor.scoring.phones import PHONE_INDEX, PHONE_SET  # noqa: E402
from tutor.train.distil_examples import (  # noqa: E402
    Example,
    hidden_batch,
    in_class,
    noisy_copy,
    refeatured,
    spec_augment,
    trusted_frames,
    untrusted_out,
    vtlp,
    warped,
)
from tutor.train.distil_losses import (  # noqa: E402
    CONFUSION_MARGIN,
    MARGIN_CAP,
    SWAP_MARGIN,
    confusion_hinge,
    feature_loss,
    kd_and_ce,
    margin_distil,
    phone_margin_distil,
    phone_segments,
    swap_contrast,
    tempered_kd,
)


def _frames(label: str, own: float, rival: str, other: float) -> Tensor:
    logits = torch.full((1, 1, len(PHONE_SET)), -20.0)
    logits[0, 0, PHONE_INDEX[label]] = own
    logits[0, 0, PHONE_INDEX[rival]] = other
    return torch.log_softmax(logits, -1)


def test_the_hinge_asks_a_margin_over_confusable_sounds_only() -> None:
    hard = torch.tensor([[PHONE_INDEX["TH"]]])
    soft = torch.nn.functional.one_hot(hard, len(PHONE_SET)).float()
    close = confusion_hinge(_frames("TH", 0.0, "S", 0.0), soft, hard)
    assert float(close) == pytest.approx(CONFUSION_MARGIN, abs=1e-4)
    assert float(confusion_hinge(_frames("TH", 0.0, "S", -5.0), soft, hard)) == 0.0
    # a rival that is not a confusion (AA for TH) costs nothing
    assert float(confusion_hinge(_frames("TH", 0.0, "AA", 0.0), soft, hard)) == 0.0
    # frames where the teacher hears another phone are left to the KD term
    other = torch.nn.functional.one_hot(torch.tensor([[PHONE_INDEX["S"]]]), len(PHONE_SET))
    assert float(confusion_hinge(_frames("TH", 0.0, "S", 0.0), other.float(), hard)) == 0.0


def test_the_margin_loss_copies_the_teachers_odds_over_confusable_sounds_only() -> None:
    hard = torch.tensor([[PHONE_INDEX["TH"]]])
    teacher = _frames("TH", 0.0, "S", -2.0).exp()  # the teacher: TH 2 nats over S
    # a student with the teacher's margin costs nothing; 2 nats off costs about 1.5
    assert float(margin_distil(_frames("TH", 0.0, "S", -2.0), teacher, hard)) < 1e-3
    off = float(margin_distil(_frames("TH", 0.0, "S", 0.0), teacher, hard))
    assert off > 0.1
    # a student over-sure of TH is pulled back to the teacher's doubt too
    assert float(margin_distil(_frames("TH", 0.0, "S", -4.0), teacher, hard)) > 0.1
    # past the cap both are sure: a larger student margin costs nothing
    sure = _frames("TH", 0.0, "S", -MARGIN_CAP - 3).exp()
    assert float(margin_distil(_frames("TH", 0.0, "S", -MARGIN_CAP - 9), sure, hard)) < 1e-3
    assert float(margin_distil(_frames("TH", 0.0, "S", -1.0), sure, hard)) > 1.0
    # unlabelled frames teach nothing
    assert float(margin_distil(_frames("TH", 0.0, "S", 0.0), teacher, hard * 0 - 1)) == 0.0


def _take(*frames: Tensor) -> Tensor:
    return torch.cat(frames, dim=1)


def test_phone_segments_are_runs_of_one_label_inside_a_row() -> None:
    hard = torch.tensor([[3, 3, -1, 5, 5, 3], [3, 3, 3, -1, 2, 2]])
    seg, labels = phone_segments(hard)
    assert seg.tolist() == [[0, 0, -1, 2, 2, 3], [4, 4, 4, -1, 6, 6]]
    assert labels.tolist() == [3, -1, 5, 3, 3, -1, 2]  # a row's first run is its own


def test_the_phone_margin_loss_copies_the_pooled_odds_not_each_frame() -> None:
    th = PHONE_INDEX["TH"]
    hard = torch.tensor([[th, th]])
    # the teacher doubts the first frame (S level with TH) and is sure of the second (TH 4
    # nats ahead): 2 nats over the phone, as the engine would read it
    teacher = _take(_frames("TH", 0.0, "S", 0.0), _frames("TH", 0.0, "S", -4.0)).exp()
    even = _take(_frames("TH", 0.0, "S", -2.0), _frames("TH", 0.0, "S", -2.0))
    assert float(phone_margin_distil(even, teacher, hard)) < 1e-3
    assert float(margin_distil(even, teacher, hard)) > 0.1  # the frame-level form differs
    # a student that hears S on the phone is pulled towards the teacher's TH
    wrong = _take(_frames("TH", 0.0, "S", 1.0), _frames("TH", 0.0, "S", 1.0))
    logits = torch.log(wrong.exp()).requires_grad_(True)
    loss = phone_margin_distil(torch.log_softmax(logits, -1), teacher, hard)
    assert float(loss.detach()) > 0.3
    loss.backward()
    assert logits.grad is not None
    assert float(logits.grad[0, :, PHONE_INDEX["S"]].sum()) > 0  # S must fall
    assert float(logits.grad[0, :, th].sum()) < 0  # TH must rise


def test_the_phone_margin_loss_pools_each_phone_apart_and_respects_the_cap() -> None:
    th, s = PHONE_INDEX["TH"], PHONE_INDEX["S"]
    teacher = _take(_frames("TH", 0.0, "S", -2.0), _frames("S", 0.0, "TH", -2.0)).exp()
    student = _take(_frames("TH", 0.0, "S", -2.0), _frames("S", 0.0, "TH", -2.0))
    # TH then S: each phone's own frames, so the student matches both
    assert float(phone_margin_distil(student, teacher, torch.tensor([[th, s]]))) < 1e-3
    # one run of TH would average TH's lead with S's and the student would differ
    both = torch.tensor([[th, th]])
    flat = _take(_frames("TH", 0.0, "S", -2.0), _frames("TH", 0.0, "S", -2.0))
    assert float(phone_margin_distil(flat, teacher, both)) > 0.2
    # past the cap on every frame the teacher is sure: a larger margin costs nothing
    sure = _frames("TH", 0.0, "S", -MARGIN_CAP - 3).exp()
    hard = torch.tensor([[th]])
    assert float(phone_margin_distil(_frames("TH", 0.0, "S", -MARGIN_CAP - 9), sure, hard)) < 1e-3
    assert float(phone_margin_distil(_frames("TH", 0.0, "S", -1.0), sure, hard)) > 1.0
    # unlabelled frames teach nothing
    assert float(phone_margin_distil(_frames("TH", 0.0, "S", 0.0), sure, hard * 0 - 1)) == 0.0


def test_the_phone_margin_floor_lifts_the_student_and_never_copies_doubt() -> None:
    hard = torch.tensor([[PHONE_INDEX["TH"]]])
    doubt = _frames("TH", 0.0, "S", -1.0).exp()  # the teacher: TH only 1 nat over S
    clear = _frames("TH", 0.0, "S", -5.0)
    assert float(phone_margin_distil(clear, doubt, hard)) > 0.5  # copied: pulled down
    assert float(phone_margin_distil(clear, doubt, hard, floor=True)) == 0.0
    unsure = _frames("TH", 0.0, "S", 0.0)  # level: under the teacher's floor
    assert float(phone_margin_distil(unsure, doubt, hard, floor=True)) > 0.1


def test_the_swap_contrast_puts_the_said_sound_ahead_of_the_prompts_phone() -> None:
    from tutor.train.distil_examples import rival_batch

    said = torch.tensor([[PHONE_INDEX["S"]]])
    prompt = torch.tensor([[PHONE_INDEX["TH"]]])
    # "sink" for *think*: S only 2 nats ahead of TH costs the rest of the margin
    close = swap_contrast(_frames("S", 0.0, "TH", -2.0), prompt, said)
    assert float(close) == pytest.approx(SWAP_MARGIN - 2.0, abs=1e-4)
    assert float(swap_contrast(_frames("S", 0.0, "TH", -SWAP_MARGIN - 1), prompt, said)) == 0.0
    # frames that are not a swap (-1) cost nothing, however close the phones are
    assert float(swap_contrast(_frames("S", 0.0, "TH", 0.0), torch.tensor([[-1]]), said)) == 0.0
    # the batch's rivals come from each example's own frames, -1 where it has none
    ex = _tone_example()
    rival = np.full(len(ex.labels), -1)
    rival[3:5] = PHONE_INDEX["TH"]
    rivals = rival_batch([replace(ex, rival=rival), ex], 6)
    assert rivals[0].tolist() == [-1, -1, -1, PHONE_INDEX["TH"], PHONE_INDEX["TH"], -1]
    assert (rivals[1] == -1).all()


def test_the_synthetic_hinge_holds_a_told_phone_over_its_confusable_sounds() -> None:
    from tutor.train.distil_examples import said_as_told

    hard = torch.tensor([[PHONE_INDEX["TH"]]])
    teacher_hears_s = torch.nn.functional.one_hot(
        torch.tensor([[PHONE_INDEX["S"]]]), len(PHONE_SET)
    )
    told = torch.tensor([[True]])
    # a voice's own TH, heard level with S: the hinge asks the margin whatever the teacher says
    close = confusion_hinge(_frames("TH", 0.0, "S", 0.0), teacher_hears_s.float(), hard, told)
    assert float(close) == pytest.approx(CONFUSION_MARGIN, abs=1e-4)
    nowhere = torch.tensor([[False]])
    assert (
        float(confusion_hinge(_frames("TH", 0.0, "S", 0.0), teacher_hears_s.float(), hard, nowhere))
        == 0.0
    )
    # the frames said as told: a synthetic take's labelled frames, not its swaps, never a
    # corpus recording's
    ex = _tone_example()
    labels = np.full(6, PHONE_INDEX["TH"])
    labels[0] = -1
    rival = np.full(6, -1)
    rival[3:5] = PHONE_INDEX["TH"]
    take = replace(ex, labels=labels, rival=rival)
    said = said_as_told([take, replace(take, utt_id="spk1_utt1")], 6)
    assert said[0].tolist() == [False, True, True, False, False, True]
    assert not said[1].any()


def _tone_example(utt_id: str = "") -> Example:
    """One second of a 300 Hz tone with 40-band features and empty targets (``utt_id``
    empty: a synthetic take)."""
    t = np.arange(16000) / 16000
    samples = (0.2 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
    feats = log_mel(samples, FeatureConfig()).astype(np.float32)
    soft, labels = np.zeros((50, len(PHONE_SET)), np.float32), np.zeros(50, int)
    return Example(samples, feats, soft, labels, utt_id=utt_id)


def test_a_classroom_copy_keeps_the_targets_and_the_frame_count() -> None:
    rng = np.random.default_rng(0)
    ex = _tone_example()
    sources = [rng.standard_normal(8000).astype(np.float32) * 0.1 for _ in range(4)]
    copy = noisy_copy(ex, rng, sources, FeatureConfig())
    assert copy.feats.shape == ex.feats.shape and not np.allclose(copy.feats, ex.feats)
    assert copy.teacher is ex.teacher and copy.labels is ex.labels


def test_a_student_with_more_mel_bands_gets_the_same_frames_and_targets() -> None:
    ex = _tone_example()
    (wide,) = refeatured([ex], FeatureConfig(n_mels=80))
    assert ex.feats.shape[1] == 40 and wide.feats.shape == (len(ex.feats), 80)
    assert wide.feats.dtype == np.float32 and wide.teacher is ex.teacher
    assert np.allclose(wide.feats, log_mel(ex.samples, FeatureConfig(n_mels=80)))


def test_clean_synth_leaves_the_synthetic_takes_out_of_the_classroom() -> None:
    real, synthetic = _tone_example("000010011"), _tone_example()
    feats = real.feats
    sources = [np.random.default_rng(1).standard_normal(8000).astype(np.float32) * 0.1]
    rng = np.random.default_rng(0)
    noisy_real, clean_synth = in_class([real, synthetic], 1.0, rng, sources, FeatureConfig(), False)
    assert clean_synth is synthetic and not np.allclose(noisy_real.feats, feats)
    both = in_class([real, synthetic], 1.0, rng, sources, FeatureConfig())
    assert all(not np.allclose(e.feats, feats) for e in both)


def test_hard_labels_teach_only_on_phones_the_experts_passed() -> None:
    quality = np.array([2.0, 2.0, 0.4, 0.4, 1.9, 2.0], np.float32)  # per speed-1 frame
    assert trusted_frames(None, 6, 1.0, None) is None
    assert trusted_frames(quality, 6, 1.0, 1.5).tolist() == [True, True, False, False, True, True]
    # at speed 1.5 frame j is speed-1 frame round(1.5 j)
    assert trusted_frames(quality, 4, 1.5, 1.5).tolist() == [True, False, False, True]
    assert not trusted_frames(None, 3, 1.0, 1.5).any()  # an utterance that did not align
    labels = np.array([1, 2, 3, 4, 5, 6])
    ex = Example(np.zeros(1, np.float32), np.zeros((12, 40), np.float32),
                 np.zeros((6, len(PHONE_SET)), np.float32), labels,
                 trusted_frames(quality, 6, 1.0, 1.5))  # fmt: skip
    hard = torch.from_numpy(labels)[None]
    assert untrusted_out([ex], hard)[0].tolist() == [1, 2, -100, -100, 5, 6]
    assert hard[0].tolist() == [1, 2, 3, 4, 5, 6]  # the KD mask still sees every frame


def test_spec_augment_masks_bands_and_spans_without_touching_the_input() -> None:
    x = torch.randn(3, 200, 40) + 5.0  # no zeros before masking
    a = spec_augment(x, np.random.default_rng(7))
    b = spec_augment(x, np.random.default_rng(7))
    assert torch.equal(a, b) and a.shape == x.shape
    assert not bool((x == 0).any())  # the batch itself is left alone
    zero_bands = (a == 0).all(dim=1)  # (batch, mels) wholly masked mel channels
    zero_spans = (a == 0).all(dim=2)  # (batch, frames) wholly masked frames
    assert int(zero_bands.sum()) > 0 and int(zero_spans.sum()) > 0
    assert int(zero_bands.sum(dim=1).max()) <= 16 and int(zero_spans.sum(dim=1).max()) <= 40
    kept = a != 0
    assert torch.equal(a[kept], x[kept])


def _peak_bin(x: Tensor) -> int:
    return int(x[0].mean(dim=0).argmax())


def test_vtlp_moves_a_formant_up_or_down_the_mel_bins(monkeypatch: pytest.MonkeyPatch) -> None:
    import tutor.train.distil_examples as examples

    bins = torch.arange(40, dtype=torch.float32)
    x = torch.exp(-0.5 * ((bins - 20) / 1.5) ** 2).expand(1, 30, 40).clone()  # one formant
    config = FeatureConfig()
    monkeypatch.setattr(examples, "VTLP_RANGE", (1.0, 1.0))
    assert torch.allclose(vtlp(x, np.random.default_rng(0), config), x)
    monkeypatch.setattr(examples, "VTLP_RANGE", (1.1, 1.1))
    longer = vtlp(x, np.random.default_rng(0), config)
    monkeypatch.setattr(examples, "VTLP_RANGE", (0.9, 0.9))
    shorter = vtlp(x, np.random.default_rng(0), config)
    assert _peak_bin(shorter) < _peak_bin(x) == 20 < _peak_bin(longer)
    assert longer.shape == x.shape and torch.equal(x[0, 0], x[0, 1])  # input untouched


def test_feature_targets_follow_the_speed_copy_and_only_masked_frames_count() -> None:
    frames = np.arange(10, dtype=np.float32)[:, None] * np.ones((1, 3), np.float32)
    assert warped(frames, 4, 1.5)[:, 0].tolist() == [0, 2, 3, 4]  # frame j is round(1.5 j)
    with_hidden = Example(np.zeros(1, np.float32), np.zeros((8, 40), np.float32),
                          np.zeros((4, len(PHONE_SET)), np.float32), np.zeros(4, int),
                          hidden=warped(frames, 4, 1.0))  # fmt: skip
    without = Example(np.zeros(1, np.float32), np.zeros((8, 40), np.float32),
                      np.zeros((4, len(PHONE_SET)), np.float32), np.zeros(4, int))  # fmt: skip
    target, mask = hidden_batch([with_hidden, without], 5)
    assert target.shape == (2, 5, 3) and mask.tolist() == [[True] * 4 + [False], [False] * 5]
    close = target + 0.01
    far = -target
    far[~mask] = 100.0  # frames without a target are not scored, whatever the student says
    assert float(feature_loss(close, target, mask)) < float(feature_loss(far, target, mask))
    assert float(feature_loss(far, target, torch.zeros_like(mask))) == 0.0


def test_synth_known_teaches_the_phones_the_engine_was_told_to_say(tmp_path, monkeypatch) -> None:
    import soundfile as sf

    from tutor.train import distil_examples
    from tutor.train.distil_examples import known_targets, synth_examples

    labels = np.array([PHONE_INDEX["S"], PHONE_INDEX["IH"], -100])
    target = np.exp(known_targets(labels))
    assert np.allclose(target.sum(axis=1), 1.0)
    assert target.argmax(axis=1)[:2].tolist() == labels[:2].tolist()
    assert target[0, PHONE_INDEX["S"]] == pytest.approx(0.9)
    assert np.allclose(target[2], 1.0 / len(PHONE_SET))  # no label: teaches nothing
    # the teacher heard TH where the engine said S ("sink")
    teacher = np.full((3, len(PHONE_SET)), -9.0, np.float32)
    teacher[:, PHONE_INDEX["TH"]] = 0.0
    wav = tmp_path / "sink.wav"
    sf.write(str(wav), np.full(8000, 0.01, np.float32), 16000)
    take = (wav, np.zeros((6, 40), np.float16), teacher, labels)
    monkeypatch.setattr(distil_examples, "synth_targets", lambda *a: [take])
    (heard,) = synth_examples(tmp_path / "manifest.jsonl", tmp_path, None)  # type: ignore[arg-type]
    (known,) = synth_examples(tmp_path / "manifest.jsonl", tmp_path, None, known="all")  # type: ignore[arg-type]
    assert heard.teacher[0].argmax() == PHONE_INDEX["TH"]
    assert known.teacher[0].argmax() == PHONE_INDEX["S"]
    assert known.labels is labels


def test_synth_known_swaps_teaches_the_told_phone_only_where_a_sound_was_swapped(
    tmp_path, monkeypatch
) -> None:
    import json

    import soundfile as sf

    from tutor.train import distil_examples
    from tutor.train.distil_examples import synth_examples

    # "sink" for "think", then "is": S IH NG K | IH Z, the S in place of TH
    record = {"id": "t1", "audio": "audio/espeak/t1.flac", "words": [
        {"text": "think", "canonical": ["TH", "IH1", "NG", "K"], "spoken": ["S", "IH1", "NG", "K"]},
        {"text": "is", "canonical": ["IH1", "Z"], "spoken": ["IH1", "Z"]}],
        "errors": [{"word_index": 0, "canonical_index": 0, "kind": "substitution",
                    "from": "TH", "to": "S"}]}  # fmt: skip
    (tmp_path / "manifest.jsonl").write_text(json.dumps(record) + "\n")
    wav = tmp_path / "elsewhere" / "espeak" / "t1.flac"  # the cache kept another run's path
    wav.parent.mkdir(parents=True)
    sf.write(str(wav), np.full(8000, 0.01, np.float32), 16000)
    spoken = ["SIL", "S", "S", "IH", "NG", "K", "SIL", "IH", "Z", "SIL"]
    labels = np.array([PHONE_INDEX[p] for p in spoken])
    teacher = np.full((len(spoken), len(PHONE_SET)), -9.0, np.float32)
    teacher[:, PHONE_INDEX["TH"]] = 0.0  # hears the word, not the sound
    take = (wav, np.zeros((2 * len(spoken), 40), np.float16), teacher, labels)
    monkeypatch.setattr(distil_examples, "synth_targets", lambda *a: [take])
    (ex,) = synth_examples(tmp_path / "manifest.jsonl", tmp_path, None, known="swaps")  # type: ignore[arg-type]
    best = ex.teacher.argmax(axis=1)
    assert best[1] == best[2] == PHONE_INDEX["S"]  # the swapped phone: what was said
    untouched = [0, 3, 4, 5, 6, 7, 8, 9]
    assert (best[untouched] == PHONE_INDEX["TH"]).all()  # elsewhere the teacher's posteriors
    (weighted,) = synth_examples(tmp_path / "manifest.jsonl", tmp_path, None, "swaps", 10.0)  # type: ignore[arg-type]
    assert weighted.weight is not None
    assert weighted.weight.tolist() == [1, 10, 10, 1, 1, 1, 1, 1, 1, 1]


def test_frame_weights_scale_a_frames_share_of_both_losses() -> None:
    import torch

    from tutor.train.distil_examples import Example, frame_weights

    labels = np.array([PHONE_INDEX["S"], PHONE_INDEX["TH"]])
    flat = np.zeros((2, 4), np.float32)
    items = [Example(flat, flat, flat, labels, weight=np.array([5.0, 1.0], np.float32)),
             Example(flat, flat, flat, labels)]  # fmt: skip
    weights = frame_weights(items, 3)
    assert weights.tolist() == [[5.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    # the student hears S on both frames; the teacher and the labels say S then TH
    logp = torch.log_softmax(torch.zeros(1, 2, len(PHONE_SET)), -1).clone()
    logp[0, :, PHONE_INDEX["S"]] = -0.05
    logp[0, :, PHONE_INDEX["TH"]] = -5.0
    soft = torch.zeros(1, 2, len(PHONE_SET))
    soft[0, 0, PHONE_INDEX["S"]] = soft[0, 1, PHONE_INDEX["TH"]] = 1.0
    hard = torch.tensor([[PHONE_INDEX["S"], PHONE_INDEX["TH"]]])
    kd, ce = kd_and_ce(logp, soft, hard, hard)
    same = kd_and_ce(logp, soft, hard, hard, torch.ones(1, 2))
    assert torch.allclose(kd, same[0]) and torch.allclose(ce, same[1])
    kd_right, ce_right = kd_and_ce(logp, soft, hard, hard, torch.tensor([[10.0, 1.0]]))
    kd_wrong, ce_wrong = kd_and_ce(logp, soft, hard, hard, torch.tensor([[1.0, 10.0]]))
    assert kd_right < kd < kd_wrong and ce_right < ce < ce_wrong


def _odds(th: float, s: float) -> Tensor:
    """One frame's posteriors: TH and S as given, the rest shared evenly."""
    p = torch.full((len(PHONE_SET),), (1 - th - s) / (len(PHONE_SET) - 2))
    p[PHONE_INDEX["TH"]], p[PHONE_INDEX["S"]] = th, s
    return p.view(1, 1, -1)


def test_a_temperature_weighs_the_teachers_odds_between_unlikely_sounds() -> None:
    teacher, hard = _odds(0.9, 0.09), torch.tensor([[PHONE_INDEX["TH"]]])
    corpus, synthetic = torch.tensor([True]), torch.tensor([False])
    faithful, deaf = torch.log(teacher), torch.log(_odds(0.9, 0.0009))  # deaf to S
    plain = kd_and_ce(torch.log_softmax(deaf, -1), teacher, hard, hard)[0]
    assert tempered_kd(deaf, teacher, hard, corpus, 1.0) == pytest.approx(float(plain))
    assert tempered_kd(deaf, teacher, hard, synthetic, 2.0) == pytest.approx(float(plain))

    def cost(t: float) -> float:  # what being deaf to S costs over matching the teacher
        return float(
            tempered_kd(deaf, teacher, hard, corpus, t)
            - tempered_kd(faithful, teacher, hard, corpus, t)
        )

    assert cost(1.0) > 0 and cost(2.0) > 3 * cost(1.0)
    grad = faithful.clone().requires_grad_(True)
    tempered_kd(grad, teacher, hard, corpus, 2.0).backward()
    assert grad.grad is not None and grad.grad.abs().max() < 1e-5  # the teacher's odds: no pull


def test_prefetched_batches_draw_the_same_random_numbers_in_the_same_order() -> None:
    from tutor.train.distil_examples import prefetched

    def make(rng: np.random.Generator) -> object:
        return lambda k: (k, float(rng.random()))

    draw = make(np.random.default_rng(3))
    plain = [draw(k) for k in range(7)]
    for ahead in (1, 2, 10):
        assert list(prefetched(make(np.random.default_rng(3)), list(range(7)), ahead)) == plain
    assert list(prefetched(make(np.random.default_rng(3)), [])) == []


def test_a_failing_batch_stops_the_prefetched_loop_with_its_error() -> None:
    from tutor.train.distil_examples import prefetched

    def make(k: int) -> int:
        if k == 3:
            raise ValueError("bad take")
        return k

    seen = []
    with pytest.raises(ValueError, match="bad take"):
        for k in prefetched(make, list(range(6))):
            seen.append(k)
    assert seen == [0, 1, 2]


def test_a_fine_tune_starts_from_the_finished_students_weights(tmp_path) -> None:
    from tutor.train.distil_examples import Example
    from tutor.train.distil_whisper import train
    from tutor.train.models import ConvNetConfig, ConvPhoneNet

    config = ConvNetConfig(channels=8, blocks=1)
    torch.manual_seed(7)
    finished = ConvPhoneNet(config)
    torch.save({"model": finished.state_dict()}, tmp_path / "finished.pt")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    rng = np.random.default_rng(0)
    labels = rng.integers(0, len(PHONE_SET), 10)
    data = [Example(np.zeros(1600, np.float32), rng.normal(size=(20, 40)).astype(np.float32),
                    np.log(np.full((10, len(PHONE_SET)), 1 / len(PHONE_SET), np.float32)),
                    labels)]  # fmt: skip
    tuned = train(data, tmp_path / "a", 1, 0.5, 0.5, config, init=tmp_path / "finished.pt",
                  max_lr=1e-9)  # fmt: skip
    fresh = train(data, tmp_path / "b", 1, 0.5, 0.5, config, max_lr=1e-9)
    weights = list(finished.named_parameters())  # not the norms' running statistics
    tuned_state, fresh_state = dict(tuned.named_parameters()), dict(fresh.named_parameters())
    assert all(torch.allclose(p, tuned_state[n], atol=1e-5) for n, p in weights)
    assert not all(torch.allclose(p, fresh_state[n], atol=1e-5) for n, p in weights)


def test_the_temperature_reaches_the_corpus_takes_and_not_the_synthetic_ones(tmp_path) -> None:
    from tutor.train.distil_examples import Example
    from tutor.train.distil_whisper import train
    from tutor.train.models import ConvNetConfig

    config = ConvNetConfig(channels=8, blocks=1)
    rng = np.random.default_rng(0)
    feats = rng.normal(size=(20, 40)).astype(np.float32)
    teacher = np.log(rng.dirichlet(np.ones(len(PHONE_SET)), 10).astype(np.float32))
    labels = rng.integers(0, len(PHONE_SET), 10)

    def trained(utt_id: str, temperature: float) -> dict[str, Tensor]:
        out = tmp_path / f"{utt_id or 'synth'}-{temperature}"
        out.mkdir()
        data = [Example(np.zeros(1600, np.float32), feats, teacher, labels, utt_id=utt_id)]
        net = train(data, out, 1, 0.5, 0.5, config, max_lr=1e-2, temperature=temperature)
        return dict(net.named_parameters())

    def same(a: dict[str, Tensor], b: dict[str, Tensor]) -> bool:
        return all(torch.allclose(a[n], b[n]) for n in a)

    assert not same(trained("utt1", 1.0), trained("utt1", 2.0))
    assert same(trained("", 1.0), trained("", 2.0))


def test_a_soup_averages_the_weights_and_measures_its_own_norm_statistics(tmp_path) -> None:
    from tutor.train.models import ConvNetConfig, ConvPhoneNet
    from tutor.train.soup import average_states, souped

    config = ConvNetConfig(channels=8, blocks=1)
    ckpts = []
    for seed in (1, 2):
        torch.manual_seed(seed)
        net = ConvPhoneNet(config)
        ckpts.append(tmp_path / f"s{seed}.pt")
        torch.save({"model": net.state_dict(), "epoch": 3}, ckpts[-1])
    a, b = (torch.load(c, weights_only=False)["model"] for c in ckpts)
    mean = average_states(ckpts)
    name = next(n for n, v in a.items() if v.is_floating_point() and not torch.equal(v, b[n]))
    assert torch.allclose(mean[name], (a[name] + b[name]) / 2)
    rng = np.random.default_rng(0)
    data = [Example(np.zeros(1600, np.float32), rng.normal(2.0, 1.0, (20, 40)).astype(np.float32),
                    np.zeros((10, len(PHONE_SET)), np.float32), np.zeros(10, int))
            for _ in range(3)]  # fmt: skip
    soup = souped(ckpts, config, data)
    weights = dict(soup.named_parameters())
    assert all(torch.allclose(weights[n], mean[n]) for n in weights)
    norms = [n for n in mean if n.endswith("running_mean")]
    # fresh nets' statistics are 0; the soup's are measured on features centred near 2
    assert norms and any(not torch.allclose(soup.state_dict()[n], mean[n]) for n in norms)
    assert not soup.training


def test_a_soup_refuses_students_of_other_shapes(tmp_path) -> None:
    from tutor.train.models import ConvNetConfig, ConvPhoneNet
    from tutor.train.soup import average_states

    for channels in (8, 16):
        net = ConvPhoneNet(ConvNetConfig(channels=channels, blocks=1))
        torch.save({"model": net.state_dict()}, tmp_path / f"c{channels}.pt")
    with pytest.raises(ValueError, match="shape"):
        average_states([tmp_path / "c8.pt", tmp_path / "c16.pt"])
    with pytest.raises(ValueError):
        average_states([])


def test_a_weighted_soup_leans_towards_its_heavier_student(tmp_path) -> None:
    from tutor.train.models import ConvNetConfig, ConvPhoneNet
    from tutor.train.soup import average_states, soup_ingredient

    ckpts = []
    for seed in (1, 2):
        torch.manual_seed(seed)
        ckpts.append(tmp_path / f"s{seed}.pt")
        torch.save({"model": ConvPhoneNet(ConvNetConfig(channels=8, blocks=1)).state_dict()},
                   ckpts[-1])  # fmt: skip
    a, b = (torch.load(c, weights_only=False)["model"] for c in ckpts)
    mixed = average_states(ckpts, [3.0, 1.0])
    name = next(n for n, v in a.items() if v.is_floating_point() and not torch.equal(v, b[n]))
    assert torch.allclose(mixed[name], 0.75 * a[name] + 0.25 * b[name], atol=1e-6)
    assert torch.allclose(average_states(ckpts, [0.0, 2.0])[name], b[name])
    for bad in ([0.0, 0.0], [1.0], [-1.0, 2.0]):
        with pytest.raises(ValueError):
            average_states(ckpts, bad)
    assert soup_ingredient("runs/a/ckpt.pt:0.25") == (Path("runs/a/ckpt.pt"), 0.25)
    assert soup_ingredient("runs/a/ckpt.pt") == (Path("runs/a/ckpt.pt"), 1.0)
    with pytest.raises(ValueError, match="weight"):
        soup_ingredient("runs/a/ckpt.pt:-1")


def test_a_soup_says_which_training_options_it_ignores() -> None:
    from tutor.train.distil_whisper_args import build_parser, soup_ignores

    ap = build_parser()
    need = ["--data", "d", "--teacher", "t", "--models", "m", "--out", "o"]
    args = ap.parse_args([*need, "--soup", "a/ckpt.pt:2,b/ckpt.pt", "--epochs", "12",
                          "--kd-temperature", "2", "--noisy", "0.5"])  # fmt: skip
    assert args.soup == [(Path("a/ckpt.pt"), 2.0), (Path("b/ckpt.pt"), 1.0)]
    assert soup_ignores(ap, args) == ["--epochs", "--kd-temperature"]  # --noisy is used
    assert soup_ignores(ap, ap.parse_args([*need, "--epochs", "12"])) == []  # it trains
    with pytest.raises(SystemExit):
        ap.parse_args([*need, "--soup", "a/ckpt.pt:-2"])


def test_a_margin_floor_without_its_weight_is_refused_before_any_work(capsys) -> None:
    from tutor.train.distil_whisper import main

    need = ["--data", "d", "--teacher", "t", "--models", "m", "--out", "o"]
    with pytest.raises(SystemExit) as stop:
        main([*need, "--phone-margins-mode", "floor"])
    assert stop.value.code == 2
    assert "needs --phone-margins W" in capsys.readouterr().err


def test_two_runs_saving_one_checkpoint_at_once_both_finish(tmp_path, monkeypatch) -> None:
    """Two trainings that share a cache folder (a linked teacher) may write one file at the
    same moment: each writes its own temporary file, so neither pulls the other's away."""
    from tutor.train import distil_whisper

    ckpt = tmp_path / "ckpt.pt"
    net = torch.nn.Linear(2, 2)
    real_save = torch.save
    nested: list[int] = []

    def save_then_let_the_other_run_finish(obj, f, *args, **kwargs) -> None:
        real_save(obj, f, *args, **kwargs)
        if not nested:  # the other run saves the whole file while this one is mid-write
            nested.append(1)
            distil_whisper.save_state(ckpt, {"net": net}, epoch=2)

    monkeypatch.setattr(torch, "save", save_then_let_the_other_run_finish)
    distil_whisper.save_state(ckpt, {"net": net}, epoch=1)
    assert distil_whisper.load_state(ckpt, {"net": torch.nn.Linear(2, 2)}) == 1  # the last
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pt"]  # no temporary file is left
