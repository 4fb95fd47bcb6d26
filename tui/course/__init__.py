"""Courses and progress: what a student has done, kept between sessions (no Textual here)."""
