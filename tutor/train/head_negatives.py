"""Retrain the scoring head on an acoustic model with text-perturbation negatives.

The experts' labels hold few clear substitutions, so a head trained on them alone learns
to agree with their average and lets a wrong sound pass. Here every training utterance
also appears with one or two expected phones swapped for sounds learners confuse them
with (:mod:`tutor.scoring.confusions`), in spots the experts rated correct: the audio keeps
the well-said original, so in effect the learner said the wrong sound, and the swapped
phone is labelled 0 (wrong). Word and sentence labels of a perturbed copy are left out of
the loss (the experts never rated that reading).

    python -m tutor.train.head_negatives --data ../shared/data/speechocean762 \\
        --models assets/models --out runs/head-neg [--ship-to assets/models]

Posteriors come from the shipped ONNX acoustic model, as the app runs it; validation
speakers (``tutor/train/splits``) are only measured, never trained on. With
``--fold-models`` the training utterances' posteriors come from cross-fitted students that
never heard their speaker (``distil_whisper --leave-out K/N``), so the head learns from
evidence shaped like a new learner's, not from a model that has memorised the speaker
(the distilled student agrees with its teacher on 87 % of its training speakers' frames,
74 % of new ones').
"""

from __future__ import annotations

import argparse
import contextlib
import json
import pickle
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from tutor.atomic import write_bytes
from tutor.scoring.audio import change_speed, load_audio
from tutor.scoring.classroom_noise import classroom_take
from tutor.scoring.confusions import confusable, swap_token
from tutor.scoring.features import frame_features
from tutor.scoring.gop import PHONE_FEATURES, UTTERANCE_FEATURES
from tutor.scoring.model import AcousticModel
from tutor.scoring.phones import split_stress
from tutor.scoring.speechocean import LabelledUtterance, LabelledWord, load_split
from tutor.scoring.trust_bench import confusable_spots

from .dataset import speaker_fold
from .dataset import valid_speakers as speaker_list
from .head import HeadSample, HeadSettings, export_head, make_sample, train_head

SPEEDS = (0.9, 1.0, 1.1)
CLEAN = 1.8  # only swap phones the experts rated at least this
SNR_RANGE = (5.0, 20.0)  # classroom copies: other learners this many dB below the reader


WRONG = 1.0  # a phone whose experts' mean is under this was said wrong


@dataclass(frozen=True)
class WrongSoundCosts:
    """What one wrong sound costs a word and a sentence in the experts' own scores, so a
    perturbed copy's swapped words and its sentence can be labelled too (``--rated``)."""

    word_accuracy: float  # mean accuracy of words with one wrong phone, the rest clean
    word_total: float
    sentence_accuracy_slope: float  # sentence score lost per unit share of words with one wrong
    sentence_total_slope: float


def wrong_sound_costs(utts: Sequence[LabelledUtterance]) -> WrongSoundCosts:
    """Measured on ``utts``: words with exactly one phone under :data:`WRONG` and every other
    at least :data:`CLEAN`, and the least-squares slope of the sentence accuracy and total
    on the share of words holding a phone under :data:`WRONG`."""
    one_wrong, share, accuracy, total = [], [], [], []
    for u in utts:
        held = 0
        for w in u.words:
            scores = np.asarray(w.phone_scores)
            wrong = scores < WRONG
            held += bool(wrong.any())
            if wrong.sum() == 1 and (scores[~wrong] >= CLEAN).all():
                one_wrong.append((w.accuracy, w.total))
        share.append(held / max(len(u.words), 1))
        accuracy.append(u.accuracy)
        total.append(u.total)
    if not one_wrong or np.ptp(share) == 0:
        raise ValueError("too few wrong sounds to measure what they cost")
    word = np.mean(one_wrong, axis=0)
    slope_accuracy, slope_total = (-float(np.polyfit(share, y, 1)[0]) for y in (accuracy, total))
    return WrongSoundCosts(float(word[0]), float(word[1]), slope_accuracy, slope_total)


