"""Words -> CMU pronunciations: dictionary variants, offline g2p for unknown words, overrides."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import numpy as np
import pytest

from tutor.scoring.errors import ModelError, TextError
from tutor.scoring.g2p_offline import PHONEMES, G2PModel, checkpoint_path
from tutor.scoring.lexicon import (
    Lexicon,
    WordPronunciation,
    parse_phones,
    parse_pronunciations,
    pronounce,
)
from tutor.scoring.phones import CMU_PHONES, VOWELS

VALID_PHONES = set(CMU_PHONES) | {v + d for v in VOWELS for d in "012"}


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.default()


@pytest.fixture(scope="module")
def g2p_model() -> G2PModel:
    return G2PModel.load()


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to reach the network fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


# --- CMU dictionary --------------------------------------------------------------------


def test_default_is_a_loaded_singleton(lexicon: Lexicon) -> None:
    assert Lexicon.default() is lexicon
    assert len(lexicon) > 120_000


def test_all_variants_are_kept_in_dictionary_order(lexicon: Lexicon) -> None:
    the = lexicon.lookup("the")
    assert the[0] == ("DH", "AH0")
    assert ("DH", "IY0") in the
    assert set(lexicon.lookup("read")) == {("R", "EH1", "D"), ("R", "IY1", "D")}
    record = lexicon.lookup("record")
    assert ("R", "EH1", "K", "ER0", "D") in record  # the noun
    assert ("R", "IH0", "K", "AO1", "R", "D") in record  # the verb


def test_lookup_is_case_insensitive_and_keeps_stress(lexicon: Lexicon) -> None:
    assert lexicon.lookup("THINK") == lexicon.lookup("think") == (("TH", "IH1", "NG", "K"),)


def test_dictionary_comments_are_not_phones(lexicon: Lexicon) -> None:
    # cmudict.dict has "aalborg AO1 L B AO0 R G # place, danish".
    assert lexicon.lookup("aalborg")[0] == ("AO1", "L", "B", "AO0", "R", "G")


def test_contractions_and_curly_apostrophes(lexicon: Lexicon) -> None:
    assert lexicon.lookup("don’t")[0] == ("D", "OW1", "N", "T")
    assert lexicon.is_known("I'm") and lexicon.is_known("we'll")


def test_accented_words_use_the_plain_spelling(lexicon: Lexicon) -> None:
    assert lexicon.resolve("café") == (lexicon.lookup("cafe"), "cmudict")
    assert lexicon.is_known("Café")
    assert lexicon.lookup("café-naïve") == (lexicon.lookup("cafe")[0] + lexicon.lookup("naive")[0],)


def test_possessive_of_a_known_word(lexicon: Lexicon) -> None:
    # Not in the dictionary as such: the stem plus the regular /s/, /z/ or /ɪz/ ending.
    assert not lexicon.is_known("zebra's")
    assert lexicon.resolve("zebra's") == (
        tuple((*p, "Z") for p in lexicon.lookup("zebra")),
        "cmudict",
    )


def test_is_known(lexicon: Lexicon) -> None:
    assert lexicon.is_known("Hello")
    assert not lexicon.is_known("zorblat")


# --- unknown words through g2p, offline --------------------------------------------------


def test_unknown_words_go_through_g2p_without_network(no_network: None) -> None:
    # A fresh lexicon so that the g2p model is loaded while the network is blocked.
    import nltk

    def no_download(*args: object, **kwargs: object) -> None:
        raise AssertionError("nltk.download called")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(nltk, "download", no_download)
        small = Lexicon({"THE": "DH AH0|DH IY0"})
        for word in ("zorblat", "Xiaoming"):
            variants, source = small.resolve(word)
            assert source == "g2p"
            assert len(variants) == 1 and len(variants[0]) >= 4
            assert set(variants[0]) <= VALID_PHONES
        assert small.lookup("zorblat")[0][0] == "Z"
        assert small.lookup("Xiaoming")[0][-2:] == ("IH0", "NG")


def test_g2p_never_imports_nltk_or_g2p_en() -> None:
    """In a fresh interpreter, with nltk/g2p_en imports and sockets refused."""
    script = textwrap.dedent(
        """
        import socket, sys

        class Refuse:
            def find_spec(self, name, path=None, target=None):
                if name == "nltk" or name.startswith(("nltk.", "g2p_en.")):
                    raise ImportError("refused import of " + name)
                return None

        def refuse(*args, **kwargs):
            raise OSError("network access attempted")

        sys.meta_path.insert(0, Refuse())
        socket.socket.connect = refuse
        socket.create_connection = refuse

        from tutor.scoring.lexicon import Lexicon, pronounce
        words = pronounce("Xiaoming met a zorblat", lexicon=Lexicon({"MET": "M EH1 T"}))
        print(" ".join(w.source for w in words))
        assert "g2p_en" not in sys.modules
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["g2p", "cmudict", "g2p", "g2p"]


