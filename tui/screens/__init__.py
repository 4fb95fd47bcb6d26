"""Modal and full screens: help, picker, errors."""
