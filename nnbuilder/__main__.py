"""``python -m nnbuilder``."""
import sys

from nnbuilder.cli import main

sys.exit(main())
