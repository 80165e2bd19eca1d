def double(x):
    return x + 2  # right only for x = 2
