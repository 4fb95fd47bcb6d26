"""The zoom on one gradient element as lines of text: shared by the zoom screen and `chainstep explain`.

Plain data in, `(kind, text)` lines out; the kinds (title, section, text, formula, note, total)
become styles in the app and headings or code blocks in Markdown. No Textual here.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from ...core.explain import Explanation, Path, SampleDetail, ScalarFactor
from ...core.formatting import num, sub

Line = tuple[str, str]
MAX_SAMPLE_LINES = 32


def n(x: float) -> str:
    """A number as the app writes it: 6 significant digits, a true minus."""
    return num(x).replace("-", "−")


def b(x: float) -> str:
    """A number inside a formula: negatives in brackets."""
    s = n(x)
    return f"({s})" if s.startswith("−") else s


def diff_text(d: float) -> str:
    return "0" if d == 0 else f"{d:.1e}".replace("-", "−")


def _factor(f: ScalarFactor, width: int) -> str:
    how = f.formula + (f" with {f.given}" if f.given else "")
    head = f"{f.name} = {f.alt}" if f.alt != n(f.value) else f.name
    return f"      {head.ljust(width)} = {n(f.value):<12} {how}"


def _path(p: Path, k: int, count: int) -> list[Line]:
    width = max(len(f"{f.name} = {f.alt}") for f in p.factors)
    out: list[Line] = [("text", f"    path {p.order + 1} of {count}: {' → '.join(p.route)}")]
    out += [("formula", _factor(f, width)) for f in p.factors]
    out.append(("formula", f"      product: {'·'.join(b(f.value) for f in p.factors)} = {n(p.value)}"))
    return out


def _sample(e: Explanation, d: SampleDetail) -> list[Line]:
    what = _per_sample(e, d.sample)
    out: list[Line] = [("blank", ""), ("section", f"Sample {d.sample}: {what} = {n(d.value)}, the sum of {d.paths:,} path(s)")]
    if not d.enumerated:
        out.append(("note", f"  Too many paths to list one by one: each group's total is the derivative at the "
                            "unit it passes, as the backward pass computes it."))
    for g in d.groups:
        if g.via is not None and len(d.groups) > 1:
            out.append(("text", f"  through {g.via} ({g.via_alt}): {g.count:,} path(s), together {n(g.total)}"))
        for p in g.shown:
            out += _path(p, p.order, d.paths)
        if g.rest_count and g.shown:
            out.append(("text", f"    … {g.rest_count:,} more path(s)" + (f" through {g.via}" if g.via else "")
                                + f", together {n(g.rest_value)}"))
    out.append(("text", "  Accumulation, in the order the backward pass adds them:"))
    out.append(("formula", f"      {what} = 0"))
    pad = " " * (len(what) + 6)
    for s in d.steps:
        out.append(("formula", f"{pad}+= {b(s.value):<14} → {n(s.running):<12} ({s.what})"))
    return out


def _per_sample(e: Explanation, sample: int) -> str:
    """∂E₀/∂W₁[0,1]: the element as one sample's loss sees it."""
    return f"∂E{sub(sample)}/∂{e.element}"


def _reduction(e: Explanation) -> list[str]:
    """The right-hand sides: (1/4)·(∂E₀/∂W + ∂E₁/∂W), then (1/4)·(0.1 + (−0.2)); Σ for many lines."""
    scale = "" if e.divisor == 1 else f"(1/{e.divisor})·"
    if len(e.per_sample) > 6:
        return [f"{scale}Σ of the {len(e.per_sample)} lines above"]
    names = " + ".join(_per_sample(e, s) for s in e.samples)
    terms = " + ".join(b(v) for v in e.per_sample)
    if len(e.per_sample) == 1:
        return [f"{scale}{names}"] + ([f"{scale}{terms}"] if scale else [])
    return [f"{scale}({names})", f"{scale}({terms})"] if scale else [names, terms]


def lines(e: Explanation, scenario: str = "") -> list[Line]:
    """The whole zoom, top to bottom."""
    t = e.target
    where = f" · {scenario}" if scenario else ""
    out: list[Line] = [("title", f"{e.label} at iteration {e.iteration + 1} (step {t.step_id}){where}"),
                       ("text", f"{e.element if t.kind in ('W', 'b') else e.label} is {e.describe}."),
                       ("text", f"Loss of one sample: {e.sample_loss}; L = (1/N)·Σₙ Eₙ, reduced by {e.divisor_text}.")]
    for note in e.notes:
        out.append(("note", note))
    out += [("blank", ""), ("section", "Per sample" if len(e.samples) > 1 else "This sample")]
    for k, (s, v) in enumerate(zip(e.samples, e.per_sample)):
        if k == MAX_SAMPLE_LINES:
            rest = e.per_sample[k:]
            out.append(("formula", f"  … {len(rest)} more sample(s), together {n(sum(rest))}"))
            break
        out.append(("formula", f"  sample {s}: {_per_sample(e, s)} = {n(v)}"))
    out += [("blank", ""), ("section", "Reduction")]
    base = e.label if not e.l2 else e.label.replace("∂C/", "∂L/")
    pad = " " * (len(base) + 2)
    for k, rhs in enumerate([*_reduction(e), n(e.reduced)]):
        out.append(("formula", f"  {base} = {rhs}" if k == 0 else f"{pad} = {rhs}"))
    if e.l2:
        w = f"W{sub(t.layer)}[{t.index[0]},{t.index[1]}]"
        out.append(("formula", f"  + λ·{w} = {b(e.l2)}·{b(e.l2_term / e.l2)} = {n(e.l2_term)}  →  "
                               f"{e.label} = {n(e.total)}"))
    out.append(("total", f"  matrix step {t.step_id}, element [{','.join(map(str, t.index))}]: {n(e.matrix)}"
                         f"   scalar total: {n(e.total)}   difference: {diff_text(e.difference)}"))
    shown = [d.sample for d in e.details]
    if len(shown) < len(e.samples):
        why = "as chosen" if e.picked else f"the largest of the {len(e.samples)} lines"
        out.append(("note", f"Paths are written out for sample(s) {', '.join(map(str, shown))} ({why})."))
    for d in e.details:
        out += _sample(e, d)
    return out


def text(e: Explanation, scenario: str = "") -> str:
    return "\n".join(s for _, s in lines(e, scenario)) + "\n"


def markdown(e: Explanation, scenario: str = "") -> str:
    out: list[str] = []
    fence = False
    for kind, s in lines(e, scenario):
        code = kind in ("formula", "total")
        if code != fence:
            out.append("```text" if not fence else "```")
            fence = not fence
        if kind == "blank":
            continue
        if kind == "title":
            out.append(f"# {s}\n")
        elif kind == "section":
            out.append(f"\n## {s}\n")
        elif kind == "note":
            out.append(f"> {s.strip()}\n")
        elif kind in ("formula", "total"):
            out.append(s)
        else:
            out.append(s.strip() + "\n" if not s.startswith("    ") else f"- {s.strip()}")
    if fence:
        out.append("```")
    return "\n".join(out) + "\n"


def as_json(e: Explanation, scenario: str = "") -> dict[str, Any]:
    """Everything the zoom holds, iteration counted from 1."""
    data = dataclasses.asdict(e)
    data["iteration"] = e.iteration + 1
    data["scenario"] = scenario
    return data
