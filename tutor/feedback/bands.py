"""Score bands and their colours: one place decides what counts as green, amber or red."""

from __future__ import annotations

from enum import Enum


class Band(Enum):
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"

    @property
    def label(self) -> str:
        return {"good": "Good", "fair": "Needs work", "poor": "Wrong or missing"}[self.value]


#: Phone scores run 0..2 (speechocean762: 2 correct, 1 accented, 0 wrong or missing).
PHONE_GOOD = 1.5
PHONE_FAIR = 0.8
#: Word and sentence scores run 0..10.
TEN_GOOD = 7.5
TEN_FAIR = 5.0

#: Colours per theme. Dark-theme colours are lighter so they read on a dark background.
COLOURS: dict[str, dict[Band, str]] = {
    "light": {Band.GOOD: "#1f9d55", Band.FAIR: "#d98e04", Band.POOR: "#d64545"},
    "dark": {Band.GOOD: "#4cc47f", Band.FAIR: "#f2b33d", Band.POOR: "#ff6b6b"},
}


def phone_band(score: float) -> Band:
    if score >= PHONE_GOOD:
        return Band.GOOD
    if score >= PHONE_FAIR:
        return Band.FAIR
    return Band.POOR


def ten_band(score: float) -> Band:
    if score >= TEN_GOOD:
        return Band.GOOD
    if score >= TEN_FAIR:
        return Band.FAIR
    return Band.POOR


def colour(band: Band, theme: str = "light") -> str:
    return COLOURS.get(theme, COLOURS["light"])[band]


def phone_colour(score: float, theme: str = "light") -> str:
    return colour(phone_band(score), theme)


def ten_colour(score: float, theme: str = "light") -> str:
    return colour(ten_band(score), theme)
