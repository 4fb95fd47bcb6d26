"""Bundled teaching scenarios (YAML files shipped as package data)."""
