def model_state_gb(n_params, precision="mixed", n_gpus=1, zero_stage=0):
    """GPU memory in GB (1e9 bytes) per GPU for the weights, gradients and Adam optimizer states
    of a model with `n_params` parameters, for precision "fp32" or "mixed" and ZeRO stage 0-3
    over `n_gpus` data-parallel GPUs."""
    if precision == "fp32":
        weights, grads, optim = 4, 4, 8
    else:
        weights, grads, optim = 2, 2, 8          # forgets the fp32 master copy of the weights
    if zero_stage >= 1:
        optim = optim / n_gpus
    if zero_stage >= 2:
        grads = grads / n_gpus
    if zero_stage >= 3:
        weights = weights / n_gpus
    return n_params * (weights + grads + optim) / 1e9
