"""The app side of the debugger tools: breakpoints, watches, gradient check, minibatch, landscape."""
