"""Entry point of the PyInstaller bundles: the same ``tutor`` command as ``pip install``."""

import sys

from tutor.cli import main

if __name__ == "__main__":
    sys.exit(main())
