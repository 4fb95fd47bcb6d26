"""Serving the app to browsers: the command each session runs (launch.py) and the room server (room.py)."""
