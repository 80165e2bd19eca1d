import numpy as np


def _reference(x, w, b, stride):
    # loop over kernel offsets only: an independent, reasonably fast formulation
    C, H, W = x.shape
    F, _, k, _ = w.shape
    ho, wo = (H - k) // stride + 1, (W - k) // stride + 1
    out = np.zeros((F, ho, wo)) + b[:, None, None]
    for di in range(k):
        for dj in range(k):
            window = x[:, di:di + stride * (ho - 1) + 1:stride, dj:dj + stride * (wo - 1) + 1:stride]
            out += np.tensordot(w[:, :, di, dj], window, axes=([1], [0]))
    return out


def _case(name, c, h, wd, f, k, stride, seed):
    rng = np.random.default_rng(seed)
    x, w, b = rng.normal(size=(c, h, wd)), rng.normal(size=(f, c, k, k)), rng.normal(size=f)
    return {"name": name, "args": [x, w, b, stride], "expected": _reference(x, w, b, stride)}


CASES = [
    _case("asymmetric 3x3 filters", 2, 6, 6, 3, 3, 1, 1),
    _case("stride 2, odd size", 3, 7, 9, 2, 3, 2, 2),
    _case("1x1 convolution", 4, 5, 5, 6, 1, 1, 3),
    _case("kernel as large as the input", 2, 4, 4, 3, 4, 1, 4),
    _case("stride 3 leaves a remainder", 1, 10, 10, 2, 2, 3, 5),
    _case("non-square input", 3, 5, 12, 4, 3, 1, 6),
    {"name": "one channel, 2x2 kernel", "args": [np.arange(9.0).reshape(1, 3, 3), np.array([[[[1.0, 0.0], [0.0, -1.0]]]]),
                                                np.array([0.5]), 1],
     "expected": np.array([[[-3.5, -3.5], [-3.5, -3.5]]])},
    _case("16x64x64 input, 32 filters, within the time limit", 16, 64, 64, 32, 3, 1, 7),
]
