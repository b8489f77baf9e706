"""The application core (no Qt): what the window, the CLI and the tests all drive.

- :mod:`.library`: the lesson library, built-in and installed packs, broken ones reported
  by name;
- :mod:`.progress`: the learners and their attempts (the SQLite store, or memory only);
- :mod:`.sitting`: one sitting over a pack: the queue, missed items coming back, pass/fail
  messages, the marks in the lesson list and the end-of-session summary;
- :mod:`.review`: the items due for review across packs;
- :mod:`.expected`: the expected words and phones of a prompt.
"""

from .expected import expected_words
from .library import Library, PackItem, PackProblem, load_library, practice_order
from .progress import Progress
from .review import DueItem, due_items, due_keys
from .sitting import Mark, NextStep, Sitting

__all__ = [
    "DueItem",
    "Library",
    "Mark",
    "NextStep",
    "PackItem",
    "PackProblem",
    "Progress",
    "Sitting",
    "due_items",
    "due_keys",
    "expected_words",
    "load_library",
    "practice_order",
]
