"""chainstep.tui: the Textual stepping debugger and the command line."""
