"""The scorer: audio -> features -> posteriors -> alignment -> GOP -> scores.

Models load once (:meth:`Scorer.load`); :meth:`Scorer.score` is then pure computation and
safe to call from a worker thread.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from .alignment import Alignment, force_align
from .audio import Audio, change_speed, load_audio
from .bands import PHONE_HEARD_OTHER, needs_work
from .errors import AudioError, TextError
from .features import frame_features
from .gop import PHONE_FEATURES, GopFeatures, gop_features
from .head_inputs import HeadOutputs, check_contract, run_head
from .lexicon import Lexicon, WordPronunciation, pronounce
from .model import AcousticModel, ScoringHead, model_bytes
from .noise_level import NOISY_WARNING, pause_speech_share, too_noisy
from .phones import PHONE_INDEX, SILENCE, split_stress
from .prompt_check import (
    PromptEvidence,
    PromptThresholds,
    prompt_match,
    refuse_if_not_the_prompt,
    speech_frames,
    words_said,
)
from .result import PhoneResult, UtteranceResult, WordResult
from .substitution import Competitor, competitors

ACOUSTIC_FILE = "acoustic.onnx"
HEAD_FILE = "head.onnx"
PRESENT_SIL_POSTERIOR = 0.5  # a phone mostly heard as silence counts as not said
SIL_POSTERIOR_COLUMN = PHONE_FEATURES.index("sil_post")
# Speech squeezed under 50 ms a phone on average means phones were skipped: the aligner
# still gives each expected phone a frame, so a missing second half shows up as a rate.
MIN_SECONDS_PER_PHONE = 0.05


@dataclass
class Scorer:
    acoustic: AcousticModel
    head: ScoringHead

    @classmethod
    def load(
        cls,
        models_dir: str | os.PathLike[str] | None = None,
        threads: int = 1,
        warm_up: bool = True,
    ) -> Scorer:
        """Load the models; ``warm_up`` also loads the g2p model and number speller (about
        1.5 s) so the first prompt with an unknown word or a digit scores without a stall."""
        if models_dir is None:
            from tutor.paths import models_dir as default_models_dir

            models_dir = default_models_dir()
        root = Path(models_dir)
        if warm_up:
            Lexicon.default().warm_up()
        head = ScoringHead.load(root / HEAD_FILE, threads)
        check_contract(head)
        _ = head.confusion_line  # a head with an unreadable line is refused at load
        scorer = cls(AcousticModel.load(root / ACOUSTIC_FILE, threads), head)
        _ = scorer.prompt_limits  # a model with unreadable thresholds is refused at load
        return scorer

    @cached_property
    def prompt_limits(self) -> PromptThresholds:
        """The acoustic model's own prompt-check thresholds (read once)."""
        return PromptThresholds.from_metadata(self.acoustic.metadata)

    @property
    def model_bytes(self) -> int:
        return model_bytes(self.acoustic.path, self.head.path)

    @property
    def version(self) -> str:
        return (
            self.acoustic.metadata.get("version", "?")
            + "+"
            + self.head.metadata.get("version", "?")
        )

    def expected(
        self, text: str, overrides: Mapping[str, Sequence[Sequence[str]] | str] | None = None
    ) -> list[WordPronunciation]:
        """The words of ``text`` with their pronunciation variants."""
        return pronounce(text, overrides)

    def score(
        self,
        audio: str | os.PathLike[str] | np.ndarray | Audio,
        text: str = "",
        *,
        sample_rate: int | None = None,
        words: Sequence[WordPronunciation] | None = None,
        overrides: Mapping[str, Sequence[Sequence[str]] | str] | None = None,
        check_prompt: bool = True,
    ) -> UtteranceResult:
        """Score one utterance of ``text`` (or of explicit ``words``).

        Raises :class:`~tutor.scoring.errors.NotThePromptError` for a recording that holds
        no speech or not the prompt (``check_prompt=False`` scores it anyway, as the
        benchmark does to keep its correlations over every utterance)."""
        if words is None:
            words = self.expected(text, overrides)
        if not words:
            raise TextError("There is nothing to score: the text has no words.")
        if not isinstance(audio, Audio):
            audio = load_audio(audio, sample_rate)
        log_post = self._log_posteriors(audio, 1.0)
        n_phones = sum(min(len(v) for v in w.variants) for w in words)
        if len(log_post) < n_phones:
            raise AudioError(
                f"The recording ({audio.duration:.1f} s) is too short to hold "
                f"{len(words)} word(s); record the whole prompt."
            )
        text = text or " ".join(w.text for w in words)
        limits = self.prompt_limits
        said, heard_words, (alignment, gop, outputs) = self._first_pass(log_post, words)
        rivals = competitors(log_post, alignment)
        evidence = PromptEvidence(
            *speech_frames(log_post),
            prompt_match(gop, rivals) if any(said) else -np.inf,
            said,
        )
        if check_prompt:
            refuse_if_not_the_prompt(evidence, text, limits)
        if not any(said):  # scored on purpose although nothing matched: every word forced in
            evidence = replace(evidence, said=(True,) * len(said))
        outputs = self._average_speeds(audio, heard_words, alignment, outputs)
        pauses = pause_speech_share(
            log_post[:, PHONE_INDEX[SILENCE]], [(p.start, p.end) for p in alignment.phones]
        )
        result = self._result(text, words, audio, alignment, gop, outputs, evidence, rivals)
        spans = [(p.start, p.end) for w in result.words for p in w.phones]
        if too_noisy(audio.samples, audio.sample_rate, spans, pauses):
            result = replace(result, warnings=(*result.warnings, NOISY_WARNING))
        return result

    def rivals(
        self, audio: Audio, text: str, *, words: Sequence[WordPronunciation] | None = None
    ) -> list[tuple[int, str, Competitor]]:
        """Each aligned phone's word index, phone and most likely confusable sound with its
        margin over the phone: the evidence behind heard-as and the amber cap (over
        ``head.confusion_line``), for checking a model's ear on known takes. ``words``
        replaces the text's pronunciations, as in :meth:`score`."""
        words = self.expected(text) if words is None else words
        log_post = self._log_posteriors(audio, 1.0)
        _, _, (alignment, _, _) = self._first_pass(log_post, words)
        return [
            (p.word_index, p.phone, rival)
            for p, rival in zip(alignment.phones, competitors(log_post, alignment), strict=True)
        ]

    def _first_pass(
        self, log_post: np.ndarray, words: Sequence[WordPronunciation]
    ) -> tuple[
        tuple[bool, ...], Sequence[WordPronunciation], tuple[Alignment, GopFeatures, HeadOutputs]
    ]:
        """Which words the reading holds, and those words aligned and rated; a reading that
        stopped early is scored on the words it holds (the rest score 0)."""
        said = words_said(log_post, [w.variants for w in words], self.prompt_limits.stop_penalty)
        heard_words = words[: sum(said)] or words
        return said, heard_words, self._rate(log_post, [w.variants for w in heard_words])

    def _rate(
        self, log_post: np.ndarray, variants: Sequence[Sequence[Sequence[str]]]
    ) -> tuple[Alignment, GopFeatures, HeadOutputs]:
        """Posteriors -> alignment -> GOP -> head outputs (raises ValueError when the
        posteriors have fewer frames than the phones)."""
        alignment = force_align(log_post, variants)
        gop = gop_features(log_post, alignment, self.acoustic.frame_shift)
        return alignment, gop, run_head(self.head, gop, len(variants))

    def _log_posteriors(self, audio: Audio, speed: float) -> np.ndarray:
        samples = change_speed(audio.samples, audio.sample_rate, speed)
        return self.acoustic.log_posteriors(frame_features(samples, self.acoustic.features))

    def _average_speeds(
        self,
        audio: Audio,
        words: Sequence[WordPronunciation],
        alignment: Alignment,
        outputs: HeadOutputs,
    ) -> HeadOutputs:
        """Test-time augmentation: score the recording again at the head's other training
        speeds (Kaldi's 0.9 / 1.1 copies) and average the scores; times, heard-as and
        presence stay those of the recording as it is. The other passes align the variants
        the first pass chose, so every pass rates the same phones."""
        chosen = [(w.variants[v],) for w, v in zip(words, alignment.variants, strict=True)]
        runs = [outputs]
        for speed in self.head.test_time_speeds:
            if speed == 1.0:
                continue
            try:
                runs.append(self._rate(self._log_posteriors(audio, speed), chosen)[2])
            except ValueError:  # too few frames at this speed: skip the pass
                continue
        if len(runs) == 1:
            return outputs
        return HeadOutputs(
            phone=np.mean([r.phone for r in runs], axis=0),
            word=np.mean([r.word for r in runs], axis=0),
            utterance=np.mean([r.utterance for r in runs], axis=0),
        )

    def _result(
        self,
        text: str,
        words: Sequence[WordPronunciation],
        audio: Audio,
        alignment: Alignment,
        gop: GopFeatures,
        out: HeadOutputs,
        evidence: PromptEvidence,
        rivals: Sequence[Competitor],
    ) -> UtteranceResult:
        shift = self.acoustic.frame_shift
        line = self.head.confusion_line
        phones_by_word: list[list[PhoneResult]] = [[] for _ in words]
        present = 0
        for k, p in enumerate(alignment.phones):
            _, stress = split_stress(p.token)
            word_said = evidence.said[p.word_index]
            score = float(np.clip(out.phone[k], 0.0, 2.0)) if word_said else 0.0
            if rivals[k].margin > line:  # clearly heard as a sound learners say instead
                score = min(score, PHONE_HEARD_OTHER)
            said = word_said and gop.phone_features[k, SIL_POSTERIOR_COLUMN] < PRESENT_SIL_POSTERIOR
            present += int(said)
            phones_by_word[p.word_index].append(
                PhoneResult(
                    phone=p.phone,
                    stress=stress,
                    start=round(p.start * shift, 3),
                    end=round(p.end * shift, 3),
                    score=round(score, 3),
                    gop=round(float(gop.lpp[k]), 3),
                    heard=_heard(p.phone, score, gop.heard[k], rivals[k], word_said),
                    mispronounced=needs_work(score),
                )
            )
        end = round(audio.duration, 3)
        for i, w in enumerate(words):
            if not phones_by_word[i]:  # not heard: zero-length phones at the end
                phones_by_word[i] = [_unsaid(phone, end) for phone in w.variants[0]]
        word_results = tuple(
            WordResult(
                text=w.text,
                phones=tuple(ph),
                start=ph[0].start,
                end=ph[-1].end,
                accuracy=_word_score(out, i, "accuracy", evidence.said[i]),
                stress=_word_score(out, i, "stress", evidence.said[i]),
                total=_word_score(out, i, "total", evidence.said[i]),
            )
            for i, (w, ph) in enumerate(zip(words, phones_by_word, strict=True))
        )
        n = max(sum(len(ph) for ph in phones_by_word), 1)
        speech = sum(p.end - p.start for p in alignment.phones) * shift
        rate_share = min(1.0, speech / n / MIN_SECONDS_PER_PHONE)
        completeness = 10.0 * present / n * rate_share
        warnings = list(audio.warnings)
        unsaid = [w.text for w, said in zip(words, evidence.said, strict=True) if not said]
        if unsaid:
            warnings.append(
                f"You stopped before the end: “{' '.join(unsaid)}” was not heard. "
                "Read the whole prompt."
            )
        elif completeness < 7:
            warnings.append("Part of the prompt seems to be missing: read the whole text.")
        utt = out.utterance_scores()
        return UtteranceResult(
            text=text,
            words=word_results,
            accuracy=round(float(utt["accuracy"]), 2),
            fluency=round(float(utt["fluency"]), 2),
            completeness=round(completeness, 2),
            prosodic=round(float(utt["prosodic"]), 2),
            # the head learnt from complete readings: scale its total down for missing parts
            total=round(float(utt["total"] * min(1.0, completeness / 9.5)), 2),
            duration=round(audio.duration, 3),
            model_version=self.version,
            warnings=tuple(warnings),
        )


def _heard(expected: str, score: float, top: str, rival: Competitor, word_said: bool) -> str:
    """What to name as heard. A green phone is heard as itself, so "heard as" never
    contradicts the colour; an amber or red one names the confusable sound the model
    heard more than the expected one, else any sound it heard more, else nothing new
    (the expected phone: "unclear", not a substitution); silence for an unsaid word."""
    if not word_said:
        return SILENCE
    if not needs_work(score):
        return expected
    if rival.phone and rival.margin > 0:
        return rival.phone
    return top


def _unsaid(token: str, at: float) -> PhoneResult:
    phone, stress = split_stress(token)
    return PhoneResult(phone, stress, at, at, 0.0, 0.0, SILENCE, True)


def _word_score(out: HeadOutputs, word: int, name: str, said: bool) -> float:
    """A word's score by name; a word the reading did not hold scores 0."""
    return round(out.word_score(word, name), 2) if said else 0.0
