"""Class results, offline: each laptop exports a learner's results to one file; the
teacher's computer reads the files and writes a class report (HTML and CSV). No Qt here."""

from .records import AttemptMark, LearnerResults, PhoneMark
from .report_csv import write_csv
from .report_html import render_html
from .results_file import ResultsError, learner_results, read_results, write_results
from .summary import ClassSummary, LearnerSummary, SoundStat, summarise

__all__ = [
    "AttemptMark",
    "ClassSummary",
    "LearnerResults",
    "LearnerSummary",
    "PhoneMark",
    "ResultsError",
    "SoundStat",
    "learner_results",
    "read_results",
    "render_html",
    "summarise",
    "write_csv",
    "write_results",
]
