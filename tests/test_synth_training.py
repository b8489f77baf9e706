"""Synthetic TTS speech in the acoustic-model training mix: cache, labels, batches, wiring."""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

import soundfile as sf  # noqa: E402
import torch  # noqa: E402
from corpus_helpers import make_tiny_corpus  # noqa: E402

from tutor.scoring.audio import load_audio  # noqa: E402
from tutor.scoring.features import FeatureConfig, log_mel  # noqa: E402
from tutor.scoring.lexicon import Lexicon  # noqa: E402
from tutor.scoring.phones import PHONE_INDEX, SILENCE, split_stress  # noqa: E402
from tutor.train import synth  # noqa: E402
from tutor.train.acoustic import (  # noqa: E402
    BatchPlan,
    TrainSettings,
    flat_start_labels,
    make_batches,
    train,
)
from tutor.train.cli import build_parser  # noqa: E402
from tutor.train.cli import main as train_main  # noqa: E402
from tutor.train.dataset import CacheEntry, FeatureCache, build_speechocean_cache  # noqa: E402
from tutor.train.models import TINY, output_frames  # noqa: E402
from tutor.train.pipeline import PipelineConfig, prepare_synth, train_variant  # noqa: E402
from tutor.train.run import Run  # noqa: E402
from tutor.train.synth_data import (  # noqa: E402
    SynthDataError,
    SyntheticMix,
    SynthSettings,
    build_synth_cache,
    frame_labels,
)

SIL = PHONE_INDEX[SILENCE]
TEXTS = ["think about it", "she sells sea shells", "the red car", "good job"]
LABEL_SHIFT = 0.02  # seconds per output frame: 10 ms features, stride 2


def _espeak_record(root: Path, k: int, text: str, lexicon: Lexicon) -> dict:
    """espeak-ng speech for ``text`` (the synth module's engine) as a manifest record.

    espeak-ng reports no timings, so the segments here are made up: the spoken phones
    spread evenly over the middle 80% of the audio, silence around. They are exact labels
    by construction, which is all the label mapping needs.
    """
    words = [synth.WordSpec(w, lexicon.lookup(w)[0], lexicon.lookup(w)[0]) for w in text.split()]
    item = synth.SynthItem(f"t{k}", text, words, "espeak", synth.Espeak.voices[k])
    rendered = synth.Espeak().render_one(item, root)
    duration = rendered.samples.size / synth.RATE
    phones = [split_stress(p)[0] for w in words for p in w.spoken]
    edges = np.linspace(0.1 * duration, 0.9 * duration, len(phones) + 1).round(4)
    segments = [(SILENCE, 0.0, float(edges[0]))]
    segments += [
        (p, float(a), float(b)) for p, a, b in zip(phones, edges[:-1], edges[1:], strict=True)
    ]
    segments.append((SILENCE, float(edges[-1]), round(duration, 4)))
    rel = f"audio/t{k}.flac"
    (root / "audio").mkdir(exist_ok=True)
    sf.write(root / rel, rendered.samples, synth.RATE)
    return synth.record(item, rel, synth.Rendered(rendered.samples, phones, segments))


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is needed to make test speech")
    root = tmp_path_factory.mktemp("synth")
    lexicon = Lexicon.default()
    records = [_espeak_record(root, k, t, lexicon) for k, t in enumerate(TEXTS)]
    path = root / "manifest.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


@pytest.fixture(scope="module")
def synth_dir(manifest: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthcache")
    build_synth_cache(manifest, out, SynthSettings(copies=2, seed=3), log=lambda m: None)
    return out


def _records(manifest: Path) -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, manifest.read_text().splitlines())}


# -- labels --------------------------------------------------------------------------------


