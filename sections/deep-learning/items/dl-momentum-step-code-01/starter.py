import numpy as np


def sgd_momentum_step(W, b, X, y, vW, vb, lr, beta):
    """One SGD-with-momentum step of softmax regression.

    Returns (W_new, b_new, vW_new, vb_new, loss_before_update).
    """
    ...
