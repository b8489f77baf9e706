"""Class results: three learners exported on "their laptops", one class report (HTML and
CSV) on the teacher's; hostile or damaged files are left out with a clear message."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.progress_helpers import make_result
from tutor.classroom import (
    ResultsError,
    learner_results,
    read_results,
    render_html,
    summarise,
    write_results,
)
from tutor.cli import main
from tutor.commands.learner import progress_path
from tutor.progress import ProgressStore

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CHLOE = "=Chloé <b>"  # a spreadsheet formula and HTML in one name


def _fill(store: ProgressStore, home: Path) -> None:
    """Ana: TH wrong (heard as S) at first, then right. Ben: all right. Chloé: SH weak."""
    for day in range(6):
        when = START + timedelta(days=day)
        th = 0.5 if day < 3 else 1.9
        store.record_attempt(
            "Ana",
            "th-sounds",
            "think",
            make_result("think", {"TH": th}),
            audio_path=home / "recordings" / f"ana-{day}.wav",
            when=when,
        )
        store.record_attempt("Ben", "th-sounds", "three", make_result("three"), when=when)
        store.record_attempt(
            CHLOE,
            "ship-sheep",
            "ship",
            make_result("ship", {"SH": 0.9}),
            audio_path="/elsewhere/chloe.wav",
            when=when,
        )


@pytest.fixture
def exports(tmp_path: Path, tutor_home: Path) -> list[Path]:
    with ProgressStore(progress_path()) as store:
        _fill(store, tutor_home)
    files = []
    for name in ("Ana", "Ben", CHLOE):
        out = tmp_path / "usb" / f"{len(files)}.json"
        assert main(["class", "export", "--learner", name, "--out", str(out)]) == 0
        files.append(out)
    return files


def test_export_holds_phones_heard_as_pass_ipa_and_no_absolute_paths(exports, tutor_home):
    data = json.loads(exports[0].read_text(encoding="utf-8"))
    assert data["format"] == "tutor-class-results" and data["learner"] == "Ana"
    assert len(data["attempts"]) == 6
    first, last = data["attempts"][0], data["attempts"][-1]
    th = first["phones"][0]
    assert (th["phone"], th["ipa"], th["heard"], th["heard_ipa"], th["ok"]) == (
        "TH",
        "θ",
        "S",
        "s",
        False,
    )
    assert first["passed"] is False and last["passed"] is True
    assert first["when"].startswith("2026-11-02T09:00:00")
    assert first["audio"] == "recordings/ana-0.wav"  # relative to the data folder
    assert str(tutor_home) not in exports[0].read_text(encoding="utf-8")
    chloe = json.loads(exports[2].read_text(encoding="utf-8"))
    assert chloe["learner"] == CHLOE and chloe["attempts"][0]["audio"] is None


def test_pass_follows_the_items_focus_sounds(tutor_home):
    with ProgressStore(progress_path()) as store:
        store.record_attempt("Dee", "p", "think", make_result("think", {"TH": 1.2}))
        strict = learner_results(store, "dee", focus=lambda pack, item: ())
        on_ng = learner_results(store, "Dee", focus=lambda pack, item: ("NG",))
    # TH at 1.2 fails when every sound counts; a third as much when the focus is NG
    assert strict.learner == "Dee" and strict.attempts[0].passed is False
    assert on_ng.attempts[0].passed is True and on_ng.attempts[0].focus == ("NG",)


def test_class_report_from_three_exported_learners(exports, tmp_path, capsys):
    html_out, csv_out = tmp_path / "class.html", tmp_path / "class.csv"
    assert (
        main(["class", "report", *map(str, exports), "--out", str(html_out), "--csv", str(csv_out)])
        == 0
    )
    assert "3 learners, 18 attempts" in capsys.readouterr().out
    page = html_out.read_text(encoding="utf-8")
    # self-contained and printable: no scripts, no external assets, a print stylesheet
    for banned in ("<script", "http://", "https://", "<link", "src=", "@import", "url("):
        assert banned not in page
    assert "@media print" in page and "<svg" in page
    assert "=Chloé &lt;b&gt;" in page and "<b>" not in page
    assert "/θ/</span> TH" in page and "heard as /s/ S ×3" in page
    assert ">pass<" in page and ">fail<" in page
    who = page.split("<h2>Who needs what</h2>")[1].split("</table>")[0]
    rows = {r.split("</a>")[0].rsplit(">", 1)[-1]: r for r in who.split("<tr>")[2:]}
    assert (
        "TH" in rows["Ana"] and "nothing below" in rows["Ben"] and "SH" in rows["=Chloé &lt;b&gt;"]
    )

    with open(csv_out, encoding="utf-8-sig", newline="") as fh:
        table = {(r["learner"], r["sound"]): r for r in csv.DictReader(fh)}
    ana_th = table[("Ana", "TH")]
    assert ana_th["ipa"] == "θ" and ana_th["needs_work"] == "yes"
    assert ana_th["trend"] == "improving" and float(ana_th["change"]) == pytest.approx(1.4)
    assert ana_th["heard_as"] == "Sx3" and ana_th["times"] == "6"
    assert not any(r["needs_work"] == "yes" for (name, _), r in table.items() if name == "Ben")
    assert table[("'=Chloé <b>", "SH")]["needs_work"] == "yes"  # formula defused
    assert table[("'=Chloé <b>", "SH")]["trend"] == "steady"


def test_the_same_learner_from_two_laptops_is_one_learner(exports, tmp_path):
    ana = read_results(exports[0])
    other = tmp_path / "ana-laptop2.json"
    write_results(learner_results_renamed(ana, "ANA"), other)
    summary = summarise([ana, read_results(other), read_results(exports[1])])
    assert [lr.name for lr in summary.learners] == ["Ana", "Ben"]
    assert len(summary.learners[0].attempts) == 6  # the same attempts counted once


def learner_results_renamed(results, name):  # noqa: ANN001, ANN201 - test helper
    from dataclasses import replace

    return replace(results, learner=name)


def _hostile(tmp_path: Path, good: Path) -> dict[str, tuple[Path, str]]:
    data = json.loads(good.read_text(encoding="utf-8"))
    files: dict[str, tuple[bytes | str, str]] = {
        "binary.json": (b"\x89PNG\r\n\x1a\n\x00\xff", "not UTF-8"),
        "text.json": ("hello", "not valid JSON"),
        "array.json": ("[1, 2]", "not a tutor results file"),
        "csv.json": ("learner,time\nAna,now\n", "not valid JSON"),
        "nested.json": ("[" * 200_000 + "]" * 200_000, "not valid JSON"),
        "newer.json": (json.dumps({**data, "version": 99}), "newer tutor"),
        "nan.json": (
            good.read_text(encoding="utf-8").replace('"total": ', '"total": NaN, "x": ', 1),
            "NaN",
        ),
    }

    def damaged(change):  # noqa: ANN001, ANN202
        copy = json.loads(json.dumps(data))
        change(copy)
        return json.dumps(copy)

    files["score.json"] = (
        damaged(lambda d: d["attempts"][1]["phones"][0].update(score=7)),
        "attempt 2: 'score' must be a number from 0 to 2",
    )
    files["phone.json"] = (
        damaged(lambda d: d["attempts"][0]["phones"][0].update(phone="<script>")),
        "unknown phone",
    )
    files["learner.json"] = (damaged(lambda d: d.update(learner=["x"])), "'learner' must be")
    files["attempts.json"] = (damaged(lambda d: d.update(attempts={"a": 1})), "'attempts'")
    files["time.json"] = (damaged(lambda d: d["attempts"][0].update(when="yesterday")), "ISO date")
    out = {}
    for name, (content, reason) in files.items():
        path = tmp_path / "hostile" / name
        path.parent.mkdir(exist_ok=True)
        (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
        out[name] = (path, reason)
    return out


def test_hostile_files_are_refused_with_a_clear_message(exports, tmp_path, monkeypatch):
    for name, (path, reason) in _hostile(tmp_path, exports[0]).items():
        with pytest.raises(ResultsError) as caught:
            read_results(path)
            pytest.fail(f"{name} was accepted")
        assert name in str(caught.value) and reason in str(caught.value), name
    with pytest.raises(ResultsError, match="does not exist"):
        read_results(tmp_path / "missing.json")
    with pytest.raises(ResultsError, match="is a folder"):
        read_results(tmp_path)
    monkeypatch.setattr("tutor.classroom.results_file.MAX_FILE_BYTES", 100)
    with pytest.raises(ResultsError, match="too large"):
        read_results(exports[0])


def test_report_leaves_bad_files_out_and_says_so(exports, tmp_path, capsys):
    hostile = [p for p, _ in _hostile(tmp_path, exports[0]).values()]
    out = tmp_path / "class.html"
    assert main(["class", "report", str(exports[1]), *map(str, hostile), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert err.count("warning: left out:") == len(hostile) and "Traceback" not in err
    page = out.read_text(encoding="utf-8")
    assert "Files left out" in page and "1 learners" in page and "&lt;script&gt;" not in page

    nothing = tmp_path / "none.html"
    assert main(["class", "report", *map(str, hostile), "--out", str(nothing)]) == 2
    assert not nothing.exists() and "no report written" in capsys.readouterr().err


def test_export_of_an_unknown_learner_is_a_message(tmp_path, capsys):
    assert main(["class", "export", "--learner", "Zed", "--out", str(tmp_path / "z.json")]) == 2
    assert "no learner called 'Zed'" in capsys.readouterr().err
    assert not (tmp_path / "z.json").exists()


def test_export_into_a_folder_names_the_file(exports, tmp_path):
    folder = tmp_path / "stick"
    folder.mkdir()
    assert main(["class", "export", "--learner", "ana", "--out", str(folder)]) == 0
    (written,) = folder.iterdir()
    assert written.name.startswith("Ana-") and written.name.endswith(".tutor-results.json")
    assert read_results(written).learner == "Ana"
    assert main(["class", "export", "--learner", "Ben", "--out", f"{tmp_path}/new/"]) == 0
    assert [p.name[:4] for p in (tmp_path / "new").iterdir()] == ["Ben-"]


def test_an_empty_class_renders(tmp_path):
    page = render_html(summarise([]))
    assert "0 learners, 0 attempts" in page and "no attempts yet" in page


def test_learner_commands(tutor_home, capsys):
    assert main(["learner", "add", "  Maya  Lopez "]) == 0
    assert main(["learner", "add", "maya lopez"]) == 2
    assert "already a learner" in capsys.readouterr().err
    with ProgressStore(progress_path()) as store:
        store.record_attempt("Maya Lopez", "p", "think", make_result("think"))
    assert main(["learner", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert "Maya Lopez\t1 attempt" in listed and "default\t0 attempts" in listed
    assert main(["learner", "remove", "Maya Lopez"]) == 2  # needs --yes
    assert "deletes 1 attempts" in capsys.readouterr().err
    assert main(["learner", "remove", "Maya Lopez", "--yes"]) == 0
    assert main(["learner", "remove", "Nobody", "--yes"]) == 2
    assert "no learner called 'Nobody'" in capsys.readouterr().err
    with ProgressStore(progress_path()) as store:
        assert [lr.name for lr in store.learners()] == ["default"]
        assert store.attempts("Maya Lopez") == []
