def conv2d_shape_and_params(h, w, c_in, n_filters, kernel, stride=1, padding=0, bias=True):
    """Output height, output width and trainable parameter count of a 2-D conv layer.

    Square kernel x kernel filters, `padding` zeros on each side, one bias per filter if bias.
    Returns a tuple of ints (out_h, out_w, n_params).
    """
    ...