def perturb(
    utt: LabelledUtterance,
    rng: np.random.Generator,
    n: int,
    costs: WrongSoundCosts | None = None,
) -> LabelledUtterance | None:
    """``utt`` with up to ``n`` clean phones (in different words) swapped for confusable
    ones, labelled 0. Without ``costs`` the word and sentence labels are NaN (not rated);
    with them a swapped word scores what such words score in the corpus, and the sentence
    accuracy and total lose the corpus's slope times the share of words swapped (fluency
    and prosody stay unrated)."""
    spots = [(w, i) for w, i, _ in confusable_spots(utt, CLEAN)]
    if not spots:
        return None
    rng.shuffle(spots)
    chosen: dict[int, int] = {}
    for w, i in spots:
        if w not in chosen and len(chosen) < n:
            chosen[w] = i
    nan = float("nan")
    words = []
    for w, word in enumerate(utt.words):
        if w not in chosen:
            words.append(replace(word, accuracy=nan, stress=nan, total=nan))
            continue
        i = chosen[w]
        options = confusable(split_stress(word.phones[i])[0])
        new = options[int(rng.integers(len(options)))]
        phones = list(word.phones)
        scores = list(word.phone_scores)
        phones[i], scores[i] = swap_token(phones[i], new), 0.0
        acc, tot = (costs.word_accuracy, costs.word_total) if costs else (nan, nan)
        words.append(LabelledWord(word.text, tuple(phones), tuple(scores), acc, nan, tot))
    share = len(chosen) / len(utt.words)
    sentence_accuracy = sentence_total = nan
    if costs:
        sentence_accuracy = max(0.0, utt.accuracy - costs.sentence_accuracy_slope * share)
        sentence_total = max(0.0, utt.total - costs.sentence_total_slope * share)
    return replace(
        utt, words=tuple(words), accuracy=sentence_accuracy, fluency=nan, prosodic=nan,
        completeness=nan, total=sentence_total,
    )  # fmt: skip


Posteriors = Callable[[LabelledUtterance, float], "np.ndarray | None"]


def acoustic_posteriors(acoustic: AcousticModel) -> Posteriors:
    """The app's acoustic model on the utterance's audio at ``speed``."""

    def run(utt: LabelledUtterance, speed: float) -> np.ndarray:
        audio = load_audio(utt.audio)
        samples = change_speed(audio.samples, audio.sample_rate, speed)
        return acoustic.log_posteriors(frame_features(samples, acoustic.features))

    return run


def fold_posteriors(models: list[AcousticModel]) -> Posteriors:
    """Each utterance through the model of its speaker's fold (one that never heard them)."""
    runs = [acoustic_posteriors(m) for m in models]

    def run(utt: LabelledUtterance, speed: float) -> np.ndarray | None:
        return runs[speaker_fold(utt.speaker, len(runs))](utt, speed)

    return run


def classroom_posteriors(
    acoustic: AcousticModel, pool: list[LabelledUtterance]
) -> Callable[[LabelledUtterance, float], np.ndarray]:
    """The acoustic model on the utterance with two other learners of ``pool`` talking at
    ``snr`` dB (:func:`tutor.scoring.classroom_noise.classroom_take`)."""

    def run(utt: LabelledUtterance, snr: float) -> np.ndarray:
        audio = classroom_take(utt, load_audio(utt.audio), pool, snr)
        return acoustic.log_posteriors(frame_features(audio.samples, acoustic.features))

    return run


