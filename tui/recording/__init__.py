"""Recording demos: cast and key-log writing, the live recorder, tapes, scripted runs and replay."""
