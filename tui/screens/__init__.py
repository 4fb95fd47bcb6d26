"""Modal screens of the app: help, the scenario picker, errors and prompts."""
