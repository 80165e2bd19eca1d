def conv2d_shape_and_params(h, w, c_in, n_filters, kernel, stride=1, padding=0, bias=True):
    """Counts the padding only once per dimension (a common slip)."""
    out_h = (h + padding - kernel) // stride + 1
    out_w = (w + padding - kernel) // stride + 1
    n_params = kernel * kernel * c_in * n_filters + (n_filters if bias else 0)
    return (int(out_h), int(out_w), int(n_params))
