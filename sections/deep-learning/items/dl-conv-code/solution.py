def conv2d_shape_and_params(h, w, c_in, n_filters, kernel, stride=1, padding=0, bias=True):
    """Output height, output width and trainable parameter count of a 2-D conv layer."""
    out_h = (h + 2 * padding - kernel) // stride + 1
    out_w = (w + 2 * padding - kernel) // stride + 1
    n_params = kernel * kernel * c_in * n_filters + (n_filters if bias else 0)
    return (int(out_h), int(out_w), int(n_params))
