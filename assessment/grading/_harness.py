"""Runs inside the sandbox: call the submission on each case's inputs, report what it returned.

It never sees expected values or verdicts: it writes one JSON record per line to fd 3, and the
grader compares the decoded return values outside.  Anything the submission does to this
process (patching builtins, exiting early, writing to fd 3 itself) can only change what is
reported as returned, or make the records malformed, which the grader treats as an error.
Copied next to ``_codec.py`` into the run's work dir; reads ``task.json`` before the
submission is imported.
"""
import errno
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.getcwd())
import _codec  # noqa: E402  (copied beside us)

_write, _dumps, _perf = os.write, json.dumps, time.perf_counter


def emit(record: dict) -> None:
    _write(3, (_dumps(record, allow_nan=True, separators=(",", ":")) + "\n").encode())


class _Timeout(BaseException):
    """Raised by SIGALRM when a case runs past its time limit."""


class _OutputLimit(BaseException):
    """Raised by a capped stream when a case prints more than allowed."""


class _Capped:
    """A text stream that keeps what a case prints, up to a cap."""

    def __init__(self, cap: int):
        self.cap, self.parts, self.size = cap, [], 0

    def write(self, text):
        text = str(text)
        self.size += len(text)
        if self.size > self.cap:
            raise _OutputLimit()
        self.parts.append(text)
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False

    def getvalue(self) -> str:
        return "".join(self.parts)


def _status_of(exc: BaseException) -> str:
    if isinstance(exc, _Timeout):
        return "time"
    if isinstance(exc, MemoryError):
        return "memory"
    if isinstance(exc, _OutputLimit) or getattr(exc, "errno", None) == errno.EFBIG:
        return "output"  # printed too much, or a file hit RLIMIT_FSIZE (Python ignores SIGXFSZ)
    return "raised"


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


_state = {"armed": False}


def _on_alarm(signum, frame):
    if _state["armed"]:
        _state["armed"] = False
        raise _Timeout()


def main() -> None:
    with open("task.json", encoding="utf-8") as f:
        task = json.load(f)
    cases = [(_codec.decode(c["args"]), _codec.decode(c["kwargs"])) for c in task["cases"]]
    signal.signal(signal.SIGALRM, _on_alarm)
    emit({"k": "ready", "n": len(cases)})
    import importlib.util

    spec = importlib.util.spec_from_file_location("submission", "submission.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["submission"] = module
    _state["armed"] = True
    signal.setitimer(signal.ITIMER_REAL, task["import_s"])
    try:
        spec.loader.exec_module(module)
        fn = getattr(module, task["function"], None)
        if not callable(fn):
            raise AttributeError(f"the submission does not define {task['function']}()")
    except BaseException as exc:  # noqa: BLE001 - anything the submission raises
        _state["armed"] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        emit({"k": "import", "status": _status_of(exc), "error": _describe(exc)})
        os._exit(0)
    _state["armed"] = False
    signal.setitimer(signal.ITIMER_REAL, 0)
    real_out, real_err = sys.stdout, sys.stderr
    for i, (args, kwargs) in enumerate(cases):
        emit({"k": "start", "i": i})
        out, err = _Capped(task["output_cap"]), _Capped(task["output_cap"])
        record = {"k": "case", "i": i}
        start = _perf()
        try:
            sys.stdout, sys.stderr = out, err
            _state["armed"] = True
            signal.setitimer(signal.ITIMER_REAL, task["time_s"])
            value = fn(*args, **kwargs)
            _state["armed"] = False
            record["status"] = "returned"
        except BaseException as exc:  # noqa: BLE001
            _state["armed"] = False
            record.update(status=_status_of(exc), error=_describe(exc))
        finally:
            _state["armed"] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            sys.stdout, sys.stderr = real_out, real_err
        record["time_ms"] = round((_perf() - start) * 1000, 3)
        if record["status"] == "returned":
            try:
                record["value"] = _codec.encode(value)
            except (_codec.CodecError, RecursionError) as exc:
                record.update(status="raised", error=f"unsupported return value: {exc}")
        record["stdout"], record["stderr"] = out.getvalue(), err.getvalue()
        emit(record)
    emit({"k": "done"})
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(0)


if __name__ == "__main__":
    main()
