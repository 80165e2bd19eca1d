"""Item parameters of a bank: one frozen record of arrays for n items.

Every item is in the slope-difficulty form ``a(theta - b)`` on the logistic metric (no 1.7
scaling constant). Dichotomous items use the 1PL, 2PL or 3PL model; polytomous items (coding
items scored in categories 0..m-1) use the generalized partial credit model (GPCM) with step
parameters ``b_1..b_{m-1}``.

References
----------
Muraki, E. (1992). A generalized partial credit model. *Applied Psychological Measurement*,
16(2), 159-176.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

MODELS = ("1pl", "2pl", "3pl", "gpcm")
"""Model codes accepted everywhere (``'rasch'`` is read as ``'1pl'``)."""

DICHOTOMOUS = ("1pl", "2pl", "3pl")


def _normalize_model(value: object, where: str) -> str:
    code = str(value).strip().lower()
    if code == "rasch":
        code = "1pl"
    if code not in MODELS:
        raise ValueError(f"{where}: unknown model {value!r}; expected one of {', '.join(MODELS)}")
    return code


def _readonly(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class ItemParameters:
    """Parameters of ``n`` items, aligned with the columns of a response matrix.

    Attributes
    ----------
    ids : tuple of str
        Stable item identifiers, unique.
    model : ndarray of str, shape (n,)
        ``'1pl'``, ``'2pl'``, ``'3pl'`` or ``'gpcm'``.
    a : ndarray of float, shape (n,)
        Discrimination (slope), > 0. Equal to 1 for Rasch items.
    b : ndarray of float, shape (n,)
        Difficulty for dichotomous items; the mean of the step parameters for GPCM items.
    c : ndarray of float, shape (n,)
        Lower asymptote (guessing) for 3PL items, in [0, 1); 0 elsewhere.
    thresholds : ndarray of float, shape (n, max_steps)
        GPCM step parameters ``b_k`` in the ``a(theta - b_k)`` form, NaN-padded; all NaN for
        dichotomous items.
    n_categories : ndarray of int, shape (n,)
        Number of score categories: 2 for dichotomous items, ``m`` for GPCM.
    """

    ids: tuple[str, ...]
    model: np.ndarray
    a: np.ndarray
    b: np.ndarray
    c: np.ndarray
    thresholds: np.ndarray
    n_categories: np.ndarray
    _index: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ids = tuple(str(i) for i in self.ids)
        n = len(ids)
        if len(set(ids)) != n:
            seen: set[str] = set()
            dup = next(i for i in ids if i in seen or seen.add(i))
            raise ValueError(f"duplicate item id {dup!r}")
        raw = np.char.lower(np.char.strip(np.asarray(self.model, dtype=str).ravel()))
        raw = np.where(raw == "rasch", "1pl", raw)
        unknown = ~np.isin(raw, MODELS)
        if unknown.any():
            k = int(np.argmax(unknown))
            _normalize_model(str(raw[k]), f"item {ids[k]!r}" if k < n else "model")
        model = raw.astype("<U4")
        arrays = {}
        for name in ("a", "b", "c"):
            arr = np.array(getattr(self, name), dtype=float).reshape(-1)
            if arr.shape != (n,):
                raise ValueError(f"{name} has {arr.size} values for {n} items")
            arrays[name] = arr
        if model.shape != (n,):
            raise ValueError(f"model has {model.size} values for {n} items")
        thresholds = np.array(self.thresholds, dtype=float)
        if thresholds.ndim == 1 and n == thresholds.size:
            thresholds = thresholds.reshape(n, 1)
        if thresholds.ndim != 2 or thresholds.shape[0] != n:
            raise ValueError(f"thresholds must have shape (n_items={n}, max_steps)")
        if thresholds.shape[1] == 0:
            thresholds = np.full((n, 1), np.nan)
        n_categories = np.array(self.n_categories, dtype=int).reshape(-1)
        if n_categories.shape != (n,):
            raise ValueError(f"n_categories has {n_categories.size} values for {n} items")

        a, b, c = arrays["a"], arrays["b"], arrays["c"]
        dich = model != "gpcm"
        width = thresholds.shape[1]
        step_no = np.arange(width)[None, :]
        needed = step_no < (n_categories - 1)[:, None]
        finite = np.isfinite(thresholds)
        checks = (
            (~(np.isfinite(a) & (a > 0)), "discrimination a must be finite and > 0, got {a}"),
            (dich & ~np.isfinite(b), "difficulty b must be finite, got {b}"),
            (dich & (n_categories != 2), "a dichotomous item has 2 categories"),
            (~dich & ((n_categories < 2) | (n_categories - 1 > width)
                      | ~np.where(needed, finite, True).all(axis=1)),
             "a GPCM item needs n_categories-1 >= 1 finite thresholds"),
            (~dich & np.where(needed, False, finite).any(axis=1),
             "more thresholds than n_categories-1"),
        )
        for bad, message in checks:
            if bad.any():
                k = int(np.argmax(bad))
                raise ValueError(f"item {ids[k]!r}: " + message.format(a=a[k], b=b[k]))
        c = np.where(model == "3pl", c, 0.0)
        c = np.where(np.isnan(c), 0.0, c)
        if np.any((c < 0) | (c >= 1)):
            k = int(np.argmax((c < 0) | (c >= 1)))
            raise ValueError(f"item {ids[k]!r}: guessing c must be in [0, 1), got {c[k]}")
        thresholds = thresholds.copy()
        thresholds[dich] = np.nan
        gp = ~dich
        if gp.any():
            b = b.copy()
            b[gp] = np.nanmean(thresholds[gp], axis=1)

        object.__setattr__(self, "ids", ids)
        object.__setattr__(self, "model", _readonly(model))
        object.__setattr__(self, "a", _readonly(a))
        object.__setattr__(self, "b", _readonly(b))
        object.__setattr__(self, "c", _readonly(c))
        object.__setattr__(self, "thresholds", _readonly(thresholds))
        object.__setattr__(self, "n_categories", _readonly(n_categories))
        object.__setattr__(self, "_index", {item: k for k, item in enumerate(ids)})

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_records(cls, records: Iterable[Mapping]) -> "ItemParameters":
        """Build from mappings with keys ``item``, ``model``, ``a``, ``b``, ``c`` (optional)
        and ``thresholds`` (optional list, required for ``gpcm``).

        ``a`` defaults to 1 for ``1pl``; ``b`` is ignored for ``gpcm`` (the mean of the
        thresholds is stored).
        """
        ids, models, a, b, c, steps = [], [], [], [], [], []
        for k, rec in enumerate(records):
            if "item" not in rec:
                raise ValueError(f"record {k}: missing key 'item'")
            item = str(rec["item"])
            model = _normalize_model(rec.get("model", ""), f"item {item!r}")
            ids.append(item)
            models.append(model)
            a_val = rec.get("a")
            if a_val is None or (isinstance(a_val, float) and np.isnan(a_val)):
                if model != "1pl":
                    raise ValueError(f"item {item!r}: missing discrimination 'a'")
                a_val = 1.0
            a.append(float(a_val))
            c_val = rec.get("c")
            c.append(0.0 if c_val is None or model != "3pl" else float(c_val))
            if model == "gpcm":
                th = rec.get("thresholds")
                if th is None or len(th) == 0:
                    raise ValueError(f"item {item!r}: a gpcm item needs 'thresholds'")
                steps.append([float(t) for t in th])
                b.append(float(np.mean(steps[-1])))
            else:
                if rec.get("b") is None:
                    raise ValueError(f"item {item!r}: missing difficulty 'b'")
                steps.append([])
                b.append(float(rec["b"]))
        width = max([len(s) for s in steps] + [1])
        thresholds = np.full((len(ids), width), np.nan)
        for k, s in enumerate(steps):
            thresholds[k, : len(s)] = s
        n_categories = np.array([len(s) + 1 if m == "gpcm" else 2 for s, m in zip(steps, models)],
                                dtype=int)
        return cls(ids=tuple(ids), model=np.array(models), a=np.array(a), b=np.array(b),
                   c=np.array(c), thresholds=thresholds, n_categories=n_categories)

    @classmethod
    def dichotomous(cls, a: Sequence[float], b: Sequence[float], c: Sequence[float] | None = None,
                    *, ids: Sequence[str] | None = None, model: str | None = None) -> "ItemParameters":
        """Convenience constructor for a bank of dichotomous items of one model.

        The model defaults to ``3pl`` when ``c`` is given, else ``2pl``.
        """
        b = np.asarray(b, dtype=float).reshape(-1)
        n = b.size
        a = np.broadcast_to(np.asarray(a, dtype=float), (n,)).copy()
        model = model or ("3pl" if c is not None else "2pl")
        c_arr = np.zeros(n) if c is None else np.broadcast_to(np.asarray(c, float), (n,)).copy()
        ids = tuple(ids) if ids is not None else tuple(f"i{k + 1:0{len(str(n))}d}" for k in range(n))
        return cls(ids=ids, model=np.full(n, model), a=a, b=b, c=c_arr,
                   thresholds=np.full((n, 1), np.nan), n_categories=np.full(n, 2))

    # ------------------------------------------------------------------ accessors
    def __len__(self) -> int:
        return len(self.ids)

    @property
    def n_items(self) -> int:
        return len(self.ids)

    @property
    def max_categories(self) -> int:
        """Largest number of score categories in the bank (2 if all are dichotomous)."""
        return int(self.n_categories.max()) if len(self.ids) else 2

    @cached_property
    def is_polytomous(self) -> np.ndarray:
        """Boolean mask of GPCM items."""
        return _readonly(self.model == "gpcm")

    @property
    def max_score(self) -> np.ndarray:
        """Highest item score: 1 for dichotomous items, ``m - 1`` for GPCM."""
        return self.n_categories - 1

    def index_of(self, item_id: str) -> int:
        """Column index of ``item_id``; ``ValueError`` if the bank has no such item."""
        try:
            return self._index[str(item_id)]
        except KeyError:
            raise ValueError(f"unknown item id {item_id!r}") from None

    def subset(self, indices: Sequence[int] | np.ndarray) -> "ItemParameters":
        """Items at ``indices`` (integer positions or a boolean mask), in that order."""
        idx = np.asarray(indices)
        if idx.dtype == bool:
            if idx.shape != (self.n_items,):
                raise ValueError("boolean mask must have one value per item")
            idx = np.flatnonzero(idx)
        idx = idx.astype(int).reshape(-1)
        if idx.size and (idx.min() < -self.n_items or idx.max() >= self.n_items):
            raise ValueError(f"item index out of range for {self.n_items} items")
        n_cat = self.n_categories[idx]
        width = max(int(n_cat.max()) - 1, 1) if idx.size else 1
        return ItemParameters(ids=tuple(self.ids[k] for k in idx), model=self.model[idx],
                              a=self.a[idx], b=self.b[idx], c=self.c[idx],
                              thresholds=self.thresholds[idx, :width], n_categories=n_cat)

    def to_records(self) -> list[dict]:
        """Inverse of :meth:`from_records` (thresholds only for GPCM items)."""
        out = []
        for k, item in enumerate(self.ids):
            rec = {"item": item, "model": str(self.model[k]), "a": float(self.a[k]),
                   "b": float(self.b[k]), "c": float(self.c[k])}
            if self.model[k] == "gpcm":
                rec["thresholds"] = [float(t) for t in self.thresholds[k, : self.n_categories[k] - 1]]
            out.append(rec)
        return out
