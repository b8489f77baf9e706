"""The one error the voices raise: its message is fit to show a learner or a teacher."""


class VoiceError(RuntimeError):
    """A voice could not speak (missing program or model, bad text, failed synthesis)."""
