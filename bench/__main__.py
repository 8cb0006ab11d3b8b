"""`python -m bench [photos|routing]`: print figures, each against a baseline of the same run."""

import sys

from bench import photos, routing

SUITES = {"photos": photos.main, "routing": routing.main}

if __name__ == "__main__":
    chosen = sys.argv[1:] or list(SUITES)
    for name in chosen:
        SUITES[name]()
