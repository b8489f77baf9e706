"""The ship stage: time each variant as the app runs it, write the model card's table, and
copy the chosen models to ``assets/models``."""

from __future__ import annotations

import gzip
import json
import math
import shutil
from pathlib import Path
from typing import Protocol

from tutor.paths import models_dir
from tutor.scoring.bench import metrics, run_bench
from tutor.scoring.engine import ACOUSTIC_FILE, HEAD_FILE, Scorer
from tutor.scoring.head_inputs import check_contract
from tutor.scoring.model import AcousticModel, ScoringHead
from tutor.scoring.speechocean import LabelledUtterance, load_split

from .dataset import FeatureCache, valid_speakers
from .export import set_metadata


class ShipSource(Protocol):
    """What the ship stage needs from a run (:class:`tutor.train.run.Run` is one)."""

    @property
    def run_folder(self) -> Path: ...

    @property
    def data_folder(self) -> Path: ...

    @property
    def cache(self) -> FeatureCache: ...

    def report(self) -> dict: ...

    def update_report(self, name: str, info: dict) -> None: ...

    def log(self, message: str) -> None: ...


ROWS = (
    ("teacher", "Teacher (wide conv net)"),
    ("student", "Student alone"),
    ("distil", "Student + distillation (+ self-distillation)"),
    ("prune", "+ magnitude pruning"),
    ("cluster", "+ channel-wise k-means clustering"),
    ("int8", "+ INT8 static quantisation"),
)
BUDGET_BYTES = 5_000_000  # all scoring models together (acoustic + head)
BUDGET_MS = 50.0  # p50 per utterance, one thread


def fits(r: dict, budget_ms: float = BUDGET_MS) -> bool:
    """Within the size budget and (p50 per utterance) the latency budget."""
    size = r.get("acoustic_bytes", math.inf) + r.get("head_bytes", math.inf)
    return size <= BUDGET_BYTES and r.get("latency_ms_p50", math.inf) <= budget_ms


def choose_shipped(report: dict, budget_ms: float = BUDGET_MS) -> str | None:
    """The variant that ships: among those within the size and latency budgets, the best
    phone PCC through the engine on the validation slice; a tie goes to the smaller file.
    ``budget_ms`` is the latency budget (``tutor-train --latency-budget``)."""

    def rank(key: str) -> tuple[float, float]:
        pcc = _figure(report[key], "phone_pcc")
        return (-math.inf if math.isnan(pcc) else pcc, -report[key]["acoustic_bytes"])

    candidates = [k for k, _ in ROWS if k in report and fits(report[k], budget_ms)]
    return max(candidates, key=rank) if candidates else None


