"""Quiz mode in the app: the question pane, its inputs, the session that keeps answers (tui side)."""
