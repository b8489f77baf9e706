"""Articulation tips for the 39 CMU phones, with advice for the substitutions learners make.

Each :class:`PhoneTip` says how to make the sound and, for the phones learners commonly put
in its place (keyed by the ARPAbet phone the model *heard*), what to change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tutor.scoring.phones import CMU_PHONES, split_stress, to_ipa


@dataclass(frozen=True)
class PhoneTip:
    phone: str
    examples: str
    how: str
    confusions: dict[str, str] = field(default_factory=dict)


def _t(phone: str, examples: str, how: str, **confusions: str) -> PhoneTip:
    return PhoneTip(phone, examples, how, dict(confusions))


TIPS: dict[str, PhoneTip] = {
    t.phone: t
    for t in (
        # --- vowels -------------------------------------------------------------------
        _t("AA", "father, hot (US)", "Open the jaw wide, tongue low and back, lips relaxed.",
           AH="Open the jaw further and pull the tongue back: 'hot', not 'hut'.",
           AO="Unround the lips; keep them relaxed, not pushed forward.",
           AE="Move the tongue back; the front of the mouth stays open and slack."),
        _t("AE", "cat, bad", "Jaw low, tongue low and forward, lips spread a little.",
           EH="Drop the jaw more: 'bad', not 'bed'.",
           AA="Keep the tongue forward; smile slightly as you open the jaw.",
           AH="Open wider and push the tongue forward: 'cat', not 'cut'."),
        _t("AH", "cup, about", "Short and relaxed: jaw half open, tongue in the middle.",
           AA="Do not open as wide; keep it short: 'cut', not 'cot'.",
           AO="Do not round the lips; keep the sound short and central.",
           AE="Relax the tongue back to the centre: 'cup', not 'cap'."),
        _t("AO", "thought, law", "Round the lips a little, tongue low and back, jaw open.",
           AA="Round the lips slightly while keeping the jaw open.",
           OW="Hold one steady vowel; do not glide towards 'w'."),
        _t("AW", "now, house", "Glide from an open 'ah' to rounded lips as in 'w'.",
           AA="Finish the glide: close and round the lips at the end.",
           OW="Start lower and more open: 'now' begins like 'ah'."),
        _t("AY", "time, my", "Glide from an open 'ah' up to 'ee'.",
           AA="Finish the glide: raise the tongue towards 'ee' at the end.",
           EY="Start lower: open the jaw wide at the start of 'time'."),
        _t("EH", "bed, said", "Jaw half open, tongue front and mid, lips relaxed.",
           AE="Raise the jaw a little: 'bed', not 'bad'.",
           IH="Drop the jaw slightly: 'bet', not 'bit'.",
           EY="Keep it short and steady; do not glide to 'ee'."),
        _t("ER", "bird, her", "Curl or bunch the tongue as for R and hold it; lips slightly round.",
           AH="Pull the tongue back and up into an R shape for the whole vowel.",
           EH="Do not use an 'e' sound; bunch the tongue back as for R.",
           R="Give the vowel its full length; hold the R colour."),
        _t("EY", "day, late", "Glide from 'e' towards 'ee'; lips spread.",
           EH="Finish the glide: move up towards 'ee' at the end.",
           IY="Start lower: 'late' starts with an 'e' sound."),
        _t("IH", "sit, it", "Short and relaxed: tongue high and front but slack, lips relaxed.",
           IY="Make it shorter and more relaxed: 'sit', not 'seat'.",
           EH="Raise the tongue a little: 'bit', not 'bet'."),
        _t("IY", "see, eat", "Long and tense: tongue high and front, lips spread in a smile.",
           IH="Make it longer and tenser; smile: 'seat', not 'sit'."),
        _t("OW", "go, home", "Glide from a rounded 'o' towards 'w'; lips round more at the end.",
           AO="Finish with a glide: round the lips more as the sound ends.",
           AH="Round the lips: 'boat', not 'but'.",
           UW="Start with the jaw more open, then round."),
        _t("OY", "boy, choice", "Glide from a rounded 'aw' to 'ee'.",
           AO="Finish the glide: move the tongue up and forward to 'ee'.",
           OW="Start more open and end spread, towards 'ee'."),
        _t("UH", "book, put", "Short and relaxed: tongue high and back, lips loosely rounded.",
           UW="Make it shorter and more relaxed: 'full', not 'fool'.",
           AH="Round the lips a little and raise the back of the tongue."),
        _t("UW", "food, blue", "Long: tongue high and back, lips tightly rounded and pushed out.",
           UH="Make it longer and round the lips more: 'pool', not 'pull'.",
           OW="Close the jaw more; keep the vowel steady."),
        # --- stops --------------------------------------------------------------------
        _t("B", "big, rubber", "Close both lips and release with the voice on.",
           P="Turn the voice on before you open the lips: 'bat', not 'pat'.",
           V="Close both lips fully; do not let the lip touch the teeth."),
        _t("D", "day, red", "Tongue tip on the ridge behind the top teeth, voice on.",
           T="Keep the voice on through the closure: 'bed', not 'bet'.",
           DH="Put the tongue tip behind the teeth, not between them."),
        _t("G", "go, bag", "Back of the tongue against the soft palate, voice on.",
           K="Keep the voice on; less puff of air: 'bag', not 'back'."),
        _t("K", "cat, back", "Back of the tongue against the soft palate; release with a puff.",
           G="No voice, and a stronger puff of air: 'cold', not 'gold'."),
        _t("P", "pen, stop", "Close both lips; release with a puff of air, no voice.",
           B="Add a puff of air; the voice starts after the release: 'pig', not 'big'.",
           F="Close both lips completely, then release."),
        _t("T", "top, cat", "Tongue tip on the ridge behind the top teeth; a puff, no voice.",
           D="No voice, and a puff of air at the start of a word: 'ten', not 'den'.",
           TH="Tongue tip behind the teeth, not between them.",
           CH="Release cleanly; do not let it turn into 'ch'."),
        # --- affricates ---------------------------------------------------------------
        _t("CH", "church, watch", "Start like T with the tongue further back, release into SH.",
           SH="Start with a full stop: touch the ridge, then release: 'chip', not 'ship'.",
           T="Let the release slide into SH.",
           JH="No voice: 'cheap', not 'jeep'."),
        _t("JH", "judge, age", "Like CH with the voice on: stop, then release into ZH.",
           CH="Turn the voice on: 'jeep', not 'cheap'.",
           ZH="Start with a full stop against the ridge.",
           Y="Touch the ridge with the tongue: 'jet', not 'yet'."),
        # --- fricatives ---------------------------------------------------------------
        _t("DH", "this, other", "Tongue tip lightly between the teeth; voice on, let air through.",
           D="Put the tongue tip between the teeth and let air flow: 'then', not 'den'.",
           Z="Move the tongue forward to the teeth: 'then', not 'zen'.",
           V="Use the tongue, not the lip, against the top teeth.",
           TH="Turn the voice on; feel your throat buzz."),
        _t("F", "fish, off", "Top teeth lightly on the lower lip; blow air, no voice.",
           P="Do not close the lips; let air flow between lip and teeth.",
           HH="Bring the lower lip up to the top teeth.",
           V="No voice: 'fan', not 'van'."),
        _t("HH", "hat, behind", "Just breath: open the mouth for the next vowel and breathe out.",
           F="Keep the lips away from the teeth; it is only breath."),
        _t("S", "see, bus", "Tongue tip near the ridge behind the teeth; a sharp hiss, no voice.",
           TH="Keep the tongue behind the teeth, not between them: 'sink', not 'think'.",
           SH="Spread the lips and move the tongue forward: 'see', not 'she'.",
           Z="No voice: 'bus', not 'buzz'."),
        _t("SH", "she, wash", "Tongue further back than for S, lips rounded and pushed out.",
           S="Round and push out the lips; tongue a little further back.",
           CH="Do not stop the air first: a continuous hiss."),
        _t("TH", "think, bath", "Tongue tip lightly between the teeth; blow air, no voice.",
           S="Put the tongue tip between the teeth, not behind them: 'think', not 'sink'.",
           T="Do not stop the air; let it flow over the tongue: 'thin', not 'tin'.",
           F="Use the tongue, not the lower lip, against the top teeth: 'three', not 'free'.",
           DH="No voice: feel that your throat does not buzz."),
        _t("V", "very, love", "Top teeth lightly on the lower lip; voice on.",
           W="Touch the lower lip with the top teeth: 'vest', not 'west'.",
           B="Do not close the lips; let air buzz between lip and teeth: 'very', not 'berry'.",
           F="Turn the voice on: 'van', not 'fan'."),
        _t("Z", "zoo, is", "Like S with the voice on: a buzzing hiss.",
           S="Turn the voice on: 'zoo' buzzes. Plural -s after a voiced sound is Z.",
           JH="Do not stop the air first: a continuous buzz."),
        _t("ZH", "measure, vision", "Like SH with the voice on; lips rounded.",
           SH="Turn the voice on: the sound buzzes.",
           JH="Do not stop the air first: a continuous buzz.",
           Z="Round the lips and pull the tongue back a little."),
        # --- nasals -------------------------------------------------------------------
        _t("M", "man, some", "Close both lips; the voice goes through the nose.",
           N="Close both lips at the end: 'some', not 'sun'."),
        _t("N", "no, ten", "Tongue tip on the ridge behind the top teeth; voice through the nose.",
           NG="Use the tongue tip, not the back of the tongue: 'thin', not 'thing'.",
           L="Let the air go through the nose, not round the tongue sides.",
           M="Keep the lips open; the tongue tip does the closing."),
        _t("NG", "sing, long", "Back of the tongue on the soft palate; voice through the nose.",
           N="Use the back of the tongue: 'thing', not 'thin'.",
           G="Do not release a G after it: 'sing-er', not 'sin-ger'."),
        # --- approximants -------------------------------------------------------------
        _t("L", "light, feel", "Tongue tip on the ridge behind the teeth; air passes the sides.",
           R="Touch the ridge with the tongue tip: 'light', not 'right'.",
           N="Let the air escape round the sides of the tongue, not through the nose.",
           W="At the end of a word keep the tongue tip up: 'feel', not 'feeo'."),
        _t("R", "red, sorry", "Curl the tongue tip up and back without touching; round the lips.",
           L="Do not touch the roof of the mouth: 'right', not 'light'.",
           W="Curl or bunch the tongue, not just the lips: 'red', not 'wed'.",
           D="Do not tap the ridge; hold the tongue just short of it."),
        _t("W", "we, away", "Round the lips tightly as for 'oo', then open into the vowel.",
           V="Keep the teeth off the lip; round both lips: 'west', not 'vest'.",
           UW="Make it short: a quick glide into the next vowel."),
        _t("Y", "yes, you", "Tongue high and front as for 'ee', then glide into the vowel.",
           JH="Do not touch the roof of the mouth: 'yet', not 'jet'.",
           IY="Make it short: a quick glide into the next vowel."),
    )
}  # fmt: skip


def tip_for(phone: str, heard: str | None = None) -> str:
    """Advice for ``phone``: the specific fix when it was heard as ``heard``, then how to
    make the sound. Unknown phones get a generic line rather than an error."""
    tip = TIPS.get(phone.upper())
    if tip is None:
        return f"Listen to the reference and copy the {phone} sound."
    if heard and heard != phone and heard in tip.confusions:
        return f"{tip.confusions[heard]} {tip.how}"
    return tip.how


def describe(
    phone: str, notation: str = "arpabet", stress: int | None = None, slashes: bool = True
) -> str:
    """A phone's display name: ``TH``, or in IPA ``/θ/`` (``AH`` with stress 0 is schwa)."""
    base, digit = split_stress(phone)
    if notation != "ipa":
        return base
    ipa = to_ipa(f"{base}{stress if stress is not None else (digit if digit is not None else '')}")
    return f"/{ipa}/" if slashes else ipa


def missing_tips() -> list[str]:
    """Phones of the CMU set without a tip (empty when the table is complete)."""
    return [p for p in CMU_PHONES if p not in TIPS]
