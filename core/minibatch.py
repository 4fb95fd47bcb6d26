"""The minibatch question: the gradient of the mean loss versus the mean of per-sample gradients."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import Model, Params, run_iteration

Array = np.ndarray


@dataclass(frozen=True)
class BatchComparison:
    batch: dict[str, Array]          # gradient of the reduced loss over the whole batch
    per_sample: list[dict[str, Array]]
    combined: dict[str, Array]       # per-sample gradients averaged (mean) or added (sum)
    max_difference: float
    batch_values: int                # gradient numbers the batch route produces
    per_sample_values: int           # ... and the per-sample route before combining


def compare(model: Model, params: Params, x: Array, y: Array) -> BatchComparison:
    """Backpropagate each sample alone and combine, next to one pass over the batch.

    With `mean` the loss of the batch is the mean of the per-sample losses (each sample's loss is
    itself the mean over its outputs), so the gradients' mean must match; with `sum` their sum.
    The multiply-adds of the two routes are the same: the saving of the batch route is in
    producing one gradient per parameter instead of one per parameter per sample.
    """
    names = model.param_names
    batch_rec = run_iteration(model, params, x, y)
    batch = {n: batch_rec.param_grad(n) for n in names}
    per_sample = []
    for j in range(x.shape[1]):
        rec = run_iteration(model, params, x[:, j:j + 1], y[:, j:j + 1])
        per_sample.append({n: rec.param_grad(n) for n in names})
    combine = np.mean if model.reduction == "mean" else np.sum
    combined = {n: combine([g[n] for g in per_sample], axis=0) for n in names}
    diff = max(float(np.max(np.abs(combined[n] - batch[n]))) for n in names)
    count = sum(params[n].size for n in names)
    return BatchComparison(batch, per_sample, combined, diff, count, count * x.shape[1])