def test_model_matches_g2p_en_predict(no_network: None, g2p_model: G2PModel) -> None:
    """Our numpy decoder gives exactly g2p-en's own ``G2p.predict`` output."""
    import nltk

    with pytest.MonkeyPatch.context() as mp:
        # g2p_en asks nltk for a tagger and a corpus at import time; neither is needed
        # for predict(), so let the (absent) resources stay absent.
        mp.setattr(nltk, "download", lambda *args, **kwargs: False)
        import g2p_en.g2p as reference_module

        # Nor are its CMU dict and homograph table (whose loader leaks an open file).
        mp.setattr(reference_module, "cmudict", SimpleNamespace(dict=dict))
        mp.setattr(reference_module, "construct_homograph_dictionary", dict)
        reference = reference_module.G2p()
        reference.variables.close()  # the arrays are read; g2p-en leaves the .npz open

    assert tuple(reference.phonemes) == PHONEMES
    words = [
        "zorblat", "xiaoming", "activationist", "brexit", "blorptastic", "kubernetes",
        "qwrtz", "a", "pneumonoultramicroscopic", "thinking", "yeet", "ngozi",
    ]  # fmt: skip
    for word in words:
        assert g2p_model.predict(word) == tuple(reference.predict(word)), word


def test_g2p_output_is_cached_and_uses_plain_letters() -> None:
    calls: list[str] = []

    def fake_g2p(letters: str) -> tuple[str, ...]:
        calls.append(letters)
        return ("Z", "OW1")

    small = Lexicon({}, g2p=fake_g2p)
    assert small.resolve("Zoé-") == (((("Z", "OW1"),)), "g2p")
    small.lookup("ZOE")
    assert calls == ["zoe"]


def test_bad_g2p_output_raises_text_error() -> None:
    with pytest.raises(TextError, match="not valid"):
        Lexicon({}, g2p=lambda letters: ("Q9",)).lookup("zorblat")
    with pytest.raises(TextError, match="Could not work out"):
        Lexicon({}, g2p=lambda letters: ()).lookup("zorblat")


def test_word_without_letters_raises_text_error(lexicon: Lexicon) -> None:
    with pytest.raises(TextError, match="no letters"):
        lexicon.lookup("'")


def test_missing_or_broken_checkpoint_raises_model_error(tmp_path) -> None:
    assert checkpoint_path().name == "checkpoint20.npz"
    with pytest.raises(ModelError, match="Cannot read"):
        G2PModel.load(tmp_path / "missing.npz")
    broken = tmp_path / "broken.npz"
    np.savez(broken, enc_emb=np.zeros((29, 64), np.float32))
    with pytest.raises(ModelError, match="lacks the arrays"):
        G2PModel.load(broken)


# --- phone parsing and overrides --------------------------------------------------------


