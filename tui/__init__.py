"""chainstep.tui: the Textual stepping debugger and the command line."""
import os as _os

# One BLAS thread unless the user chose otherwise. The debugger's matrices are small, and its UI
# thread and trace workers share the cores: OpenBLAS threads spinning against a busy core made an
# iteration of the 784-128-64-10 scenario 10-20× slower in tests/bench.py (P3/P4). Set here,
# before numpy is first imported by the app or the CLI; a no-op if numpy was imported earlier.
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_var, "1")
del _var
