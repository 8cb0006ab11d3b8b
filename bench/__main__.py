"""`python -m bench [photos|routing|fcm|bbox|generate …|reach …]`: figures, each against a baseline of
the same run (`reach`: the weak-phone audit, docs/reach-audit.md)."""

import sys

from bench import bbox, fcm, generate, photos, reach, routing

QUICK = {"photos": photos.main, "routing": routing.main, "fcm": fcm.main}
WITH_OPTIONS = {"bbox": bbox.main, "generate": generate.main, "reach": reach.main}

if __name__ == "__main__":
    # `python -m bench` runs every suite with its defaults; `python -m bench bbox [options]` one.
    if len(sys.argv) > 1 and sys.argv[1] in WITH_OPTIONS:
        WITH_OPTIONS[sys.argv[1]](sys.argv[2:])
    else:
        for name in sys.argv[1:] or [*QUICK, "bbox"]:
            (QUICK | WITH_OPTIONS)[name]() if name in QUICK else WITH_OPTIONS[name]([])
