"""The Whisper teacher's packing of utterances into 30 s windows (no Whisper needed)."""

from __future__ import annotations

from tutor.train.whisper_teacher import GAP_SECONDS, RATE, WINDOW_SECONDS, pack


def test_packing_keeps_order_and_fits_each_window() -> None:
    lengths = [int(RATE * s) for s in (4.0, 9.5, 3.0, 12.0, 6.0, 31.0, 2.0)]
    windows = list(pack(lengths))
    assert [i for w in windows for i in w] == list(range(len(lengths)))
    room = WINDOW_SECONDS * RATE
    for w in windows:
        used = sum(min(lengths[i], room) for i in w) + GAP_SECONDS * RATE * (len(w) - 1)
        assert used <= room
    assert [5] in windows  # a clip longer than a window has one to itself (cut to 30 s)
    assert len(windows) < len(lengths)  # several utterances share one encoder call
