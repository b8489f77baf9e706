"""The chain runs independent single-threaded stages (the two heads, the benches) side by
side; results must come back in order and a failing stage must stop the chain."""

from __future__ import annotations

import sys

import pytest

from tutor.train.whisper_chain import _side_by_side


def test_stages_run_side_by_side_return_in_order() -> None:
    assert _side_by_side([(pow, (2, 3)), (pow, (3, 2)), (abs, (-4,))]) == [8, 9, 4]
    assert _side_by_side([]) == []


def test_a_failing_stage_is_raised_in_the_chain() -> None:
    with pytest.raises(ValueError):
        _side_by_side([(int, ("1",)), (int, ("not a number",))])


def test_a_stage_that_exits_stops_the_chain_with_its_message() -> None:
    # _step raises SystemExit("[chain] ... failed") in the worker; the chain must exit too
    with pytest.raises(SystemExit, match="head failed"):
        _side_by_side([(sys.exit, ("[chain] head failed",)), (abs, (1,))])
