"""The class report as one printable HTML page: no scripts, no fonts, no images to fetch
(sparklines are inline SVG). Every text from a results file is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from tutor.feedback.bands import COLOURS, phone_band, ten_band

from .records import AttemptMark
from .summary import ClassSummary, LearnerSummary, SoundStat, trend_word

RECENT_ATTEMPTS = 40

CSS = """
body { font: 11pt/1.4 sans-serif; color: #222; margin: 1.5em; }
h1 { font-size: 1.6em; margin-bottom: 0.1em; } h2 { margin-top: 1.6em; }
h3 { margin-bottom: 0.3em; } .muted { color: #666; }
table { border-collapse: collapse; margin: 0.4em 0 1em; }
th, td { border: 1px solid #bbb; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }
th { background: #eee; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.good { background: #d6f0df; } .fair { background: #fbe9c6; } .poor { background: #f6d2d2; }
.ipa { font-family: "DejaVu Sans", "Doulos SIL", "Charis SIL", serif; }
.matrix td { text-align: center; min-width: 2.6em; }
section.learner { break-before: page; page-break-before: always; }
@media print { body { margin: 0; font-size: 9.5pt; } a { color: inherit; } }
"""


def _band_class(score: float, ten: bool = False) -> str:
    return (ten_band(score) if ten else phone_band(score)).value


def _when(when: datetime | None) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M") if when else "—"


def _sound(stat: SoundStat) -> str:
    return f'<span class="ipa">/{escape(stat.ipa)}/</span> {escape(stat.phone)}'


def _trend(change: float | None, scale: float = 1.0) -> str:
    word = trend_word(change if change is None else change / scale)
    sign = "" if change is None else f" ({change:+.1f})"
    return f"{word}{sign}"


def sparkline(
    values: Sequence[float], top: float = 10.0, width: int = 120, height: int = 24
) -> str:
    """An inline SVG line of ``values`` (0..top), oldest on the left."""
    if len(values) < 2:
        return ""
    step = width / (len(values) - 1)
    points = " ".join(
        f"{i * step:.1f},{height - 2 - v / top * (height - 4):.1f}" for i, v in enumerate(values)
    )
    colour = COLOURS["light"][ten_band(values[-1])]
    return (
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="totals over time"><polyline fill="none" '
        f'stroke="{colour}" stroke-width="1.5" points="{points}"/></svg>'
    )


def _needs_cell(learner: LearnerSummary) -> str:
    if not learner.attempts:
        return '<span class="muted">no attempts</span>'
    if not learner.needs:
        return "nothing below “good”"
    parts = []
    for s in learner.needs:
        heard = f", heard as {escape(s.heard_as_text)}" if s.heard_as else ""
        parts.append(f'{_sound(s)} <span class="{_band_class(s.mean)}">{s.mean:.1f}</span>{heard}')
    return "<br>".join(parts)


def _overview(summary: ClassSummary) -> str:
    rows = []
    for index, lr in enumerate(summary.learners):
        mean = lr.mean_total
        mean_cell = (
            f'<td class="num {_band_class(mean, True)}">{mean:.1f}</td>'
            if mean is not None
            else "<td>—</td>"
        )
        rows.append(
            f'<tr><td><a href="#learner-{index}">{escape(lr.name)}</a></td>'
            f'<td class="num">{len(lr.attempts)}</td><td class="num">{lr.passed}</td>'
            f"{mean_cell}<td>{_trend(lr.total_change, 5)}<br>"
            f"{sparkline([a.total for a in lr.attempts])}</td>"
            f"<td>{_when(lr.last)}</td><td>{_needs_cell(lr)}</td></tr>"
        )
    return (
        "<h2>Who needs what</h2><table><tr><th>Learner</th><th>Attempts</th>"
        "<th>Passed</th><th>Average (0–10)</th><th>Trend</th><th>Last practice</th>"
        "<th>Sounds to work on (mean 0–2)</th></tr>" + "".join(rows) + "</table>"
    )


def _sounds(summary: ClassSummary) -> str:
    rows = []
    for cs in summary.sounds:
        s = cs.stat
        needing = ", ".join(f"{escape(n)} ({m:.1f})" for n, m in cs.needing) or "—"
        rows.append(
            f'<tr><td>{_sound(s)}</td><td class="num {_band_class(s.mean)}">{s.mean:.2f}</td>'
            f'<td class="num">{s.right_share:.0%}</td><td class="num">{s.times}</td>'
            f"<td>{cs.learners}</td><td>{needing}</td>"
            f"<td>{escape(s.heard_as_text) or '—'}</td><td>{_trend(s.change)}</td></tr>"
        )
    return (
        '<h2>Sounds across the class</h2><p class="muted">Weakest first. Mean of the '
        "expert-like phone score: 2 right, 1 accented, 0 wrong or missing; “right” counts "
        "scores of 1.5 or more.</p><table><tr><th>Sound</th><th>Mean</th><th>Right</th>"
        "<th>Times said</th><th>Learners</th><th>Needs work (mean)</th><th>Heard instead"
        "</th><th>Trend</th></tr>" + "".join(rows) + "</table>"
    )


def _matrix(summary: ClassSummary) -> str:
    sounds = sorted((cs.stat for cs in summary.sounds), key=lambda s: s.phone)
    if not sounds or not summary.learners:
        return ""
    head = "".join(
        f'<th><span class="ipa">{escape(s.ipa)}</span><br>{escape(s.phone)}</th>' for s in sounds
    )
    rows = []
    for lr in summary.learners:
        cells = []
        for s in sounds:
            mine = lr.sound(s.phone)
            cells.append(
                f'<td class="{_band_class(mine.mean)}">{mine.mean:.1f}</td>'
                if mine
                else '<td class="muted">·</td>'
            )
        rows.append(f"<tr><th>{escape(lr.name)}</th>{''.join(cells)}</tr>")
    return (
        '<h2>Learner × sound</h2><table class="matrix"><tr><th></th>'
        + head
        + "</tr>"
        + "".join(rows)
        + "</table>"
    )


def _attempt_row(a: AttemptMark) -> str:
    weak = [p for p in a.phones if not p.ok]
    weak_text = (
        ", ".join(
            f'{escape(p.word)}: <span class="ipa">/{escape(p.ipa)}/</span> {p.score:.1f}'
            + (
                f' → heard <span class="ipa">/{escape(p.heard_ipa)}/</span>'
                if p.heard and p.heard != p.phone
                else ""
            )
            for p in weak[:6]
        )
        or "—"
    )
    verdict = "pass" if a.passed else "fail"
    return (
        f"<tr><td>{_when(a.when)}</td><td>{escape(a.pack)} / {escape(a.item)}</td>"
        f'<td>{escape(a.text)}</td><td class="num {_band_class(a.total, True)}">'
        f'{a.total:.1f}</td><td class="{"good" if a.passed else "poor"}">{verdict}</td>'
        f"<td>{weak_text}</td></tr>"
    )


def _learner(index: int, lr: LearnerSummary) -> str:
    sounds = "".join(
        f'<tr><td>{_sound(s)}</td><td class="num {_band_class(s.mean)}">{s.mean:.2f}</td>'
        f'<td class="num">{s.right_share:.0%}</td><td class="num">{s.times}</td>'
        f"<td>{escape(s.heard_as_text) or '—'}</td><td>{_trend(s.change)}</td></tr>"
        for s in lr.sounds
    )
    recent = lr.attempts[-RECENT_ATTEMPTS:]
    shown = (
        f"the {len(recent)} most recent of {len(lr.attempts)}"
        if len(recent) < len(lr.attempts)
        else f"all {len(lr.attempts)}"
    )
    attempts = "".join(_attempt_row(a) for a in reversed(recent))
    files = ", ".join(escape(s.rsplit("/", 1)[-1]) for s in lr.sources if s)
    return (
        f'<section class="learner" id="learner-{index}"><h2>{escape(lr.name)}</h2>'
        f'<p class="muted">{len(lr.attempts)} attempts, {lr.passed} passed, from '
        f"{_when(lr.first)} to {_when(lr.last)}; file: {files or '—'}</p>"
        "<h3>Sounds (weakest first)</h3><table><tr><th>Sound</th><th>Mean</th>"
        "<th>Right</th><th>Times said</th><th>Heard instead</th><th>Trend</th></tr>"
        f"{sounds}</table><h3>Attempts ({shown}, newest first)</h3><table><tr>"
        "<th>When</th><th>Pack / item</th><th>Text</th><th>Total</th><th>Result</th>"
        "<th>Sounds below “good” (heard as)</th></tr>"
        f"{attempts}</table></section>"
    )


def render_html(
    summary: ClassSummary, title: str = "Class pronunciation report", left_out: Sequence[str] = ()
) -> str:
    """The page; ``left_out`` lists files that could not be read (shown at the top)."""
    learners = summary.learners
    skipped = (
        "<p><strong>Files left out:</strong></p><ul>"
        + "".join(f"<li>{escape(m)}</li>" for m in left_out)
        + "</ul>"
        if left_out
        else ""
    )
    span = [lr.first for lr in learners if lr.first] + [lr.last for lr in learners if lr.last]
    period = f"{_when(min(span))} to {_when(max(span))}" if span else "no attempts yet"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f'<h1>{escape(title)}</h1><p class="muted">{len(learners)} learners, '
        f"{summary.attempts} attempts, {period}. Made by tutor on {_when(summary.generated)}. "
        "An attempt passes when its focus sounds are mostly right (the rule practice uses)."
        "</p>"
        + skipped
        + _overview(summary)
        + _sounds(summary)
        + _matrix(summary)
        + "".join(_learner(i, lr) for i, lr in enumerate(learners))
        + "</body></html>\n"
    )
