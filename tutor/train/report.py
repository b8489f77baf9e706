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

from .dataset import valid_speakers
from .export import set_metadata


class ShipSource(Protocol):
    """What the ship stage needs from a run (:class:`tutor.train.run.Run` is one)."""

    @property
    def run_folder(self) -> Path: ...

    @property
    def data_folder(self) -> Path: ...

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


def choose_shipped(report: dict) -> str | None:
    """The variant that ships: among those within the size and latency budgets, the best
    phone PCC through the engine on the validation slice; a tie goes to the smaller file."""

    def fits(r: dict) -> bool:
        size = r.get("acoustic_bytes", math.inf) + r.get("head_bytes", math.inf)
        return size <= BUDGET_BYTES and r.get("latency_ms_p50", math.inf) <= BUDGET_MS

    def rank(key: str) -> tuple[float, float]:
        pcc = _figure(report[key], "phone_pcc")
        return (-math.inf if math.isnan(pcc) else pcc, -report[key]["acoustic_bytes"])

    candidates = [k for k, _ in ROWS if k in report and fits(report[k])]
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


def table(report: dict) -> str:
    shipped = choose_shipped(report)
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


def ship(run: ShipSource, ship_to: Path | None) -> None:
    """Measure each variant through the engine, write ``table.md``, and copy the chosen
    models to ``ship_to`` (when given)."""
    out = run.run_folder
    keep = valid_speakers()
    utts = [u for u in load_split(run.data_folder, "train") if u.speaker in keep]
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
    (out / "table.md").write_text(table(report) + "\n")
    run.log("model table:\n" + table(report))
    if ship_to is None:
        return
    shipped = choose_shipped(report)
    if shipped is None:
        run.log(f"nothing shipped: no variant fits {BUDGET_BYTES:,} bytes and {BUDGET_MS} ms")
        return
    ship_to.mkdir(parents=True, exist_ok=True)
    shutil.copy(out / shipped / "acoustic.onnx", ship_to / ACOUSTIC_FILE)
    set_metadata(ship_to / ACOUSTIC_FILE, {"validation": json.dumps(report[shipped])})
    shutil.copy(out / shipped / "head.onnx", ship_to / HEAD_FILE)
    (ship_to / "metrics.json").write_text(json.dumps(report, indent=2) + "\n")
    (ship_to / "table.md").write_text(table(report) + "\n")
    run.log(f"shipped {shipped} models to {ship_to} (default app models: {models_dir()})")
