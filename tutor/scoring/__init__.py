"""The scoring engine: audio -> features -> posteriors -> alignment -> scores.

numpy + onnxruntime only (no Qt, no torch). Typical use::

    from tutor.scoring import Scorer
    scorer = Scorer.load()                 # the shipped models in assets/models
    result = scorer.score("me.wav", "Think about it")
    print(result.to_json())
"""

from .errors import AudioError, ModelError, ScoringError, TextError
from .result import RESULT_VERSION, PhoneResult, UtteranceResult, WordResult

__all__ = [
    "RESULT_VERSION",
    "AudioError",
    "ModelError",
    "PhoneResult",
    "Scorer",
    "ScoringError",
    "TextError",
    "UtteranceResult",
    "WordResult",
]


def __getattr__(name: str) -> object:
    # The engine pulls in onnxruntime; import it only when asked for.
    if name == "Scorer":
        from .engine import Scorer

        return Scorer
    raise AttributeError(name)
