"""Benchmark the engine against expert labels (speechocean762 layout): PCC, MSE, latency."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from .audio import load_audio
from .engine import Scorer
from .lexicon import WordPronunciation
from .result import UtteranceResult
from .speechocean import LabelledUtterance

BENCH_KEYS = (
    "phone_pcc", "phone_mse", "word_accuracy_pcc", "word_total_pcc", "sentence_accuracy_pcc",
    "sentence_fluency_pcc", "sentence_prosodic_pcc", "sentence_completeness_pcc",
    "sentence_total_pcc", "latency_ms_p50", "latency_ms_p95", "rtf", "model_bytes",
    "n_utterances", "n_phones",
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


def run_bench(
    scorer: Scorer,
    utts: list[LabelledUtterance],
    progress: Callable[[int, int], None] | None = None,
) -> list[BenchRecord]:
    records = []
    for k, utt in enumerate(utts):
        audio = load_audio(utt.audio)
        t0 = time.perf_counter()
        result = scorer.score(audio, utt.text, words=canonical_words(utt))
        records.append(BenchRecord(utt, result, time.perf_counter() - t0))
        if progress:
            progress(k + 1, len(utts))
    return records


def metrics(records: list[BenchRecord], model_bytes: int) -> dict[str, float | int]:
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
    }
