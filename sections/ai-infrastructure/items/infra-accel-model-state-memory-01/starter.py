def model_state_gb(n_params, precision="mixed", n_gpus=1, zero_stage=0):
    """GPU memory in GB (1e9 bytes) per GPU for the weights, gradients and Adam optimizer states
    of a model with `n_params` parameters, for precision "fp32" or "mixed" and ZeRO stage 0-3
    over `n_gpus` data-parallel GPUs."""
    ...
