"""Which pipeline variant ships: the best validation phone PCC within the budgets."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("onnx")

from tutor.train.report import choose_shipped, table  # noqa: E402


def row(pcc: float, acoustic: int = 1_900_000, ms: float = 20.0, engine: bool = True) -> dict:
    key = "engine_phone_pcc" if engine else "phone_pcc"
    return {key: pcc, "acoustic_bytes": acoustic, "head_bytes": 2_000_000, "latency_ms_p50": ms}


def test_the_best_phone_pcc_within_the_budgets_ships() -> None:
    report = {
        "teacher": row(0.59, acoustic=9_000_000),  # best, but over 5 MB with its head
        "student": row(0.58),
        "distil": row(0.585, ms=60.0),  # over the latency budget
        "prune": row(0.57),
        "int8": row(0.57, acoustic=550_000),
    }
    assert choose_shipped(report) == "student"
    shipped_rows = [line for line in table(report).splitlines() if "(shipped)" in line]
    assert len(shipped_rows) == 1 and shipped_rows[0].startswith("| Student alone")


def test_a_tie_goes_to_the_smaller_file_and_nan_never_wins() -> None:
    report = {"prune": row(0.57), "int8": row(0.57, acoustic=550_000), "cluster": row(math.nan)}
    assert choose_shipped(report) == "int8"
    assert choose_shipped({"cluster": row(math.nan)}) == "cluster"


def test_the_engine_figure_is_preferred_to_the_head_figure() -> None:
    report = {"student": {**row(0.50), "phone_pcc": 0.60}, "prune": row(0.55, engine=False)}
    assert choose_shipped(report) == "prune"  # the student counts 0.50 (engine), not 0.60


def test_nothing_ships_when_nothing_fits() -> None:
    assert choose_shipped({"teacher": row(0.6, acoustic=9_000_000)}) is None
