def kv_capacity(gpu_bytes, weight_bytes, n_layers, n_heads, n_kv_heads, head_dim, seq_len,
                kv_bytes=2, reserve_frac=0.1):
    """Fixes the head count and the clamp but still forgets that values are cached too."""
    available = gpu_bytes * (1 - reserve_frac) - weight_bytes
    if available <= 0:
        return 0
    per_token = n_layers * n_kv_heads * head_dim * kv_bytes
    return int(available // (per_token * seq_len))