def build_samples(
    utts: list[LabelledUtterance], posteriors: Posteriors, frame_shift: float,
    speeds: tuple[float, ...], negatives: int, swaps: int,
    classroom: int = 0, noisy: Posteriors | None = None, costs: WrongSoundCosts | None = None,
) -> list[HeadSample]:  # fmt: skip
    """GOP samples of every utterance at every speed (with ``negatives`` perturbed copies
    each) and, with ``noisy``, ``classroom`` copies heard through other learners' speech at
    SNR_RANGE dB, labelled as the clean reading."""
    out = []
    for k, utt in enumerate(utts):
        rng = np.random.default_rng(zlib.crc32(utt.utt_id.encode()))
        for _ in range(classroom if noisy is not None else 0):
            noisy_post = noisy(utt, float(rng.uniform(*SNR_RANGE))) if noisy else None
            if noisy_post is not None:
                with contextlib.suppress(ValueError):  # too few frames
                    out.append(make_sample(utt, noisy_post, frame_shift))
        for speed in speeds:
            log_post = posteriors(utt, speed)
            if log_post is None:
                continue
            variants = [utt] + [perturb(utt, rng, swaps, costs) for _ in range(negatives)]
            for v in variants:
                if v is None:
                    continue
                try:
                    out.append(make_sample(v, log_post, frame_shift))
                except ValueError:  # too few frames at this speed
                    continue
        if (k + 1) % 200 == 0 or k + 1 == len(utts):
            print(f"GOP samples: {k + 1}/{len(utts)} utterances", file=sys.stderr, flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tutor.train.head_negatives")
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--models", type=Path, required=True, help="folder with acoustic.onnx")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--negatives", type=int, default=1, help="perturbed copies per utterance")
    ap.add_argument("--swaps", type=int, default=2, help="phones swapped per copy")
    ap.add_argument("--members", type=int, default=HeadSettings.members)
    ap.add_argument("--limit", type=int, help="use only the first N training utterances")
    ap.add_argument(
        "--classroom",
        type=int,
        default=0,
        metavar="N",
        help="also N copies of each training utterance through other learners' speech",
    )
    ap.add_argument(
        "--rated",
        action="store_true",
        help="label the perturbed copies' swapped words and sentences with what a wrong "
        "sound costs in the experts' scores (WrongSoundCosts), not only their phones",
    )
    ap.add_argument("--ship-to", type=Path, help="copy head.onnx here when done")
    ap.add_argument(
        "--teacher",
        type=Path,
        help="measure the Whisper teacher instead: whisper_teacher's --out with phones.pt",
    )
    ap.add_argument(
        "--fold-models",
        type=lambda text: [Path(p) for p in text.split(",")],
        metavar="DIR0,DIR1,...",
        help="cross-fitted acoustic models; DIR k never heard the speakers of fold k",
    )
    args = ap.parse_args(argv)
    try:
        utts = load_split(args.data, "train")
        acoustic = AcousticModel.load(args.models / "acoustic.onnx")
    except Exception as exc:  # noqa: BLE001 - one clear line for any missing input
        print(f"error: {exc}", file=sys.stderr)
        return 2
    valid_speakers = set(speaker_list())
    train = [u for u in utts if u.speaker not in valid_speakers][: args.limit]
    valid = [u for u in utts if u.speaker in valid_speakers]
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    cache = args.out / "samples.pkl"  # reused when rerun with the same inputs
    speeds: tuple[float, ...] = SPEEDS
    posteriors = acoustic_posteriors(acoustic)
    if args.teacher:  # teacher frames exist for the recordings as they are (speed 1)
        from .teacher_phones import teacher_posteriors

        speeds, posteriors = (1.0,), teacher_posteriors(args.teacher)
    train_posteriors = posteriors
    if args.fold_models and not args.teacher:
        train_posteriors = fold_posteriors(
            [AcousticModel.load(d / "acoustic.onnx") for d in args.fold_models]
        )
    key = [args.negatives, args.swaps, args.limit, acoustic.metadata.get("version"), CLEAN,
           PHONE_FEATURES, UTTERANCE_FEATURES, str(args.teacher), args.classroom,
           [str(d) for d in args.fold_models or []], args.rated]  # fmt: skip
    cached = pickle.loads(cache.read_bytes()) if cache.is_file() else None
    if cached is not None and cached["key"] == key:
        train_s, valid_s = cached["train"], cached["valid"]
    else:
        shift = acoustic.frame_shift  # the teacher's frames are 20 ms too
        noisy = classroom_posteriors(acoustic, train) if args.classroom else None
        costs = wrong_sound_costs(train) if args.rated else None
        if costs:
            print(f"a wrong sound costs: {costs}", file=sys.stderr)
        train_s = build_samples(train, train_posteriors, shift, speeds, args.negatives, args.swaps,
                                args.classroom, noisy, costs)  # fmt: skip
        valid_s = build_samples(valid, posteriors, shift, (1.0,), 0, 0)
        write_bytes(cache, pickle.dumps({"key": key, "train": train_s, "valid": valid_s}))
    print(f"{len(train_s)} training samples, {len(valid_s)} validation ({time.time() - t0:.0f} s)")
    settings = HeadSettings(members=args.members)
    name = "head-neg" if args.negatives else "head"
    if args.fold_models:
        name += f"-xf{len(args.fold_models)}"
    head, metrics = train_head(train_s, valid_s, settings)
    path = export_head(
        head,
        args.out / "head.onnx",
        {
            "version": f"{name}-{time.strftime('%Y%m%d')}",
            "validation": json.dumps(metrics),
            "settings": json.dumps(asdict(settings)),
            "negatives": json.dumps(
                {
                    "copies": args.negatives,
                    "swaps": args.swaps,
                    "clean": CLEAN,
                    "label": 0.0,
                    "rated": args.rated,
                }
            ),  # fmt: skip
            "acoustic_version": acoustic.metadata.get("version", "?"),
            "cross_fit": json.dumps([str(d) for d in args.fold_models or []]),
            "test_time_speeds": ",".join(str(s) for s in speeds),
        },
    )
    (args.out / "head.json").write_text(json.dumps({**metrics, "seconds": time.time() - t0}))
    print(f"head: {path} " + json.dumps(metrics))
    if args.ship_to:
        import shutil

        shutil.copy2(path, args.ship_to / "head.onnx")
        print(f"shipped to {args.ship_to / 'head.onnx'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
