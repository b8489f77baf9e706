"""``tutor class export | report``: class results, offline.

On each laptop: ``tutor class export --learner NAME --out FILE.json`` (or ``--out FOLDER``).
On the teacher's computer: ``tutor class report FILE.json... --out class.html [--csv
class.csv]``. A file that cannot be read is left out with a message; the others still make
the report.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from datetime import date
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="class_command", metavar="ACTION", required=True)
    exp = sub.add_parser("export", help="write one learner's results to one file")
    exp.add_argument("--learner", required=True, help="the learner's name")
    exp.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="the file to write (a folder, or a path ending in /: "
        "NAME-DATE.tutor-results.json in it)",
    )
    rep = sub.add_parser("report", help="make a class report from exported files")
    rep.add_argument("exports", type=Path, nargs="+", metavar="EXPORT")
    rep.add_argument("--out", type=Path, required=True, metavar="FILE.html")
    rep.add_argument("--csv", type=Path, metavar="FILE.csv", help="also write a CSV")
    rep.add_argument("--title", default="Class pronunciation report")


def run(args: argparse.Namespace) -> int:
    return _export(args) if args.class_command == "export" else _report(args)


def _export(args: argparse.Namespace) -> int:
    from tutor.classroom import ResultsError, learner_results, write_results
    from tutor.paths import user_data_dir
    from tutor.progress import ProgressError, ProgressStore

    from .learner import progress_path

    try:
        with ProgressStore(progress_path()) as store:
            results = learner_results(store, args.learner, data_dir=user_data_dir())
        out = Path(args.out)
        if out.is_dir() or args.out.endswith(("/", os.sep)):
            slug = re.sub(r"[^\w-]+", "-", results.learner).strip("-") or "learner"
            out = out / f"{slug}-{date.today():%Y%m%d}.tutor-results.json"
        write_results(results, out)
    except (ProgressError, ResultsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Wrote {len(results.attempts)} attempts of {results.learner} to {out}")
    return 0


def _write_text(out: Path, text: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".html", dir=out.parent)
    try:
        os.chmod(tmp, 0o644)  # a report is for sharing (mkstemp makes it owner-only)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _report(args: argparse.Namespace) -> int:
    from tutor.classroom import ResultsError, read_results, render_html, summarise, write_csv

    results, left_out = [], []
    for path in args.exports:
        try:
            results.append(read_results(path))
        except ResultsError as exc:
            left_out.append(str(exc))
            print(f"warning: left out: {exc}", file=sys.stderr)
    if not results:
        print("error: none of the files could be read; no report written", file=sys.stderr)
        return 2
    summary = summarise(results)
    try:
        _write_text(args.out, render_html(summary, args.title, left_out))
        rows = write_csv(summary, args.csv) if args.csv else None
    except OSError as exc:
        print(f"error: cannot write the report: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(
        f"Wrote {args.out}: {len(summary.learners)} learners, {summary.attempts} attempts"
        + (f"; {args.csv}: {rows} rows" if rows is not None else "")
    )
    return 0
