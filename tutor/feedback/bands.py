"""Score bands and their colours. The thresholds live in :mod:`tutor.scoring.bands`, so
the engine's "mispronounced", the colours and the practice pass rule cannot drift apart."""

from __future__ import annotations

from tutor.scoring.bands import (
    PHONE_FAIR,
    PHONE_GOOD,
    TEN_FAIR,
    TEN_GOOD,
    Band,
    needs_work,
    phone_band,
    ten_band,
)

__all__ = [
    "PHONE_FAIR", "PHONE_GOOD", "TEN_FAIR", "TEN_GOOD", "Band", "COLOURS", "colour",
    "needs_work", "phone_band", "phone_colour", "ten_band", "ten_colour",
]  # fmt: skip

#: Colours per theme. Dark-theme colours are lighter so they read on a dark background.
COLOURS: dict[str, dict[Band, str]] = {
    "light": {Band.GOOD: "#1f9d55", Band.FAIR: "#d98e04", Band.POOR: "#d64545"},
    "dark": {Band.GOOD: "#4cc47f", Band.FAIR: "#f2b33d", Band.POOR: "#ff6b6b"},
}


def colour(band: Band, theme: str = "light") -> str:
    return COLOURS.get(theme, COLOURS["light"])[band]


def phone_colour(score: float, theme: str = "light") -> str:
    return colour(phone_band(score), theme)


def ten_colour(score: float, theme: str = "light") -> str:
    return colour(ten_band(score), theme)