def gzip_bytes(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def engine_metrics(scorer: Scorer, utts: list[LabelledUtterance]) -> dict:
    """The variant as the app runs it (ONNX, one thread, the head's test-time speeds): what
    ``tutor bench`` would print for it on the validation slice."""
    m = metrics(run_bench(scorer, utts), scorer.model_bytes)
    return {
        "engine_phone_pcc": m["phone_pcc"],
        "engine_phone_mse": m["phone_mse"],
        "engine_word_acc_pcc": m["word_accuracy_pcc"],
        "engine_utt_total_pcc": m["sentence_total_pcc"],
        "latency_ms_p50": m["latency_ms_p50"],
    }


def _figure(r: dict, key: str) -> float:
    """The engine's figure where the ship stage measured it, else the head's own."""
    return r.get(f"engine_{key}", r.get(key, float("nan")))


def table(report: dict, budget_ms: float = BUDGET_MS) -> str:
    shipped = choose_shipped(report, budget_ms)
    head = (
        "| model | parameters (non-zero) | ONNX bytes | gzip bytes | phone PCC | phone MSE "
        "| word acc. PCC | sentence total PCC | p50 ms |"
    )
    lines = [head, "|" + "---|" * 9]
    for key, label in ROWS:
        r = report.get(key)
        if not r:
            continue
        if key == "prune" and r.get("compressed_from") == "student":
            label = "Student alone + magnitude pruning (distillation skipped)"
        if key == shipped:
            label += " **(shipped)**"
        params = f"{r.get('parameters', 0):,}"
        if "nonzero_parameters" in r:
            params += f" ({r['nonzero_parameters']:,})"
        lines.append(
            f"| {label} | {params} | {r.get('acoustic_bytes', 0):,} | {r.get('gzip_bytes', 0):,} "
            f"| {_figure(r, 'phone_pcc'):.3f} | {_figure(r, 'phone_mse'):.3f} "
            f"| {_figure(r, 'word_acc_pcc'):.3f} | {_figure(r, 'utt_total_pcc'):.3f} "
            f"| {r.get('latency_ms_p50', float('nan')):.1f} |"
        )
    return "\n".join(lines)


def validation_utterances(run: ShipSource) -> list[LabelledUtterance]:
    """The validation utterances this run prepared (so ``--limit`` bounds the ship stage too)."""
    prepared = {e.utt_id for e in run.cache.entries if e.part == "valid"}
    keep = valid_speakers()
    return [
        u
        for u in load_split(run.data_folder, "train")
        if u.speaker in keep and u.utt_id in prepared
    ]


def ship(run: ShipSource, ship_to: Path | None, budget_ms: float = BUDGET_MS) -> str | None:
    """Measure every variant through the engine, write the table; copy the chosen variant's
    models to ``ship_to`` (when given). Returns the chosen variant, or ``None``."""
    out = run.run_folder
    utts = validation_utterances(run)
    for key, _ in ROWS:
        acoustic = out / key / "acoustic.onnx"
        head = out / key / "head.onnx"
        if not (acoustic.exists() and head.exists()):
            continue
        if "latency_ms_p50" in run.report().get(key, {}):
            continue
        h = ScoringHead.load(head, threads=1)
        check_contract(h)
        scorer = Scorer(AcousticModel.load(acoustic, threads=1), h)
        run.log(f"ship: {key} through the engine on {len(utts)} validation utterances")
        run.update_report(
            key,
            {
                **engine_metrics(scorer, utts),
                "gzip_bytes": gzip_bytes(acoustic),
                "acoustic_bytes": acoustic.stat().st_size,
            },
        )
    if "int8" in run.report() and "cluster" in run.report():
        run.update_report("int8", {"parameters": run.report()["cluster"].get("parameters", 0)})
    report = run.report()
    (out / "table.md").write_text(table(report, budget_ms) + "\n")
    run.log("model table:\n" + table(report, budget_ms))
    shipped = choose_shipped(report, budget_ms)
    if shipped is None:
        run.log(f"nothing chosen: no variant fits {budget_rule(budget_ms)}")
        return None
    if ship_to is None:
        return shipped
    ship_to.mkdir(parents=True, exist_ok=True)
    shutil.copy(out / shipped / "acoustic.onnx", ship_to / ACOUSTIC_FILE)
    set_metadata(ship_to / ACOUSTIC_FILE, {"validation": json.dumps(report[shipped])})
    shutil.copy(out / shipped / "head.onnx", ship_to / HEAD_FILE)
    (ship_to / "metrics.json").write_text(json.dumps(report, indent=2) + "\n")
    (ship_to / "table.md").write_text(table(report, budget_ms) + "\n")
    run.log(f"shipped {shipped} models to {ship_to} (default app models: {models_dir()})")
    return shipped


def budget_rule(budget_ms: float) -> str:
    if math.isinf(budget_ms):
        return f"{BUDGET_BYTES:,} bytes (acoustic + head), with no latency budget"
    return f"{BUDGET_BYTES:,} bytes (acoustic + head) and {budget_ms:g} ms p50 per utterance"


def summary(
    report: dict, out: Path, ship_to: Path | None, budget_ms: float = BUDGET_MS
) -> list[str]:
    """The lines a run ends with: where its results are and which variant was chosen, why."""
    lines = [
        f"table:  {out / 'table.md'}",
        f"report: {out / 'report.json'} (log: {out / 'pipeline.log'})",
    ]
    shipped = choose_shipped(report, budget_ms)
    rule = budget_rule(budget_ms)
    misfits = [k for k, _ in ROWS if k in report and not fits(report[k], budget_ms)]
    if shipped is None:
        lines.append(f"chosen: none: no variant fits {rule}")
        return lines
    pcc = _figure(report[shipped], "phone_pcc")
    where = ship_to if ship_to is not None else out / shipped
    lines += [
        f"chosen: {shipped}: the best validation phone PCC ({pcc:.3f}) among the variants "
        f"within {rule}" + (f" (outside it: {', '.join(misfits)})" if misfits else ""),
        f"models: {where / ACOUSTIC_FILE}, {where / HEAD_FILE}",
    ]
    return lines
