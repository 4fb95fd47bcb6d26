"""Exit statuses every command uses: 0 fine, 1 a value did not match, 2 the input was wrong."""
EXIT_OK, EXIT_MISMATCH, EXIT_USAGE = 0, 1, 2
