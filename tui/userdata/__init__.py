"""What lasts between sessions: where it lives (dirs.py, platformdirs) and the settings and state files (settings.py)."""
