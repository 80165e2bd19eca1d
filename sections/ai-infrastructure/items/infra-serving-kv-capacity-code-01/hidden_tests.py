import math


def _ref(gpu, weights, layers, heads, kv_heads, head_dim, seq, kv_bytes=2, reserve_frac=0.1):
    free = gpu * (1 - reserve_frac) - weights
    return 0 if free <= 0 else int(math.floor(free / (2 * layers * kv_heads * head_dim * kv_bytes * seq)))


def _case(name, *args, **kwargs):
    return {"name": name, "args": list(args), "kwargs": kwargs, "expected": _ref(*args, **kwargs)}


CASES = [
    _case("13B-like model, multi-head attention", 80e9, 26e9, 40, 40, 40, 128, 2048),
    _case("70B-like model with grouped-query attention", 2 * 80e9, 140e9, 80, 64, 8, 128, 4096),
    _case("8B-like model, GQA, long context", 80e9, 16e9, 32, 32, 8, 128, 32768),
    _case("int8 KV cache", 80e9, 16e9, 32, 32, 8, 128, 8192, kv_bytes=1),
    _case("no reserve", 40e9, 14e9, 32, 32, 32, 128, 1024, reserve_frac=0.0),
    _case("model does not fit", 24e9, 26e9, 40, 40, 40, 128, 2048),
    _case("exactly no room left", 20e9, 18e9, 32, 32, 32, 128, 1024),
    _case("multi-query attention (one KV head)", 24e9, 14e9, 32, 32, 1, 128, 4096),
    _case("short sequences", 80e9, 26e9, 40, 40, 40, 128, 128),
]
