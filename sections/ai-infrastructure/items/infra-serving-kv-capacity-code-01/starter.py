def kv_capacity(gpu_bytes, weight_bytes, n_layers, n_heads, n_kv_heads, head_dim, seq_len,
                kv_bytes=2, reserve_frac=0.1):
    """Number of seq_len-token sequences whose KV cache fits on the GPU (an int)."""
    available = gpu_bytes * (1 - reserve_frac) - weight_bytes
    per_token = n_layers * n_heads * head_dim * kv_bytes
    return int(available // (per_token * seq_len))
