"""`python -m chainstep.tui` runs the same command as `chainstep`."""
import sys

from .cli import main

sys.exit(main())
