"""``python -m nnbuilder``."""
import sys

from nnbuilder.cli import main

if __name__ == "__main__":  # the training process re-imports the main module: it must not start the app again
    sys.exit(main())