def test_frame_labels_take_the_segment_under_each_frame_centre() -> None:
    ah, t = PHONE_INDEX["AH"], PHONE_INDEX["T"]
    segments = [(SIL, 0.0, 0.105), (ah, 0.105, 0.295), (t, 0.295, 0.335), (SIL, 0.335, 0.45)]
    # frame k covers [0.02 k, 0.02 (k + 1)) s; its centre 0.02 k + 0.01 picks the segment
    labels = frame_labels(segments, 25, LABEL_SHIFT)
    assert labels.tolist() == [SIL] * 5 + [ah] * 10 + [t] * 2 + [SIL] * 8
    # slowed down to 0.9x speed (times / 0.9): AH 0.117-0.328 s, T 0.328-0.372 s
    slow = frame_labels(segments, 25, LABEL_SHIFT, time_scale=1 / 0.9)
    assert slow.tolist() == [SIL] * 6 + [ah] * 10 + [t] * 3 + [SIL] * 6


def test_cache_labels_match_the_segments_at_the_model_rate(manifest: Path, synth_dir: Path) -> None:
    mix = SyntheticMix.load(synth_dir)
    records = _records(manifest)
    index = json.loads((synth_dir / "index.json").read_text())
    assert len(mix.cache.entries) == len(TEXTS) * 3  # clean + 2 augmented copies each
    assert all(e.part == "synth" for e in mix.cache.entries)
    for i, entry in enumerate(mix.cache.entries):
        labels = mix.labels[i]
        assert labels.dtype == np.int64
        assert len(labels) == output_frames(entry.n_frames, TINY.subsampling)
        record = records[entry.utt_id]
        scale = 1.0 / entry.speed  # speed augmentation moves every time stamp
        for phone, start, end in record["segments"]:
            a, b = start * scale / LABEL_SHIFT, end * scale / LABEL_SHIFT
            if b - a >= 2:
                middle = int((a + b) / 2)
                assert labels[middle] == PHONE_INDEX[phone], (entry.utt_id, phone, middle)
        said = [p for p in labels[np.diff(labels, prepend=-1) != 0] if p != SIL]
        spoken = [PHONE_INDEX[split_stress(p)[0]] for w in record["words"] for p in w["spoken"]]
        assert said == spoken
        if index["augmentation"][i]["name"] == "clean":
            audio = load_audio(manifest.parent / record["audio"])
            expected = log_mel(audio.samples, FeatureConfig())
            np.testing.assert_allclose(mix.cache.get(i), expected, atol=2e-2)
    kinds = {a["name"] for a in index["augmentation"]}
    assert "clean" in kinds and len(kinds) > 1


def test_cache_is_built_once_and_refuses_other_settings(manifest: Path, synth_dir: Path) -> None:
    before = (synth_dir / "features.npy").stat().st_mtime_ns
    stats = build_synth_cache(manifest, synth_dir, SynthSettings(copies=2, seed=3))
    assert stats.utterances == len(TEXTS) and stats.entries == 3 * len(TEXTS)
    assert stats.hours > stats.clean_hours > 0
    assert (synth_dir / "features.npy").stat().st_mtime_ns == before
    with pytest.raises(SynthDataError, match="other settings"):
        build_synth_cache(manifest, synth_dir, SynthSettings(copies=1))


