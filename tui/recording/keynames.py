"""Key names exactly as Textual spells them: checking script keys, building key events, terminal input.

Textual names a printable key by its character's Unicode name in lower case with underscores
(`question_mark`, `right_square_bracket`), with a few short forms (`plus`, `slash`), and the other
keys by the names in `textual.keys.Keys` (`escape`, `pageup`, `f5`) or chords (`ctrl+r`).
A name that Unicode knows but Textual never sends (`Space`, `Question_Mark`, `Escape` capitalised)
would do nothing in a recording, so it is refused with the name Textual uses.
"""
from __future__ import annotations

import difflib
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual import events

# Textual is imported inside the functions: the command line checks keys before any app exists,
# and importing Textual costs a noticeable part of a second.

MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
# Keys a terminal sends that Textual names itself rather than through Unicode.
_EXTRA = frozenset({"space", "enter", "tab", "escape", "backspace", "delete"})
COMMON = ("space", "enter", "escape", "tab", "left", "right", "up", "down", "home", "end",
          "pageup", "pagedown", "question_mark", "left_square_bracket", "right_square_bracket", "full_stop")


@lru_cache(1)
def named_keys() -> frozenset[str]:
    from textual.keys import Keys
    return frozenset(k.value for k in Keys) | _EXTRA


def character_key(character: str) -> str:
    """The key name Textual gives a single character (`?` -> `question_mark`, `a` -> `a`)."""
    if character.isalnum():
        return character
    if character == "\t":
        return "tab"
    from textual.keys import KEY_NAME_REPLACEMENTS
    try:
        name = unicodedata.name(character).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        return character
    return KEY_NAME_REPLACEMENTS.get(name, name)


def key_character(key: str) -> str | None:
    """The character a key types, or None (arrows, function keys, chords)."""
    if len(key) == 1:
        return key
    if key in ("space", "tab"):
        return " " if key == "space" else "\t"
    from textual.keys import REPLACED_KEYS, key_to_character
    return key_to_character(REPLACED_KEYS.get(key, key))


def is_key(token: str) -> bool:
    """A single printable character, a name Textual uses, or a `ctrl+x` style chord of them."""
    if len(token) == 1:
        return token.isprintable()
    if token in named_keys():
        return True
    *mods, base = token.split("+")
    if mods:   # with a modifier Textual names a letter in lower case (shift is a modifier then)
        return (bool(base) and all(m in MODIFIERS for m in mods) and len(set(mods)) == len(mods)
                and not base.isupper() and is_key(base))
    character = key_character(token)
    return character is not None and len(character) == 1 and character_key(character) == token


def suggest(token: str) -> str | None:
    """The key the user probably meant by `token`, if one stands out."""
    for candidate in (token.lower(), token.lower().replace("-", "_").replace(" ", "_")):
        if is_key(candidate):
            return candidate
    character = key_character(token.lower())
    if character is not None and len(character) == 1 and is_key(character_key(character)):
        return character_key(character)
    close = difflib.get_close_matches(token.lower(), sorted(named_keys() | set(COMMON)), n=1, cutoff=0.6)
    return close[0] if close else None


def key_event(key: str) -> events.Key:
    """The event Textual itself posts for `key`, with its character so inputs receive it."""
    from textual import events
    if len(key) == 1 and not key.isalnum():
        key = character_key(key)
    return events.Key(key, key_character(key))


_SEQUENCES = {
    "up": "\x1b[A", "down": "\x1b[B", "right": "\x1b[C", "left": "\x1b[D", "home": "\x1b[H",
    "end": "\x1b[F", "pageup": "\x1b[5~", "pagedown": "\x1b[6~", "insert": "\x1b[2~", "delete": "\x1b[3~",
    "escape": "\x1b", "enter": "\r", "tab": "\t", "shift+tab": "\x1b[Z", "backspace": "\x7f",
    "f1": "\x1bOP", "f2": "\x1bOQ", "f3": "\x1bOR", "f4": "\x1bOS",
    "shift+up": "\x1b[1;2A", "shift+down": "\x1b[1;2B", "shift+right": "\x1b[1;2C", "shift+left": "\x1b[1;2D",
}


def terminal_input(key: str, character: str | None = None) -> str | None:
    """What an xterm-like terminal sends for `key` (for a cast's "i" events); None if unknown."""
    if key in _SEQUENCES:
        return _SEQUENCES[key]
    if key.startswith("ctrl+") and len(key) == 6 and key[5].isalpha():
        return chr(ord(key[5].lower()) - 96)
    if character is not None and character.isprintable():
        return character
    return key_character(key)
