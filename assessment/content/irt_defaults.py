"""Initial IRT parameters from an item's band, until calibration on real responses replaces them.

The rule (documented in sections/README.md) places the bands' items at the middle of the
ability range each band describes on the standard-normal theta scale, whose 1-300 score bands
meet at theta = -1 and +1.
"""
BAND_DIFFICULTY = {"beginning": -1.5, "developing": 0.0, "accomplished": 1.5}
DEFAULT_DISCRIMINATION = 1.0
#: Half-width of the spread of GPCM step thresholds around the band's difficulty.
GPCM_STEP_SPREAD = 0.5


def default_irt(item_type: str, band: str, *, n_options: int = 0, n_categories: int = 2) -> dict:
    b = BAND_DIFFICULTY[band]
    a = DEFAULT_DISCRIMINATION
    if item_type == "single_choice":
        return {"model": "3pl", "a": a, "b": b, "c": round(1.0 / n_options, 4)}
    if item_type == "multiple_choice":
        return {"model": "3pl", "a": a, "b": b, "c": round(1.0 / (2 ** n_options - 1), 4)}
    if item_type == "numeric":
        return {"model": "2pl", "a": a, "b": b, "c": 0.0}
    if item_type == "code":
        steps = n_categories - 1
        if steps == 1:
            thresholds = [b]
        else:
            width = 2 * GPCM_STEP_SPREAD / (steps - 1)
            thresholds = [round(b - GPCM_STEP_SPREAD + k * width, 4) for k in range(steps)]
        return {"model": "gpcm", "a": a, "b": b, "c": 0.0, "thresholds": thresholds}
    raise ValueError(f"no IRT default for item type {item_type!r}")
