"""`python -m assessment.cli ...`: the same commands as the `assessment` script (used to spawn
the sweeper beside gunicorn with the same interpreter)."""
from assessment.cli import main

main()
