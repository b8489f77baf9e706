"""tutor: an offline pronunciation tutor for English learners."""

__version__ = "0.1.0"
