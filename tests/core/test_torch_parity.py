"""Every gradient in the trace against PyTorch autograd in float64 (skipped where torch is absent)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from chainstep.core.activations import ACTIVATIONS  # noqa: E402
from chainstep.core.losses import LOSSES  # noqa: E402
from chainstep.core.network import Model  # noqa: E402
from chainstep.core.trace import Trace  # noqa: E402

pytestmark = pytest.mark.torch
TORCH_ACT = {"linear": lambda u: u, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
             "softmax": lambda u: torch.softmax(u, dim=0)}


def torch_loss(name: str, reduction: str, u: "torch.Tensor", a: "torch.Tensor", y: "torch.Tensor", out: str):
    if name == "mse":
        terms = (a - y) ** 2
    elif name == "half_mse":
        terms = 0.5 * (a - y) ** 2
    elif name == "mae":
        terms = (a - y).abs()
    elif name == "bce":
        terms = F.binary_cross_entropy_with_logits(u, y, reduction="none")
    else:
        terms = -(y * torch.log_softmax(u, dim=0))
        return terms.sum() / (1 if reduction == "sum" else y.shape[1])
    return terms.sum() if reduction == "sum" else terms.mean()


def rel(a: np.ndarray, b: np.ndarray) -> float:
    """Largest difference relative to the tensor's largest entry.

    Element-wise relative error is meaningless for entries that are tiny because of cancellation
    (1 − tanh²(u) at a saturated u differs in the last bits between any two tanh libraries).
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape
    scale = max(float(np.max(np.abs(b))), 1e-300)
    return float(np.max(np.abs(a - b))) / scale


CASES = []
for loss in ("mse", "half_mse", "mae", "bce", "cross_entropy"):
    outs = {"bce": ["sigmoid"], "cross_entropy": ["softmax"]}.get(loss, ["linear", "tanh", "sigmoid", "softmax"])
    for out in outs:
        for hidden in ("sigmoid", "tanh", "relu", "linear"):
            for reduction in ("mean", "sum"):
                CASES.append((loss, out, hidden, reduction))


@pytest.mark.parametrize("loss,out,hidden,reduction", CASES)
@pytest.mark.parametrize("seed", [0, 1])
def test_trace_gradients_match_autograd(loss, out, hidden, reduction, seed) -> None:
    rng = np.random.default_rng(seed)
    sizes = (4, 5, 3, 3)
    l2 = 0.05 if seed else 0.0
    acts = (ACTIVATIONS[hidden], ACTIVATIONS[hidden], ACTIVATIONS[out])
    model = Model(sizes, acts, LOSSES[loss], reduction, l2, 0.1)
    params = {}
    for l in range(1, 4):
        # Moderate weights: saturated outputs make 1 − p meaningless in float64 for any library.
        params[f"W{l}"] = 0.6 * rng.normal(size=(sizes[l], sizes[l - 1]))
        params[f"b{l}"] = 0.3 * rng.normal(size=(sizes[l], 1))
    x = rng.normal(size=(4, 6))
    if loss == "cross_entropy":
        y = np.eye(3)[:, rng.integers(0, 3, 6)]
    elif loss == "bce":
        y = (rng.random((3, 6)) > 0.5).astype(float)
    else:
        y = rng.normal(size=(3, 6))
    trace = Trace(model, params, x, y, 2)

    for i in range(2):
        p = trace.params_at(i)
        tp = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in p.items()}
        a = torch.tensor(x, dtype=torch.float64)
        a.requires_grad_(True)
        us, as_ = [], [a]
        for l in range(1, 4):
            u = tp[f"W{l}"] @ as_[-1] + tp[f"b{l}"]
            u.retain_grad()
            nxt = TORCH_ACT[acts[l - 1].name](u)
            nxt.retain_grad()
            us.append(u)
            as_.append(nxt)
        ty = torch.tensor(y, dtype=torch.float64)
        L = torch_loss(loss, reduction, us[-1], as_[-1], ty, out)
        C = L + 0.5 * l2 * sum((tp[f"W{l}"] ** 2).sum() for l in range(1, 4))
        C.backward()

        assert abs(trace.step(i, "loss.L").result.value - L.item()) <= 1e-12 * max(1, abs(L.item()))
        if as_[-1].grad is None:
            # The loss was taken from the logits; differentiate its probability form in ŷ instead.
            pr = as_[-1].detach().clone().requires_grad_(True)
            if loss == "bce":
                terms = -(ty * torch.log(pr) + (1 - ty) * torch.log(1 - pr))
                lp = terms.sum() if reduction == "sum" else terms.mean()
            else:
                lp = -(ty * torch.log(pr)).sum() / (1 if reduction == "sum" else y.shape[1])
            lp.backward()
            dyhat = pr.grad.numpy()
        else:
            dyhat = as_[-1].grad.numpy()
        ours = trace.step(i, "backward.dyhat").result.value
        # Where ŷ has saturated to within 1e-12 of 0 or 1 the engine clips (documented in losses.py).
        pnp = as_[-1].detach().numpy()
        keep = (pnp > 1e-12) & (pnp < 1 - 1e-12) if loss in ("bce", "cross_entropy") else np.ones_like(pnp, bool)
        assert rel(ours[keep], dyhat[keep]) <= 1e-9
        for l in range(1, 4):
            assert rel(trace.step(i, f"backward.{l}.delta").result.value, us[l - 1].grad.numpy()) <= 1e-9
            assert rel(trace.step(i, f"backward.{l}.dW").result.value, tp[f"W{l}"].grad.numpy()) <= 1e-9
            assert rel(trace.step(i, f"backward.{l}.db").result.value, tp[f"b{l}"].grad.numpy()) <= 1e-9
            if l > 1:
                assert rel(trace.step(i, f"backward.{l}.da_prev").result.value, as_[l - 1].grad.numpy()) <= 1e-9
            if acts[l - 1].elementwise:
                u0 = torch.tensor(trace.record(i).us[l - 1], dtype=torch.float64, requires_grad=True)
                TORCH_ACT[acts[l - 1].name](u0).sum().backward()
                assert rel(trace.step(i, f"backward.{l}.da_du").result.value, u0.grad.numpy()) <= 1e-9
        # The update is plain SGD on the same gradients.
        with torch.no_grad():
            for name, t in tp.items():
                expected = t - 0.1 * t.grad
                assert rel(trace.step(i, f"update.{name}").result.value, expected.numpy()) <= 1e-12
