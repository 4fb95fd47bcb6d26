"""Data of the minibatch view: one parameter element's gradient per sample, and for the batch.

The numbers come from `minibatch.compare`. The counts are stated honestly: the multiply-adds of
the gradient products are the same both ways (δ·aᵀ over N columns is N outer products added up,
the adding happening inside the product), so the batch route does not save arithmetic. What it
saves is values: one gradient per parameter instead of one per parameter per sample, all of which
the per-sample route must produce, store and then combine.
"""
from __future__ import annotations

from dataclasses import dataclass


from .minibatch import compare
from .trace import Trace


@dataclass(frozen=True)
class BatchView:
    param: str
    index: tuple[int, int]
    iteration: int
    reduction: str                 # "mean" or "sum": how the per-sample gradients combine
    per_sample: tuple[float, ...]  # this element's gradient with each sample alone
    combined: float                # their mean (or sum)
    batch: float                   # the gradient of the reduced loss over the whole batch
    max_difference: float          # over every parameter element, combined vs batch
    samples: int
    params: int
    batch_values: int              # gradient values the batch route produces
    per_sample_values: int         # ... the per-sample route, before combining
    combining_adds: int            # additions that merge the samples: inside δ·aᵀ on the batch route,
                                   # afterwards on the per-sample route; the same number either way
    product_macs: int              # multiply-adds of the δ·aᵀ and Wᵀ·δ products: the same both ways

    @property
    def equal(self) -> bool:
        return self.max_difference <= 1e-9 * max(1.0, abs(self.batch))


def batch_view(trace: Trace, iteration: int, param: str, index: tuple[int, int] = (0, 0)) -> BatchView:
    """Per-sample gradients of param[index] at iteration's parameters, beside the batch gradient."""
    model = trace.model
    params = trace.params_at(iteration)
    x, y = trace.x, trace.y
    cmp = compare(model, params, x, y)
    index = (int(index[0]), int(index[1]))
    n = x.shape[1]
    sizes = model.sizes
    # δ_l·a_{l−1}ᵀ: n_l·n_{l−1} multiply-adds per sample; Wᵀδ below the top layer the same again.
    macs = sum(sizes[l] * sizes[l - 1] * n * (2 if l > 1 else 1) for l in range(1, len(sizes)))
    count = cmp.batch_values
    return BatchView(param, index, iteration, model.reduction,
                     tuple(float(g[param][index]) for g in cmp.per_sample), float(cmp.combined[param][index]),
                     float(cmp.batch[param][index]), cmp.max_difference, n, count, cmp.batch_values,
                     cmp.per_sample_values, count * (n - 1), macs)
