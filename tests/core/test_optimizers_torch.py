"""Every optimiser against torch.optim in float64: same network, same hyper-parameters, 5 iterations.

Each case trains a random network with chainstep's trace and, beside it, the same parameters with
PyTorch autograd and the torch.optim class of the same name; after every iteration the parameters
and the optimiser's buffers (velocity, first and second moments) must agree. Frozen parameters
are left out of the torch optimiser; the L2 term is added to the torch loss as λ/2·ΣW².
"""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from chainstep.core.activations import ACTIVATIONS  # noqa: E402
from chainstep.core.losses import LOSSES  # noqa: E402
from chainstep.core.network import Model  # noqa: E402
from chainstep.core.optimizers import Optimizer  # noqa: E402
from chainstep.core.trace import Trace  # noqa: E402

pytestmark = pytest.mark.torch
ITERATIONS = 5
TORCH_ACT = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu, "linear": lambda u: u}

# kind, our Optimizer, lr, the torch optimiser factory with the same hyper-parameters.
CASES = {
    "sgd": (Optimizer("sgd"), 0.3, lambda ps, lr: torch.optim.SGD(ps, lr=lr)),
    "momentum": (Optimizer("momentum", momentum=0.9), 0.2, lambda ps, lr: torch.optim.SGD(ps, lr=lr, momentum=0.9)),
    "momentum-dampened": (Optimizer("momentum", momentum=0.7, dampening=0.3), 0.2,
                          lambda ps, lr: torch.optim.SGD(ps, lr=lr, momentum=0.7, dampening=0.3)),
    "nesterov": (Optimizer("nesterov", momentum=0.85), 0.2,
                 lambda ps, lr: torch.optim.SGD(ps, lr=lr, momentum=0.85, nesterov=True)),
    "adam": (Optimizer("adam"), 0.05, lambda ps, lr: torch.optim.Adam(ps, lr=lr)),
    "adam-betas": (Optimizer("adam", betas=(0.5, 0.9), eps=1e-3), 0.05,
                   lambda ps, lr: torch.optim.Adam(ps, lr=lr, betas=(0.5, 0.9), eps=1e-3)),
    "adamw": (Optimizer("adamw", weight_decay=0.01), 0.05, lambda ps, lr: torch.optim.AdamW(ps, lr=lr)),
    "adamw-strong": (Optimizer("adamw", betas=(0.8, 0.99), weight_decay=0.3), 0.05,
                     lambda ps, lr: torch.optim.AdamW(ps, lr=lr, betas=(0.8, 0.99), weight_decay=0.3)),
}
# Our buffer names beside torch's state keys.
TORCH_STATE = {"sgd": {}, "momentum": {"v": "momentum_buffer"}, "nesterov": {"v": "momentum_buffer"},
               "adam": {"m": "exp_avg", "v": "exp_avg_sq"}, "adamw": {"m": "exp_avg", "v": "exp_avg_sq"}}


def close(a: np.ndarray, b: np.ndarray, what: str) -> None:
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, what
    scale = max(float(np.max(np.abs(b))), 1e-300)
    assert float(np.max(np.abs(a - b))) / scale <= 1e-11, what


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_optimiser_matches_torch_optim(case: str, seed: int) -> None:
    opt, lr, make = CASES[case]
    rng = np.random.default_rng(seed)
    sizes = (3, 4, 2)
    hidden = ("tanh", "sigmoid", "relu")[seed]
    l2 = (0.0, 0.05, 0.2)[seed]
    frozen = (frozenset(), frozenset({"b1"}), frozenset({"W2", "b2"}))[seed]
    model = Model(sizes, (ACTIVATIONS[hidden], ACTIVATIONS["linear"]), LOSSES["mse"], "mean", l2, lr, frozen, opt)
    params = {}
    for l in (1, 2):
        params[f"W{l}"] = 0.7 * rng.normal(size=(sizes[l], sizes[l - 1]))
        params[f"b{l}"] = 0.3 * rng.normal(size=(sizes[l], 1))
    x, y = rng.normal(size=(3, 5)), rng.normal(size=(2, 5))
    trace = Trace(model, params, x, y, ITERATIONS, checkpoint_every=2, cache_size=1)

    tp = {k: torch.tensor(v, dtype=torch.float64, requires_grad=k not in frozen) for k, v in params.items()}
    topt = make([tp[k] for k in tp if k not in frozen], lr)
    tx, ty = torch.tensor(x), torch.tensor(y)
    for i in range(ITERATIONS):
        topt.zero_grad()
        a = TORCH_ACT[hidden](tp["W1"] @ tx + tp["b1"])
        yhat = tp["W2"] @ a + tp["b2"]
        cost = ((yhat - ty) ** 2).mean() + 0.5 * l2 * ((tp["W1"] ** 2).sum() + (tp["W2"] ** 2).sum())
        cost.backward()
        close(trace.record(i).cost, cost.item(), f"cost at iteration {i}")
        topt.step()
        ours = trace.params_at(i + 1)
        state = trace.record(i).new_opt_state
        for k, t in tp.items():
            close(ours[k], t.detach().numpy(), f"{case}: {k} after iteration {i}")
            if k in frozen:
                assert np.array_equal(ours[k], params[k]) and state.get("v", k) is None
                continue
            for slot, key in TORCH_STATE[opt.kind].items():
                close(state.get(slot, k), topt.state[t][key].numpy(), f"{case}: {slot} of {k} after iteration {i}")
