from fractions import Fraction


def _exact(xs):
    # exact rational arithmetic, rounded once at the end
    n = len(xs)
    fx = [Fraction(x) for x in xs]
    mean = sum(fx) / n
    var = sum((x - mean) ** 2 for x in fx) / (n - 1) if n > 1 else Fraction(0)
    return (n, float(mean), float(var))


def _case(name, xs, tol=1e-9):
    return {"name": name, "args": [xs], "expected": _exact(xs), "tol": tol}


CASES = [
    _case("small values", [4.0, 7.0, 13.0, 16.0]),
    _case("offset 1e9", [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]),
    _case("offset 1e12 with a spread of a few units", [1e12 + d for d in (0.25, 1.5, 2.0, 3.75, 5.0)], tol=1e-6),
    _case("offset 1e8, many values", [1e8 + (i % 7) * 0.5 for i in range(1000)], tol=1e-7),
    _case("negative large offset", [-3e9 + 1.0, -3e9 + 2.0, -3e9 + 3.0]),
    {"name": "single value", "args": [[42.5]], "expected": (1, 42.5, 0.0)},
    {"name": "empty", "args": [[]], "expected": (0, None, None)},
    _case("identical values", [7.25] * 10),
    _case("two values", [1e12 + 1.0, 1e12 + 3.0]),
]
