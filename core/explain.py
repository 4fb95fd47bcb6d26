"""One element of a gradient written as scalars: per-sample lines, the reduction, and the paths.

Within one sample n the loss is Eₙ = Σₖ (element loss of output k), and the reduced loss is
L = (1/N)·Σₙ Eₙ (N = 1 for `sum`). A gradient element of one sample is the sum, over every path
from E down to the element, of the product of the scalar derivatives along it:
∂E/∂out₂[k] · ∂out₂[k]/∂net₂[k] · ∂net₂[k]/∂out₁[i] · ∂out₁[i]/∂net₁[i] · ∂net₁[i]/∂w. An
element-wise activation keeps a path on its unit; softmax couples its outputs, so a path may
enter out[m] and leave through net[k] for any pair (m, k). Everything here is data: numbers and
the names of the factors in both the hand-worked style (net, out) and the trace's (u, a).

The numbers are computed again from the forward values (u, a, W, y), not read off the backward
pass, so the total beside the matrix element is a check, not a copy.
"""
from __future__ import annotations

import numpy as np

from .explain_paths import per_sample, sample_detail
from .explain_target import ExplainError, Target, resolve, target_label
from .explain_types import (Accumulation, Explanation, Path, PathGroup, SampleDetail, ScalarFactor, alt,
                            node)
from .formatting import sub
from .network import IterationRecord, Model
from .trace import Trace

__all__ = ["Accumulation", "ExplainError", "Explanation", "Path", "PathGroup", "SampleDetail", "ScalarFactor",
           "explain", "resolve"]
LIMIT = 12              # paths listed one by one per sample; the rest are summed per group
DETAIL_SAMPLES = 4      # samples whose paths are written out unless the caller picks some


# ---- the whole explanation --------------------------------------------------------------------

def _divisor_text(model: Model, rec: IterationRecord, N: int) -> str:
    k, m = rec.yhat.shape
    if model.reduction == "sum":
        return "the sum: N = 1"
    if model.loss.per_sample:
        return f"the mean over {m} sample(s): N = {N}"
    return f"the mean over {k} output(s) × {m} sample(s): N = {N}"


def _describe(t: Target, depth: int) -> str:
    i = t.unit
    if t.kind == "W":
        j = t.index[1]
        return (f"the weight from {node('a', t.layer - 1, j)} ({alt('a', t.layer - 1, j, depth)}) into "
                f"{node('u', t.layer, i)} ({alt('u', t.layer, i, depth)})")
    if t.kind == "b":
        return f"the bias of {node('u', t.layer, i)} ({alt('u', t.layer, i, depth)})"
    n = t.index[1]
    kind = "u" if t.kind == "delta" else "a"
    return f"how L responds to {node(kind, t.layer, i)} ({alt(kind, t.layer, i, depth)}) of sample {n}"


def explain(trace: Trace, iteration: int, target: Target | str, *, step_id: str | None = None,
            samples: tuple[int, ...] | None = None, limit: int = LIMIT) -> Explanation:
    """The zoom on one gradient element at one iteration (0-based), or ExplainError."""
    if not 0 <= iteration < trace.iterations:
        raise ExplainError(f"iteration {iteration + 1} is outside 1..{trace.iterations}")
    t = resolve(trace, target, step_id) if isinstance(target, str) else target
    model = trace.model
    rec = trace.record(iteration)
    matrix = float(np.asarray(trace.step(iteration, t.step_id).result.value)[
        t.index if len(t.index) == 2 else (t.index[0], 0)])
    values = [rec.x, rec.y, *rec.us, *rec.as_, *rec.params.values(), np.asarray(matrix)]
    if not all(np.all(np.isfinite(v)) for v in values):
        raise ExplainError(f"iteration {iteration + 1} has inf or NaN values (the run diverged): zoom on an "
                           "earlier iteration, or lower the learning rate")
    N = model.loss.count(rec.yhat, model.reduction)
    which, per = per_sample(model, rec, t)
    with np.errstate(all="ignore"):
        reduced = 0.0
        for v in per:
            reduced += float(v)
        reduced /= N
    lam = model.l2 if t.kind == "W" else 0.0
    l2_term = lam * float(rec.params[f"W{t.layer}"][t.index]) if lam else 0.0
    total = reduced + l2_term
    picked = samples is not None
    if samples is None:
        samples = which if len(which) <= DETAIL_SAMPLES else \
            tuple(sorted(np.argsort(-np.abs(per), kind="stable")[:DETAIL_SAMPLES].tolist()))
    bad = [n for n in samples if n not in which]
    if bad:
        raise ExplainError(f"sample {bad[0]} does not enter this element: choose from {which[0]}..{which[-1]}")
    details = tuple(sample_detail(model, rec, t, n, limit) for n in samples)
    notes = []
    if model.fused_output and not (t.kind == "da" and t.layer == model.depth):
        act = model.activations[-1].symbol
        notes.append(f"With {act} and {model.loss.title} together, ∂E/∂out · ∂out/∂net collapses to ŷ − y for "
                     "each output: the trace uses that exact form, and so do these paths.")
    above = model.activations[t.layer - 1 if t.kind != "da" else t.layer:]   # the layers a path crosses
    if model.fused_output:
        above = above[:-1]
    if any(a.name == "softmax" for a in above):
        notes.append("Softmax couples its outputs: a path may enter out[m] and leave through net[k] for any m, k, "
                     "with ∂out[m]/∂net[k] = a[m](δₘₖ − a[k]).")
    if model.loss.name in ("mae", "output"):   # notes about the derivative the paths start from
        notes.append(model.loss.note)
    sample_loss = f"Eₙ = {'' if model.loss.per_sample else 'Σₖ '}{model.loss.element_formula} of sample n"
    i, L = t.unit, model.depth
    element = {"W": f"W{sub(t.layer)}[{i},{t.index[-1]}]", "b": f"b{sub(t.layer)}[{i}]",
               "delta": alt("u", t.layer, i, L), "da": alt("a", t.layer, i, L)}[t.kind]
    return Explanation(t, target_label(t, L, bool(lam)), element, _describe(t, L), iteration,
                       model.loss.name, sample_loss, model.reduction, N, _divisor_text(model, rec, N),
                       tuple(float(v) for v in per), which, reduced, lam, l2_term, total, matrix,
                       total - matrix, details, model.fused_output, tuple(notes), picked)
