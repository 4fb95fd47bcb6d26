"""A course: a title and scenarios in teaching order, read from a small YAML file with located errors."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import scenarios as _bundled_package
from .errors import ScenarioError
from .scenario import bundled, bundled_name, parse_yaml, read_file
from .scenario.validate import Validator

COURSES_DIR = Path(_bundled_package.__file__).resolve().parent / "courses"
DEFAULT_COURSE = "backprop"
COURSE_KEYS = {"title": "the course's title", "description": "a paragraph about it",
               "scenarios": "scenario names or paths (relative to the course file), in order"}
MAX_LESSONS = 200


@dataclass(frozen=True)
class Course:
    name: str
    title: str
    description: str
    path: str
    scenarios: tuple[str, ...]   # bundled names or absolute paths, ready for load_scenario


def bundled_courses() -> list[Path]:
    return sorted(COURSES_DIR.glob("*.yaml"))


def resolve_course(name_or_path: str | None) -> Path:
    name = name_or_path or DEFAULT_COURSE
    for p in bundled_courses():
        if p.stem == name:
            return p
    path = Path(name)
    if path.is_file():
        return path
    names = ", ".join(p.stem for p in bundled_courses())
    raise ScenarioError(f"no course file or bundled course called `{name}`", name, 1, 1,
                        f"the bundled courses are: {names}")


def load_course(name_or_path: str | None = None) -> Course:
    path = resolve_course(name_or_path)
    raw, doc = parse_yaml(read_file(path), str(path))
    v = Validator(doc)
    top = v.mapping(raw, (), COURSE_KEYS)
    title = v.string(v.require(top, "title", (), "give the course a title"), ("title",), "the title")
    description = v.string(top.get("description", ""), ("description",), "the description")
    items = v.require(top, "scenarios", (), "list the scenarios in teaching order")
    if not isinstance(items, list) or not items or len(items) > MAX_LESSONS:
        raise v.err(("scenarios",), f"scenarios must be a list of 1 to {MAX_LESSONS} scenario names",
                    "write - sign-of-the-error, one per line")
    known = {bundled_name(p) for p in bundled()}
    out = []
    for i, item in enumerate(items):
        s = v.string(item, ("scenarios", i), "a scenario name or path")
        if s in known:
            out.append(s)
            continue
        file = (path.parent / s).resolve()
        if not file.is_file():
            import difflib
            close = difflib.get_close_matches(s, sorted(known), n=1)
            raise v.err(("scenarios", i), f"no bundled scenario or file called `{s}`",
                        f"did you mean `{close[0]}`?" if close else "run `chainstep list` for the bundled names")
        out.append(str(file))
    return Course(path.stem, title, description, str(path), tuple(out))
