"""In-process background work for the embedded default: the periodic sweep that closes
sections whose time is up even when the candidate never comes back."""
import logging
import threading

log = logging.getLogger(__name__)


def sweep_once(app) -> int:
    from assessment.db import get_session
    from assessment.services.delivery import sweep_expired

    with app.app_context():
        return sweep_expired(session=get_session(), grace_seconds=app.config["ANSWER_GRACE_SECONDS"])


def _sweep_forever(app, stop: threading.Event) -> None:
    interval = float(app.config["SWEEP_INTERVAL_SECONDS"])
    while not stop.wait(interval):
        try:
            closed = sweep_once(app)
            if closed:
                log.info("sweep closed %d expired section(s)", closed)
        except Exception:  # noqa: BLE001  a failed sweep must not kill the thread; the next one retries
            log.exception("sweep failed")


def start_background(app) -> threading.Event:
    """Start the sweeper thread; set the returned event to stop it."""
    stop = threading.Event()
    if app.config.get("RUN_SWEEPER", True):
        threading.Thread(target=_sweep_forever, args=(app, stop), name="sweeper", daemon=True).start()
    return stop
