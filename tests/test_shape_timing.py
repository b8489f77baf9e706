"""Timing acoustic model shapes against each other before training (no timing asserted)."""

from __future__ import annotations

import pytest

from tutor.train.shape_timing import Shape, main, time_shapes


def test_a_shape_reads_channels_by_blocks_and_refuses_anything_else() -> None:
    assert Shape.parse("448x8") == Shape(448, 8)
    assert str(Shape.parse("32X2")) == "32x2"
    for bad in ("448", "448x", "ax8", "0x8", "448x8x2"):
        with pytest.raises(ValueError, match="448x8|at least one"):
            Shape.parse(bad)


def test_every_shape_is_timed_against_the_first() -> None:
    timed = time_shapes([Shape(16, 1), Shape(24, 2)], spectral_front=4, frames=60, turns=2)
    assert list(timed) == ["16x1", "24x2"]
    assert timed["16x1"][1] == 1.0
    assert all(ms > 0 and ratio > 0 for ms, ratio in timed.values())


def test_the_command_prints_a_row_per_shape_and_refuses_a_repeat(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["16x1", "20x1", "--frames", "40", "--turns", "1"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| 2")]
    assert rows and rows[0].startswith("| 20x1 |")
    with pytest.raises(SystemExit):
        main(["16x1", "16x1"])
    assert "each shape once" in capsys.readouterr().err


def test_a_repeated_shape_is_refused_before_anything_is_built() -> None:
    with pytest.raises(ValueError, match="each shape once"):
        time_shapes([Shape(16, 1), Shape(16, 1)])
