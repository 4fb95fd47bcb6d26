"""Named, seeded data generators. Tensors are (features × samples); the same seed gives the same data."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

Array = np.ndarray


def _line(samples: int = 8, slope: float = 2.0, intercept: float = 1.0, noise: float = 0.1,
          low: float = -1.0, high: float = 1.0, outliers: int = 0, outlier_size: float = 10.0,
          seed: int = 0) -> tuple[Array, Array]:
    """y = slope·x + intercept + noise, x evenly spaced; the last `outliers` points pushed up."""
    rng = np.random.default_rng(seed)
    x = np.linspace(low, high, samples)
    y = slope * x + intercept + noise * rng.standard_normal(samples)
    if outliers:
        y[-outliers:] += outlier_size
    return x.reshape(1, -1), y.reshape(1, -1)


def _xor(repeat: int = 1) -> tuple[Array, Array]:
    x = np.tile(np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]]), repeat)
    y = np.tile(np.array([[0.0, 1.0, 1.0, 0.0]]), repeat)
    return x, y


def _blobs(samples: int = 30, features: int = 2, classes: int = 3, spread: float = 0.5,
           seed: int = 0) -> tuple[Array, Array]:
    """Gaussian clusters around random centres; targets are one-hot columns."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 2.0, size=(classes, features))
    labels = np.arange(samples) % classes
    x = centres[labels].T + spread * rng.standard_normal((features, samples))
    y = np.zeros((classes, samples))
    y[labels, np.arange(samples)] = 1.0
    return x, y


def _binary(samples: int = 20, features: int = 2, spread: float = 0.7, seed: int = 0) -> tuple[Array, Array]:
    """Two clusters; a single 0/1 target row."""
    x, y = _blobs(samples, features, 2, spread, seed)
    return x, y[1:2]


def _multilabel(samples: int = 16, features: int = 4, labels: int = 3, seed: int = 0) -> tuple[Array, Array]:
    """Each label is on where a fixed random projection of the input is positive, so several can be on."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((features, samples))
    proj = rng.standard_normal((labels, features))
    return x, (proj @ x > 0).astype(np.float64)


def _random(samples: int = 32, inputs: int = 5, outputs: int = 3, scale: float = 1.0,
            seed: int = 0) -> tuple[Array, Array]:
    """Gaussian inputs and regression targets."""
    rng = np.random.default_rng(seed)
    return scale * rng.standard_normal((inputs, samples)), scale * rng.standard_normal((outputs, samples))


GENERATORS: dict[str, Callable[..., tuple[Array, Array]]] = {
    "line": _line, "xor": _xor, "blobs": _blobs, "binary": _binary, "multilabel": _multilabel,
    "random": _random,
}


def generate(kind: str, **options: Any) -> tuple[Array, Array]:
    return GENERATORS[kind](**options)


def init_params(sizes: tuple[int, ...], scheme: str = "xavier", seed: int = 0, scale: float = 1.0
                ) -> dict[str, Array]:
    """Initial weights by scheme (biases start at 0): normal, xavier (Glorot), he, zeros."""
    rng = np.random.default_rng(seed)
    params: dict[str, Array] = {}
    for l in range(1, len(sizes)):
        n_in, n_out = sizes[l - 1], sizes[l]
        std = {"normal": 1.0, "xavier": np.sqrt(2.0 / (n_in + n_out)), "he": np.sqrt(2.0 / n_in),
               "zeros": 0.0}[scheme]
        params[f"W{l}"] = scale * std * rng.standard_normal((n_out, n_in))
        params[f"b{l}"] = np.zeros((n_out, 1))
    return params


INIT_SCHEMES = ("normal", "xavier", "he", "zeros")
