"""JSON-safe encoding of test inputs and returned values (stdlib only; numpy/pandas lazily).

Values cross the sandbox boundary as plain JSON with tagged objects, never as pickles: the
grader decodes what the submission returned by building arrays and frames from primitive data,
so nothing the submission sends can run code on the trusted side.  This file is also copied
into each run's work dir, where the harness uses it to decode inputs and encode results.
"""
import base64
import json
import math

TAG = "$t"
MAX_DEPTH = 64
MAX_ITEM_BYTES = 1 << 16
_ARRAY_KINDS = set("biufcUOmM")


class CodecError(ValueError):
    """A value that cannot be encoded, or data that is not a valid encoding."""


def encode(value, depth: int = 0):
    """Encode a Python, numpy or pandas value as JSON-safe data (see module docstring)."""
    if depth > MAX_DEPTH:
        raise CodecError("value is nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    d = depth + 1
    if isinstance(value, list):
        return [encode(v, d) for v in value]
    if isinstance(value, tuple):
        return {TAG: "tuple", "items": [encode(v, d) for v in value]}
    if isinstance(value, (set, frozenset)):
        kind = "set" if isinstance(value, set) else "frozenset"
        return {TAG: kind, "items": [encode(v, d) for v in value]}
    if isinstance(value, dict):
        return {TAG: "dict", "items": [[encode(k, d), encode(v, d)] for k, v in value.items()]}
    if isinstance(value, complex):
        return {TAG: "complex", "re": value.real, "im": value.imag}
    if isinstance(value, (bytes, bytearray)):
        return {TAG: "bytes", "b64": base64.b64encode(bytes(value)).decode("ascii")}
    module = type(value).__module__.split(".")[0]
    if module == "numpy":
        return _encode_numpy(value, d)
    if module == "pandas":
        return _encode_pandas(value, d)
    raise CodecError(f"unsupported type {type(value).__module__}.{type(value).__qualname__}")


def _encode_numpy(value, depth: int):
    import numpy as np

    if isinstance(value, np.generic):
        return {TAG: "npscalar", **_encode_array(np.asarray(value), depth)}
    if isinstance(value, np.ndarray):
        return {TAG: "ndarray", **_encode_array(value, depth)}
    raise CodecError(f"unsupported numpy type {type(value).__qualname__}")


def _encode_array(arr, depth: int) -> dict:
    kind = arr.dtype.kind
    if kind not in _ARRAY_KINDS:
        raise CodecError(f"unsupported array dtype {arr.dtype}")
    flat = arr.reshape(-1)
    if kind in "mM":
        data = flat.view("int64").tolist()
    elif kind == "c":
        data = [[float(z.real), float(z.imag)] for z in flat]
    elif kind == "O":
        data = [encode(v, depth) for v in flat]
    else:
        data = flat.tolist()
    return {"dtype": arr.dtype.str if kind != "O" else "object", "shape": list(arr.shape),
            "data": data}


def _encode_pandas(value, depth: int):
    import numpy as np
    import pandas as pd

    def values(obj):
        arr = obj.to_numpy() if not isinstance(obj, np.ndarray) else obj
        if not isinstance(arr, np.ndarray) or arr.dtype.kind not in _ARRAY_KINDS:
            arr = np.asarray(obj, dtype=object)
        return _encode_array(arr, depth)

    if isinstance(value, pd.MultiIndex):
        return {TAG: "multiindex", "names": [encode(n, depth) for n in value.names],
                "tuples": [encode(t, depth) for t in value]}
    if isinstance(value, pd.Index):
        return {TAG: "index", "name": encode(value.name, depth), "values": values(value)}
    if isinstance(value, pd.Series):
        return {TAG: "series", "name": encode(value.name, depth),
                "index": _encode_pandas(value.index, depth), "values": values(value)}
    if isinstance(value, pd.DataFrame):
        return {TAG: "dataframe", "columns": _encode_pandas(value.columns, depth),
                "index": _encode_pandas(value.index, depth),
                "data": [values(value.iloc[:, j]) for j in range(value.shape[1])]}
    raise CodecError(f"unsupported pandas type {type(value).__qualname__}")


def decode(data, depth: int = 0):
    """Build the value from encode()'s output; raise CodecError on anything malformed."""
    if depth > MAX_DEPTH:
        raise CodecError("data is nested too deeply")
    if data is None or isinstance(data, (bool, str, int, float)):
        return data
    d = depth + 1
    if isinstance(data, list):
        return [decode(v, d) for v in data]
    if not isinstance(data, dict) or not isinstance(data.get(TAG), str):
        raise CodecError(f"not an encoded value: {type(data).__name__}")
    try:
        return _decode_tagged(data, data[TAG], d)
    except CodecError:
        raise
    except (KeyError, TypeError, ValueError, OverflowError, AttributeError) as exc:
        raise CodecError(f"malformed {data[TAG]!r} value: {exc}") from None


def _decode_tagged(data: dict, tag: str, depth: int):
    if tag in ("tuple", "set", "frozenset"):
        items = [decode(v, depth) for v in _list(data["items"])]
        return {"tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
    if tag == "dict":
        return {decode(k, depth): decode(v, depth) for k, v in _list(data["items"])}
    if tag == "complex":
        return complex(float(data["re"]), float(data["im"]))
    if tag == "bytes":
        return base64.b64decode(data["b64"], validate=True)
    if tag in ("ndarray", "npscalar"):
        arr = _decode_array(data, depth)
        return arr[()] if tag == "npscalar" else arr
    if tag in ("index", "multiindex", "series", "dataframe"):
        return _decode_pandas(data, tag, depth)
    raise CodecError(f"unknown tag {tag!r}")


def _list(value) -> list:
    if not isinstance(value, list):
        raise CodecError("expected a list")
    return value


def _decode_array(data: dict, depth: int):
    import numpy as np

    dtype = np.dtype(data["dtype"]) if data["dtype"] != "object" else np.dtype(object)
    if dtype.kind not in _ARRAY_KINDS or dtype.fields is not None or dtype.subdtype:
        raise CodecError(f"unsupported dtype {data['dtype']!r}")
    if dtype.itemsize > MAX_ITEM_BYTES:  # "<U1000000000" would allocate 4 GB per element
        raise CodecError(f"dtype {data['dtype']!r} is too wide")
    shape = tuple(_list(data["shape"]))
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise CodecError("bad shape")
    flat = _list(data["data"])
    if math.prod(shape) != len(flat):
        raise CodecError("shape does not match the data")
    if dtype.kind in "mM":
        arr = np.array(flat, dtype="int64").view(dtype)
    elif dtype.kind == "c":
        arr = np.array([complex(float(re), float(im)) for re, im in flat], dtype=dtype)
    elif dtype.kind == "O":
        arr = np.empty(len(flat), dtype=object)
        for i, v in enumerate(flat):
            arr[i] = decode(v, depth)
    else:
        if not all(isinstance(v, (int, float, str, bool)) for v in flat):
            raise CodecError("array data must be scalars")
        arr = np.array(flat, dtype=dtype)
    return arr.reshape(shape)


def _decode_pandas(data: dict, tag: str, depth: int):
    import pandas as pd

    if tag == "multiindex":
        tuples = [decode(t, depth) for t in _list(data["tuples"])]
        names = [decode(n, depth) for n in _list(data["names"])]
        return pd.MultiIndex.from_tuples(tuples, names=names)
    if tag == "index":
        return pd.Index(_decode_array(data["values"], depth), name=decode(data["name"], depth))
    index = decode(data["index"], depth)
    if not isinstance(index, pd.Index):
        raise CodecError("index is not an encoded index")
    if tag == "series":
        return pd.Series(_decode_array(data["values"], depth), index=index,
                         name=decode(data["name"], depth))
    columns = decode(data["columns"], depth)
    if not isinstance(columns, pd.Index):
        raise CodecError("columns is not an encoded index")
    cols = [_decode_array(c, depth) for c in _list(data["data"])]
    if len(cols) != len(columns):
        raise CodecError("column count does not match the columns")
    frame = pd.DataFrame({j: c for j, c in enumerate(cols)}, index=index)
    frame.columns = columns
    return frame


def dumps(value) -> str:
    """encode() then JSON."""
    return json.dumps(encode(value), allow_nan=True, separators=(",", ":"))


def loads(text: str):
    """JSON then decode(); CodecError on any malformed input."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise CodecError(f"not valid JSON: {exc}") from None
    return decode(data)
