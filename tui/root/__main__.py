"""`python -m chainstep` runs the same command as `chainstep`."""
import sys

from chainstep.tui.cli import main

sys.exit(main())
