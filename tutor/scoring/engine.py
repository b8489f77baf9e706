"""The scorer: audio -> features -> posteriors -> alignment -> GOP -> scores.

Models load once (:meth:`Scorer.load`); :meth:`Scorer.score` is then pure computation and
safe to call from a worker thread.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .alignment import Alignment, force_align
from .audio import Audio, change_speed, load_audio
from .errors import AudioError, TextError
from .features import log_mel
from .gop import PHONE_FEATURES, GopFeatures, gop_features
from .head_inputs import HeadOutputs, check_contract, run_head
from .lexicon import Lexicon, WordPronunciation, pronounce
from .model import AcousticModel, ScoringHead, model_bytes
from .phones import split_stress
from .result import PhoneResult, UtteranceResult, WordResult

ACOUSTIC_FILE = "acoustic.onnx"
HEAD_FILE = "head.onnx"
MISPRONOUNCED_BELOW = 1.0  # phone score under which a phone is flagged (experts: 0 = wrong)
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
        return cls(AcousticModel.load(root / ACOUSTIC_FILE, threads), head)

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
    ) -> UtteranceResult:
        """Score one utterance of ``text`` (or of explicit ``words``)."""
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
        alignment, gop, outputs = self._rate(log_post, [w.variants for w in words])
        outputs = self._average_speeds(audio, words, alignment, outputs)
        return self._result(
            text or " ".join(w.text for w in words), words, audio, alignment, gop, outputs
        )

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
        return self.acoustic.log_posteriors(log_mel(samples, self.acoustic.features))

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
    ) -> UtteranceResult:
        shift = self.acoustic.frame_shift
        phones_by_word: list[list[PhoneResult]] = [[] for _ in words]
        present = 0
        for k, p in enumerate(alignment.phones):
            _, stress = split_stress(p.token)
            score = float(np.clip(out.phone[k], 0.0, 2.0))
            said = gop.phone_features[k, SIL_POSTERIOR_COLUMN] < PRESENT_SIL_POSTERIOR
            present += int(said)
            phones_by_word[p.word_index].append(
                PhoneResult(
                    phone=p.phone,
                    stress=stress,
                    start=round(p.start * shift, 3),
                    end=round(p.end * shift, 3),
                    score=round(score, 3),
                    gop=round(float(gop.lpp[k]), 3),
                    heard=gop.heard[k],
                    mispronounced=score < MISPRONOUNCED_BELOW,
                )
            )
        word_results = tuple(
            WordResult(
                text=w.text,
                phones=tuple(ph),
                start=ph[0].start,
                end=ph[-1].end,
                accuracy=round(float(np.clip(out.word[i, 0], 0, 10)), 2),
                stress=round(float(np.clip(out.word[i, 1], 0, 10)), 2),
                total=round(float(np.clip(out.word[i, 2], 0, 10)), 2),
            )
            for i, (w, ph) in enumerate(zip(words, phones_by_word, strict=True))
        )
        n = max(len(alignment.phones), 1)
        speech = sum(p.end - p.start for p in alignment.phones) * shift
        rate_share = min(1.0, speech / n / MIN_SECONDS_PER_PHONE)
        completeness = 10.0 * present / n * rate_share
        warnings = list(audio.warnings)
        if completeness < 7:
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
