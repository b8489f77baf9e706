"""Exceptions with messages a learner or teacher can act on."""


class ScoringError(Exception):
    """Base class: anything that stops an utterance from being scored."""


class AudioError(ScoringError):
    """The audio cannot be used (unreadable, empty, silent, too short or too long)."""


class TextError(ScoringError):
    """The prompt text cannot be turned into phones (empty, no letters...)."""


class ModelError(ScoringError):
    """A model file is missing, corrupt, or has a contract this runtime does not know."""


class NotThePromptError(ScoringError):
    """The recording holds no speech, or speech that is not the prompt: it is refused
    rather than scored, so a learner never sees confident colours for a wrong take."""
