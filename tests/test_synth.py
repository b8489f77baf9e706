"""Synthetic speech: phone-set mappings, mispronunciation labels, festival timings, fixtures."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tutor.scoring.phones import CMU_PHONES, PHONE_SET, SILENCE, split_stress
from tutor.train import synth
from tutor.train.mispronounce import (
    EPENTHETIC_VOWEL,
    PhoneError,
    apply_errors,
    balanced,
    candidates,
    confusion,
    mispronounce,
    mispronounce_word,
)
from tutor.train.synth import (
    ESPEAK_TO_CMU,
    RADIO_TO_CMU,
    Festival,
    SynthError,
    SynthItem,
    WordSpec,
    cmu_to_espeak,
    cmu_to_radio,
    espeak_tokens_to_cmu,
    reconcile,
)

FIXTURES = Path(__file__).parent / "fixtures"
needs_festival = pytest.mark.skipif(
    shutil.which("festival") is None or "kal_diphone" not in Festival.installed_voices(),
    reason="festival with kal_diphone is not installed",
)
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="no espeak-ng")


def _item(words: dict[str, str], spoken: dict[str, str] | None = None, errors=(), **kw):
    spoken = spoken or {}
    specs = [
        WordSpec(w, tuple(c.split()), tuple(spoken.get(w, c).split())) for w, c in words.items()
    ]
    defaults = {"engine": "festival", "voice": "kal_diphone"}
    return SynthItem(
        kw.pop("id", "t1"), " ".join(words), specs, errors=list(errors), **(defaults | kw)
    )


# -- phone sets ------------------------------------------------------------------------------


def test_festival_radio_mapping_covers_all_cmu_phones():
    for phone in CMU_PHONES:
        for stress in (0, 1, 2):
            token = f"{phone}{stress}" if phone in ("AH", "ER", "IY", "AA") else phone
            radio = cmu_to_radio(token).rstrip("012")
            assert RADIO_TO_CMU[radio] == phone
    assert cmu_to_radio("AH0") == "ax0" and RADIO_TO_CMU["ax"] == "AH"
    assert {RADIO_TO_CMU[s] for s in ("pau", "h#", "brth")} == {SILENCE}
    assert set(RADIO_TO_CMU.values()) == set(PHONE_SET)


def test_espeak_mapping_round_trips_every_cmu_phone():
    for phone in CMU_PHONES:
        stressed = f"{phone}1" if phone in synth.CMU_TO_ESPEAK and phone in _vowels() else phone
        assert espeak_tokens_to_cmu(cmu_to_espeak([[stressed]]).replace("'", "")) == [phone]
    # unstressed schwa before R must not merge into an r-coloured vowel
    assert cmu_to_espeak([["DH", "AH0"], ["R", "AY1", "T"]]) == "D@- r'aIt"
    assert set(ESPEAK_TO_CMU.values()) <= set(CMU_PHONES)


def _vowels():
    from tutor.scoring.phones import VOWELS

    return VOWELS


def test_espeak_output_parsing_drops_marks_and_rejects_unknown():
    assert espeak_tokens_to_cmu("T_'I_N_k D_'I_s") == ["TH", "IH", "NG", "K", "DH", "IH", "S"]
    assert espeak_tokens_to_cmu("D_3_r- 'a_n_s_a#", ["DH", "ER", "AE", "N", "S", "ER"])[-1] == "ER"
    with pytest.raises(SynthError, match="unmapped"):
        espeak_tokens_to_cmu("x_Q*")


# -- mispronunciations -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("canonical", "kind", "index", "frm", "to"),
    [
        ("TH IH1 NG K", "substitution", 0, "TH", "S"),
        ("TH IH1 NG K", "substitution", 0, "TH", "F"),
        ("TH IH1 NG K", "substitution", 0, "TH", "T"),
        ("DH IH1 S", "substitution", 0, "DH", "Z"),
        ("DH IH1 S", "substitution", 0, "DH", "S"),
        ("V EH1 R IY0", "substitution", 0, "V", "W"),
        ("V EH1 R IY0", "substitution", 0, "V", "B"),
        ("SH IH1 P", "substitution", 0, "SH", "S"),
        ("S IY1", "substitution", 0, "S", "SH"),
        ("CH IH1 P", "substitution", 0, "CH", "SH"),
        ("R AY1 S", "substitution", 0, "R", "L"),
        ("L AY1 T", "substitution", 0, "L", "R"),
        ("SH IH1 P", "substitution", 1, "IH1", "IY1"),
        ("SH IY1 P", "substitution", 1, "IY1", "IH1"),
        ("B AE1 D", "substitution", 1, "AE1", "EH1"),
        ("F UH1 L", "substitution", 1, "UH1", "UW1"),
        ("S IH1 N", "substitution", 2, "N", "NG"),
        ("S IH1 NG", "substitution", 2, "NG", "N"),
        ("R OW1 Z", "substitution", 2, "Z", "S"),
        ("B UH1 K", "insertion", 3, None, EPENTHETIC_VOWEL),
        ("B UH1 K", "deletion", 2, "K", None),
    ],
)
def test_learner_error_rules(canonical, kind, index, frm, to):
    phones = canonical.split()
    found = {(c.kind, c.canonical_index, c.from_, c.to) for c in candidates(phones)}
    assert (kind, index, frm, to) in found
    spoken = apply_errors(phones, [PhoneError(0, index, kind, frm, to)])
    expected = list(phones)
    if kind == "substitution":
        expected[index] = to
    elif kind == "deletion":
        del expected[index]
    else:
        expected.insert(index, to)
    assert spoken == expected


def test_final_devoicing_only_at_the_end():
    assert not any(c.to == "S" for c in candidates(["Z", "UW1"]))  # "zoo": Z is initial
    assert apply_errors("B UH1 K".split(), [PhoneError(0, 3, "insertion", None, "AH0")]) == [
        "B", "UH1", "K", "AH0",
    ]  # fmt: skip


def test_apply_errors_rejects_mismatched_labels():
    with pytest.raises(ValueError, match="does not match"):
        apply_errors(["TH", "IH1"], [PhoneError(0, 0, "substitution", "S", "T")])
    with pytest.raises(ValueError, match="unknown error kind"):
        PhoneError(0, 0, "swap", "S", "T")


def test_mispronounce_is_deterministic_and_labels_explain_the_change():
    words = [["DH", "IH1", "S"], ["IH1", "Z"], ["AH0"], ["B", "UH1", "K"], ["Y", "UW1"]]
    first = mispronounce(words, np.random.default_rng(7), n_words=2)
    assert first == mispronounce(words, np.random.default_rng(7), n_words=2)
    spoken, errors = first
    assert len({e.word_index for e in errors}) == 2
    for i, canonical in enumerate(words):
        mine = [e for e in errors if e.word_index == i]
        assert spoken[i] == apply_errors(canonical, mine)
        assert (spoken[i] != canonical) == bool(mine)
    outcomes = {
        tuple(map(tuple, mispronounce(words, np.random.default_rng(s))[0])) for s in range(30)
    }
    assert len(outcomes) > 5  # the seed really varies the errors


def test_word_without_applicable_rule_is_left_alone():
    spoken, errors = mispronounce_word(["AH0"], np.random.default_rng(0))
    assert spoken == ["AH0"] and errors == []
    record = PhoneError(2, 0, "deletion", "K", None).to_dict()
    assert record == {"word_index": 2, "canonical_index": 0, "kind": "deletion",
                      "from": "K", "to": None}  # fmt: skip
    assert PhoneError.from_dict(record).to_dict() == record


def test_balanced_errors_come_from_rare_confusions_as_often_as_common_ones():
    words = [["TH", "IH1", "NG", "K"]] + [["N", "OW1"]] * 20  # TH: once, N: twenty times
    weight = balanced(words)
    by_confusion = {confusion(c): weight(c) for w in words for c in candidates(w)}
    assert by_confusion["TH>S"] == 1.0 and by_confusion["N>NG"] == pytest.approx(1 / 20)
    assert confusion(candidates(["B", "UH1", "K"])[-1]) == "insertion"

    def picked(weight):  # which word of "no ... no think" each seed mispronounces
        return Counter(
            mispronounce(words, np.random.default_rng(s), weight=weight)[1][0].word_index == 0
            for s in range(200)
        )[True]

    assert picked(None) < 30 < 120 < picked(weight)  # uniform: 1 in 21; balanced: most
    spoken, errors = mispronounce(words, np.random.default_rng(0), 30, weight=weight,
                                  spare=frozenset({0}))  # fmt: skip
    assert errors and spoken[0] == words[0] and all(e.word_index for e in errors)


# -- labels ----------------------------------------------------------------------------------


def test_reconcile_accepts_dictionary_variant_and_rejects_the_rest():
    item = _item({"the": "DH AH0", "apple": "AE1 P AH0 L"})
    reconcile(item, ["DH", "IY", "AE", "P", "AH", "L"])
    assert item.words[0].canonical == item.words[0].spoken == ("DH", "IY0")
    with pytest.raises(SynthError, match="came out as"):
        reconcile(_item({"cat": "K AE1 T"}), ["K", "EH", "T"])
    with pytest.raises(SynthError, match="asked for"):
        reconcile(_item({"cat": "K AE1 T"}), ["K", "AE"])
    bad = _item({"the": "DH AH0"}, {"the": "Z AH0"}, [PhoneError(0, 0, "substitution", "DH", "Z")])
    with pytest.raises(SynthError):  # the deliberate error must survive exactly
        reconcile(bad, ["Z", "IY"])


def test_plan_is_deterministic_and_mixes_errors():
    texts = ["we call it bear", "think about this", "the right answer", "book"] * 25
    a = synth.plan(texts, engines=["festival", "flite", "espeak"], seed=3)
    b = synth.plan(texts, engines=["festival", "flite", "espeak"], seed=3)
    assert [(i.id, i.voice, i.errors) for i in a] == [(i.id, i.voice, i.errors) for i in b]
    share = sum(bool(i.errors) for i in a) / len(a)
    assert 0.1 < share < 0.45
    for item in a:
        for e in item.errors:
            word = item.words[e.word_index]
            assert list(word.spoken) == apply_errors(word.canonical, [e])
    with pytest.raises(ValueError, match="unknown engine"):
        synth.plan(texts, engines=["sam"])


def test_balanced_plan_says_the_rare_confusions_and_spares_the_kept_words():
    texts = ["no nine think now", "nine no thank net", "very nice noon"] * 20
    kw = {"engines": ["flite", "espeak"], "seed": 1, "mispronounce_rate": 1.0}
    plain, even = synth.plan(texts, **kw), synth.plan(texts, **kw, balance=True)
    spared = synth.plan(texts, **kw, balance=True, spare=frozenset({"think", "very"}))

    def th(items):
        return sum(e.from_ == "TH" for i in items for e in i.errors)

    assert th(plain) + 5 < th(even)  # N>NG is offered seven times as often as TH>*
    wrong = {i.words[e.word_index].text for i in spared for e in i.errors}
    assert "thank" in wrong and not wrong & {"think", "very"}


def test_focused_plan_says_the_named_confusions_more_often_and_no_other_more():
    texts = ["no nine thank now", "nine no thin net", "very nice noon", "sheep ship"] * 30
    kw = {"engines": ["flite", "espeak"], "seed": 2, "mispronounce_rate": 1.0, "balance": True}
    even = synth.plan(texts, **kw)
    focus = synth.plan(texts, **kw, focus=frozenset({"TH>S"}), focus_weight=8.0)

    def said(items, family):
        return sum(f"{e.from_}>{e.to}" == family for i in items for e in i.errors)

    assert said(focus, "TH>S") > 2 * said(even, "TH>S")
    assert said(focus, "N>NG") < said(even, "N>NG")  # the other confusions make room


def test_an_unknown_focus_is_refused_with_the_known_ones(tmp_path, capsys):
    with pytest.raises(SystemExit):
        synth.main(["--focus", "TH-S", "--out", str(tmp_path)])
    assert "no such confusion TH-S" in capsys.readouterr().err and not any(tmp_path.iterdir())
    # the names are read as the draw spells them, whatever the case
    assert synth.main(["--focus", "th>s,Deletion", "--words", "0", "--sentences", "0",
                       "--out", str(tmp_path)]) in (0, 1)  # fmt: skip
    assert "no such confusion" not in capsys.readouterr().err


# -- festival --------------------------------------------------------------------------------


@needs_festival
def test_festival_timings_match_audio_and_mispronunciation_is_spoken(tmp_path):
    item = _item(
        {"think": "TH IH1 NG K", "about": "AH0 B AW1 T", "it": "IH1 T"},
        {"think": "S IH1 NG K"},
        [PhoneError(0, 0, "substitution", "TH", "S")],
    )
    rendered = Festival().render([item], tmp_path)[0]
    assert not isinstance(rendered, Exception), rendered
    duration = rendered.samples.size / synth.RATE
    assert rendered.reported_end == pytest.approx(duration, abs=0.1)
    assert rendered.segments[-1][2] == pytest.approx(duration, abs=1e-3)
    assert rendered.phones == ["S", "IH", "NG", "K", "AH", "B", "AW", "T", "IH", "T"]
    reconcile(item, rendered.phones)
    starts = [s for _, s, _ in rendered.segments]
    assert starts == sorted(starts) and all(e > s for _, s, e in rendered.segments)
    assert rendered.segments[0][0] == SILENCE


@needs_festival
def test_synthesise_writes_manifest_and_resumes(tmp_path):
    items = synth.plan(["we call it bear", "book"], engines=["festival"], seed=0,
                       mispronounce_rate=0.0)  # fmt: skip
    manifest = synth.synthesise(items, tmp_path, progress=False)
    records = [json.loads(line) for line in manifest.read_text().splitlines()]
    assert {r["id"] for r in records} == {i.id for i in items}
    for r in records:
        assert set(r) == {"id", "audio", "text", "engine", "voice", "words", "segments", "errors"}
        info = sf.info(tmp_path / r["audio"])
        assert (info.samplerate, info.channels) == (16000, 1)
        assert r["segments"][-1][2] == pytest.approx(info.duration, abs=1e-3)
        spoken = [split_stress(p)[0] for w in r["words"] for p in w["spoken"]]
        assert [p for p, _, _ in r["segments"] if p != SILENCE] == spoken
    before = manifest.read_text()
    synth.synthesise(items, tmp_path, progress=False)  # everything done: nothing added
    assert manifest.read_text() == before


@needs_espeak
def test_espeak_says_the_requested_phones(tmp_path):
    item = _item({"think": "TH IH1 NG K", "the": "DH AH0", "right": "R AY1 T"},
                 engine="espeak", voice="en-us")  # fmt: skip
    rendered = synth.Espeak().render_one(item, tmp_path)
    assert rendered.segments is None and rendered.samples.size > 0.4 * synth.RATE
    reconcile(item, rendered.phones)


# -- fixtures --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["festival_think", "festival_sink"])
def test_fixture_labels_are_consistent(name):
    meta = json.loads((FIXTURES / f"{name}.json").read_text())
    info = sf.info(FIXTURES / meta["audio"])
    assert (info.samplerate, info.channels) == (16000, 1) and info.duration < 3.0
    assert (FIXTURES / meta["audio"]).stat().st_size < 150_000
    assert meta["segments"][-1][2] == pytest.approx(info.duration, abs=1e-3)
    spoken = [split_stress(p)[0] for w in meta["words"] for p in w["spoken"]]
    assert [p for p, _, _ in meta["segments"] if p != SILENCE] == spoken
    for e in meta["errors"]:
        word = meta["words"][e["word_index"]]
        assert word["spoken"] == apply_errors(word["canonical"], [PhoneError.from_dict(e)])
    if name == "festival_sink":
        assert meta["words"][1]["spoken"] == ["S", "IH1", "NG", "K"]
