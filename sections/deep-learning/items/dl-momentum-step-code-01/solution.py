import numpy as np


def sgd_momentum_step(W, b, X, y, vW, vb, lr, beta):
    """One SGD-with-momentum step of softmax regression.

    Returns (W_new, b_new, vW_new, vb_new, loss_before_update).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    n = X.shape[0]
    logits = X @ W + b
    logits = logits - logits.max(axis=1, keepdims=True)
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    loss = float(-log_p[np.arange(n), y].mean())
    delta = np.exp(log_p)
    delta[np.arange(n), y] -= 1.0
    delta /= n
    gW, gb = X.T @ delta, delta.sum(axis=0)
    vW_new = beta * vW + gW
    vb_new = beta * vb + gb
    return W - lr * vW_new, b - lr * vb_new, vW_new, vb_new, loss