def test_unusable_records_are_skipped_with_a_counted_warning(
    manifest: Path, tmp_path: Path
) -> None:
    good = next(iter(_records(manifest).values()))
    root = tmp_path / "bad"
    (root / "audio").mkdir(parents=True)
    shutil.copy(manifest.parent / good["audio"], root / good["audio"])
    (root / "audio" / "corrupt.flac").write_bytes(b"not audio at all")
    records = [
        good,
        {**good, "id": "missing", "audio": "audio/nowhere.flac"},
        {**good, "id": "corrupt", "audio": "audio/corrupt.flac"},
        {**good, "id": "empty", "segments": []},
        {**good, "id": "espeak", "segments": None},
        {**good, "id": "wrong", "segments": [["AH", 0.1, 0.2]]},
        {"id": "nowords", "audio": good["audio"]},
    ]
    path = root / "manifest.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + "{truncated\n")
    messages: list[str] = []
    stats = build_synth_cache(path, tmp_path / "cache", SynthSettings(copies=0), messages.append)
    assert stats.utterances == 1 and stats.entries == 1
    assert stats.skipped == {
        "unusable audio": 2,
        "no segments": 2,
        "segments disagree with the spoken phones": 1,
        "malformed record": 1,
        "unreadable manifest line": 1,
    }
    warning = next(m for m in messages if m.startswith("warning"))
    assert "skipped 7 synthetic utterances" in warning and "2 unusable audio" in warning

    path.write_text(json.dumps(records[3]) + "\n")
    with pytest.raises(SynthDataError, match="no usable synthetic utterances"):
        build_synth_cache(path, tmp_path / "cache2", SynthSettings(copies=0), messages.append)
    with pytest.raises(SynthDataError, match="not found"):
        build_synth_cache(root / "absent.jsonl", tmp_path / "cache3", log=messages.append)


# -- batches -------------------------------------------------------------------------------


def _fake_cache(lengths: list[int], part: str) -> FeatureCache:
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    entries = [
        CacheEntry(f"{part}{k}", "s", part, 1.0, int(offsets[k]), n, [["AH"]])
        for k, n in enumerate(lengths)
    ]
    return FeatureCache(np.zeros((int(offsets[-1]), 40), np.float16), entries, FeatureConfig())


def test_batch_plan_caps_the_synthetic_share_and_cycles_through_the_set() -> None:
    rng = np.random.default_rng(0)
    real = _fake_cache(rng.integers(100, 600, 60).tolist(), "train")
    fake = _fake_cache(rng.integers(50, 200, 200).tolist(), "synth")
    labels = {i: np.zeros(1, np.int64) for i in range(60)}
    mix = SyntheticMix(fake, {i: np.zeros(1, np.int64) for i in range(200)}, share=0.2)
    settings = TrainSettings(epochs=5, max_frames=2000, seed=4)
    plan = BatchPlan(real, labels, settings, mix)
    real_frames = sum(e.n_frames for e in real.entries)
    seen: set[int] = set()
    for epoch, drawn in enumerate(plan.draws):
        synth_frames = sum(plan.data.entries[i].n_frames for i in drawn)
        assert 0 < synth_frames <= 0.2 / 0.8 * real_frames
        assert len(set(drawn)) == len(drawn) and all(i >= 60 for i in drawn)
        batches = plan.batches(epoch)
        assert sorted(i for b in batches for i in b) == sorted([*labels, *drawn])
        seen |= set(drawn)
    assert len(seen) == 200  # five epochs at ~20% cover the whole synthetic set
    assert plan.total_steps() == sum(len(plan.batches(e)) for e in range(5))
    usage = plan.usage()
    assert usage["synthetic_entries_used"] == 200 and usage["synthetic_frame_share"] <= 0.2

    # without synthetic data the batches are exactly those of make_batches, as before
    lengths = {i: real.entries[i].n_frames for i in labels}
    plain = BatchPlan(real, labels, settings)
    assert plain.usage() is None and plain.data is real
    for epoch in range(5):
        expected = make_batches(lengths, 2000, random.Random(4 * 1000 + epoch))
        assert plain.batches(epoch) == expected
    assert plain.total_steps() == 5 * len(make_batches(lengths, 2000, random.Random(0)))


# -- training --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_cache(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, FeatureCache]:
    root = tmp_path_factory.mktemp("real")
    corpus = make_tiny_corpus(root / "corpus", split="train", n=4)
    cache_dir = build_speechocean_cache(corpus, root / "prepare", speeds=(1.0,))
    return corpus, FeatureCache.load(cache_dir)


def test_training_step_mixes_synthetic_batches_and_stays_finite(
    real_cache: tuple[Path, FeatureCache], synth_dir: Path, tmp_path: Path
) -> None:
    from tutor.train.models import ConvPhoneNet

    _, cache = real_cache
    labels = {i: flat_start_labels(cache.get(i), e.words) for i, e in enumerate(cache.entries)}
    train_idx = {i: lab for i, lab in labels.items() if cache.entries[i].part == "train"}
    valid_idx = {i: lab for i, lab in labels.items() if cache.entries[i].part == "valid"}
    mix = SyntheticMix.load(synth_dir, share=0.5)
    torch.manual_seed(0)
    net = ConvPhoneNet(TINY)
    before = [p.detach().clone() for p in net.parameters()]
    messages: list[str] = []
    settings = TrainSettings(epochs=1, max_frames=1500, augment=False)
    train(
        net, cache, train_idx, settings, tmp_path / "ckpt.pt",
        valid_labels=valid_idx, synth=mix, log=messages.append,
    )  # fmt: skip
    line = next(m for m in messages if m.startswith("epoch 1"))
    loss = float(re.search(r"loss (\S+)", line).group(1))
    assert np.isfinite(loss) and loss > 0
    drawn = int(re.search(r"\+(\d+) synthetic", line).group(1))
    assert drawn > 0
    assert float(re.search(r"valid frame acc (\S+)", line).group(1)) >= 0  # real speech only
    assert any(not torch.equal(a, b) for a, b in zip(before, net.parameters(), strict=True))
    assert all(torch.isfinite(p).all() for p in net.parameters())


def test_pipeline_records_the_synthetic_speech_it_trained_on(
    real_cache: tuple[Path, FeatureCache], manifest: Path, tmp_path: Path
) -> None:
    corpus, cache = real_cache
    args = build_parser().parse_args(
        ["teacher", "--data", str(corpus), "--out", str(tmp_path), "--tiny",
         "--synth", str(manifest)]
    )  # fmt: skip
    run = Run.from_args(args)
    assert run.cfg.synth == manifest and run.cfg.synth_share == 0.3 and run.cfg.synth_copies == 1
    mix = prepare_synth(run.cfg, log=lambda m: None)
    done = json.loads((tmp_path / "synth" / "done.json").read_text())
    assert done["stats"]["utterances"] == len(TEXTS) and done["stats"]["entries"] == 8
    assert prepare_synth(PipelineConfig(data=corpus, out=tmp_path / "plain")) is None

    labels = {i: flat_start_labels(cache.get(i), e.words) for i, e in enumerate(cache.entries)}
    settings = TrainSettings(epochs=1, max_frames=1500)
    train_variant(run.cfg, "student", TINY, cache, labels, {}, settings, synth=mix, log=print)
    saved = torch.load(tmp_path / "student" / "model.pt", weights_only=False)
    assert saved["synthetic"]["synthetic_utterances_used"] > 0
    assert 0 < saved["synthetic"]["synthetic_frame_share"] <= 0.3
    train_variant(run.cfg, "plain", TINY, cache, labels, {}, settings, log=print)
    assert "synthetic" not in torch.load(tmp_path / "plain" / "model.pt", weights_only=False)


@pytest.mark.slow
def test_tutor_train_with_synth_reports_it_per_stage(
    real_cache: tuple[Path, FeatureCache], manifest: Path, tmp_path: Path
) -> None:
    corpus, _ = real_cache
    args = ["student", "--data", str(corpus), "--out", str(tmp_path), "--tiny",
            "--epochs", "0.1", "--threads", "1", "--synth", str(manifest)]  # fmt: skip
    assert train_main(args) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    for stage in ("teacher", "student"):
        assert report[stage]["synthetic_utterances_used"] > 0, stage
        assert report[stage]["synthetic_frame_share"] <= 0.3
    assert "synthetic utterances" in (tmp_path / "pipeline.log").read_text()
    run = Run.from_args(build_parser().parse_args(args))
    metadata = run._acoustic_metadata("student")
    assert "synthetic TTS speech" in metadata["training_data"]
    assert json.loads(metadata["settings"])["synthetic"]["copies"] == 1


def test_cli_rejects_a_missing_manifest_and_a_bad_share(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["teacher", "--data", str(tmp_path), "--out", str(tmp_path / "run")]
    assert train_main([*base, "--synth", str(tmp_path / "none.jsonl")]) == 2
    assert "manifest not found" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        build_parser().parse_args([*base, "--synth-share", "1.5"])
    assert "[0, 1)" in capsys.readouterr().err
