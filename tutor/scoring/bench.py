"""Benchmark the engine against expert labels (speechocean762 layout): PCC, MSE, latency."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from .audio import Audio, load_audio
from .bands import EXPERT_NEEDS_WORK, needs_work
from .detection import auc, human_f1, precision_recall_f1
from .engine import Scorer
from .errors import NotThePromptError
from .lexicon import WordPronunciation
from .noise_level import NOISY_WARNING
from .result import UtteranceResult
from .speechocean import LabelledUtterance

BENCH_KEYS = (
    "phone_pcc", "phone_mse", "word_accuracy_pcc", "word_total_pcc", "sentence_accuracy_pcc",
    "sentence_fluency_pcc", "sentence_prosodic_pcc", "sentence_completeness_pcc",
    "sentence_total_pcc", "latency_ms_p50", "latency_ms_p95", "rtf", "model_bytes",
    "n_utterances", "n_phones", "mdd_precision", "mdd_recall", "mdd_f1", "mdd_auc",
    "human_mdd_f1", "refused_real", "too_noisy",
)  # fmt: skip
SUBSTITUTE_KEYS = (
    "sub_caught", "sub_false_alarms", "sub_heard_as", "sub_heard_as_caught", "sub_refused",
    "sub_n",
)  # fmt: skip
GARBAGE_KEYS = (
    "garbage_noise_noticed", "garbage_other_noticed", "garbage_half_noticed",
    "garbage_real_flagged", "half_unsaid_low", "garbage_n",
)  # fmt: skip


def pcc(a: Iterable[float], b: Iterable[float]) -> float:
    """Pearson correlation; NaN when either side is constant (as with completeness)."""
    x, y = np.asarray(list(a), float), np.asarray(list(b), float)
    if len(x) < 2 or x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def canonical_words(utt: LabelledUtterance) -> list[WordPronunciation]:
    """The labelled canonical phones as explicit pronunciations, so phones pair one to one."""
    return [WordPronunciation(w.text, (tuple(w.phones),), "override") for w in utt.words]


@dataclass
class BenchRecord:
    utt: LabelledUtterance
    result: UtteranceResult
    seconds: float
    refused: bool = False  # the prompt check refused it (scored anyway for the correlations)


def run_bench(
    scorer: Scorer,
    utts: list[LabelledUtterance],
    progress: Callable[[int, int], None] | None = None,
    transform: Callable[[LabelledUtterance, Audio], Audio] | None = None,
) -> list[BenchRecord]:
    """Score every utterance (``transform`` changes each take first, e.g. adds classroom
    noise)."""
    records = []
    for k, utt in enumerate(utts):
        audio = load_audio(utt.audio)
        if transform is not None:
            audio = transform(utt, audio)
        t0 = time.perf_counter()
        refused = False
        try:
            result = scorer.score(audio, utt.text, words=canonical_words(utt))
        except NotThePromptError:
            refused = True
            result = scorer.score(audio, utt.text, words=canonical_words(utt), check_prompt=False)
        records.append(BenchRecord(utt, result, time.perf_counter() - t0, refused))
        if progress:
            progress(k + 1, len(utts))
    return records


def paired_latency_ratio(
    new: Scorer, reference: Scorer, utts: list[LabelledUtterance], rounds: int = 3
) -> float:
    """How much slower ``new`` scores than ``reference``: the median over utterances of
    their time ratio, the two taking turns on each utterance (which goes first alternates)
    so that both meet the same load. Benches cached from another run keep that run's p50;
    this ratio is measured afresh in one process."""
    ratios = []
    for k, utt in enumerate(utts):
        audio, words = load_audio(utt.audio), canonical_words(utt)
        seconds: dict[int, list[float]] = {id(new): [], id(reference): []}
        for r in range(rounds):
            for scorer in (new, reference) if (k + r) % 2 == 0 else (reference, new):
                t0 = time.perf_counter()
                scorer.score(audio, utt.text, words=words, check_prompt=False)
                seconds[id(scorer)].append(time.perf_counter() - t0)
        ratios.append(min(seconds[id(new)]) / max(min(seconds[id(reference)]), 1e-9))
    return float(np.median(ratios))


def metrics(
    records: list[BenchRecord],
    model_bytes: int,
    experts: dict[str, np.ndarray] | None = None,
) -> dict[str, float | int]:
    """Correlations with the experts, error detection (the app's amber/red against an
    expert mean under 1.5) and, with ``experts`` (each expert's phone scores), the same
    detection F1 for one expert against the mean of the others."""
    pred_p, gold_p, pred_wa, gold_wa, pred_wt, gold_wt = [], [], [], [], [], []
    for r in records:
        for wr, wl in zip(r.result.words, r.utt.words, strict=True):
            if len(wr.phones) != len(wl.phones):
                raise AssertionError(f"{r.utt.utt_id}: phones do not pair with the labels")
            pred_p += [p.score for p in wr.phones]
            gold_p += list(wl.phone_scores)
            pred_wa.append(wr.accuracy)
            gold_wa.append(wl.accuracy)
            pred_wt.append(wr.total)
            gold_wt.append(wl.total)
    seconds = np.array([r.seconds for r in records])
    audio_seconds = sum(r.result.duration for r in records)

    def sent(field: str) -> float:
        return pcc(
            (getattr(r.result, field) for r in records), (getattr(r.utt, field) for r in records)
        )

    flagged = [needs_work(x) for x in pred_p]
    wrong = [g < EXPERT_NEEDS_WORK for g in gold_p]
    precision, recall, f1 = precision_recall_f1(flagged, wrong)
    human = (
        human_f1((experts[r.utt.utt_id] for r in records if r.utt.utt_id in experts),
                 EXPERT_NEEDS_WORK)
        if experts
        else float("nan")
    )  # fmt: skip
    return {
        "phone_pcc": pcc(pred_p, gold_p),
        "phone_mse": float(np.mean((np.array(pred_p) - np.array(gold_p)) ** 2)),
        "word_accuracy_pcc": pcc(pred_wa, gold_wa),
        "word_total_pcc": pcc(pred_wt, gold_wt),
        "sentence_accuracy_pcc": sent("accuracy"),
        "sentence_fluency_pcc": sent("fluency"),
        "sentence_prosodic_pcc": sent("prosodic"),
        "sentence_completeness_pcc": sent("completeness"),
        "sentence_total_pcc": sent("total"),
        "latency_ms_p50": float(np.percentile(seconds, 50) * 1000),
        "latency_ms_p95": float(np.percentile(seconds, 95) * 1000),
        "rtf": float(seconds.sum() / max(audio_seconds, 1e-9)),
        "model_bytes": int(model_bytes),
        "n_utterances": len(records),
        "n_phones": len(pred_p),
        "mdd_precision": precision,
        "mdd_recall": recall,
        "mdd_f1": f1,
        "mdd_auc": auc([-x for x in pred_p], wrong),
        "human_mdd_f1": human,
        "refused_real": float(np.mean([r.refused for r in records])) if records else float("nan"),
        "too_noisy": (
            float(np.mean([NOISY_WARNING in r.result.warnings for r in records]))
            if records
            else float("nan")
        ),
    }