def test_parse_phones_accepts_strings_and_lists() -> None:
    assert parse_phones("TH IH1 NG K") == ("TH", "IH1", "NG", "K")
    assert parse_phones(" th  ih1, ng k ") == ("TH", "IH1", "NG", "K")
    assert parse_phones(["TH", "IH", "NG", "K"]) == ("TH", "IH", "NG", "K")  # stress optional


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("TH IX1 NG K", "'IX1' is not a CMU"),
        ("SIL AH0", "'SIL' is not a CMU"),
        ("T1 AH0", "only vowels take a stress digit"),
        ("AH3", "stress digit must be one of 0, 1 or 2"),
        ("AH10", "stress digit must be one of 0, 1 or 2"),
        ("", "no phones given"),
        ([], "no phones given"),
        (["TH", 1], "phones must be strings"),
        (42, "expected phones"),
    ],
)
def test_parse_phones_rejects_bad_phones(spec: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_phones(spec)  # type: ignore[arg-type]


def test_parse_pronunciations_forms() -> None:
    one = (("DH", "AH0"),)
    two = (("DH", "AH0"), ("DH", "IY0"))
    assert parse_pronunciations("DH AH0") == one
    assert parse_pronunciations(["DH", "AH0"]) == one
    assert parse_pronunciations("DH AH0 | DH IY0") == two
    assert parse_pronunciations(["DH AH0", "DH IY0"]) == two
    assert parse_pronunciations([["DH", "AH0"], ("DH", "IY0")]) == two
    assert parse_pronunciations("DH AH0|DH AH0") == one  # duplicates dropped


def test_pronounce_keeps_word_boundaries(lexicon: Lexicon) -> None:
    words = pronounce("Think about it: a well-known 3rd try!", lexicon=lexicon)
    assert [w.text for w in words] == [
        "Think", "about", "it", "a", "well", "known", "third", "try",
    ]  # fmt: skip
    assert all(isinstance(w, WordPronunciation) for w in words)
    assert words[0].variants == (("TH", "IH1", "NG", "K"),)
    assert words[0].phones == ("TH", "IH1", "NG", "K")
    assert {w.source for w in words} == {"cmudict"}


def test_pronounce_unknown_word_uses_g2p(lexicon: Lexicon, no_network: None) -> None:
    hello, name = pronounce("Hello Xiaoming", lexicon=lexicon)
    assert hello.source == "cmudict"
    assert name.source == "g2p" and name.text == "Xiaoming"
    assert set(name.phones) <= VALID_PHONES


def test_overrides_win_and_are_case_insensitive(lexicon: Lexicon) -> None:
    words = pronounce(
        "Think about Xiaoming's tomato",
        overrides={
            "THINK": "T IH1 NG K",
            "xiaoming’s": [["SH", "AW1", "M", "IH1", "NG", "Z"]],
            "Tomato": "T AH0 M AA1 T OW2 | T AH0 M EY1 T OW2",
        },
        lexicon=lexicon,
    )
    assert [w.source for w in words] == ["override", "cmudict", "override", "override"]
    assert words[0].variants == (("T", "IH1", "NG", "K"),)
    assert words[2].text == "Xiaoming's"
    assert words[3].variants == (
        ("T", "AH0", "M", "AA1", "T", "OW2"),
        ("T", "AH0", "M", "EY1", "T", "OW2"),
    )


def test_bad_override_names_the_word_and_the_phone(lexicon: Lexicon) -> None:
    with pytest.raises(ValueError, match=r"override for 'think'.*'TX' is not a CMU"):
        pronounce("think", overrides={"think": "TX IH1 NG K"}, lexicon=lexicon)
    with pytest.raises(ValueError, match="single words"):
        pronounce("think", overrides={"think about": "TH IH1 NG K"}, lexicon=lexicon)
    with pytest.raises(ValueError, match="override for 'it'"):
        pronounce("it", overrides={"it": []}, lexicon=lexicon)


def test_pronounce_raises_text_error_for_empty_text(lexicon: Lexicon) -> None:
    with pytest.raises(TextError, match="empty"):
        pronounce("  ", lexicon=lexicon)


def test_word_pronunciation_validates_itself() -> None:
    with pytest.raises(ValueError, match="at least one phone"):
        WordPronunciation("x", (), "g2p")
    with pytest.raises(ValueError, match="unknown pronunciation source"):
        WordPronunciation("x", (("K",),), "guess")
