"""`python -m bench [photos|routing|fcm|bbox …]`: print figures, each against a baseline of the same run."""

import sys

from bench import bbox, fcm, photos, routing

SUITES = {"photos": photos.main, "routing": routing.main, "fcm": fcm.main, "bbox": bbox.main}

if __name__ == "__main__":
    # `python -m bench` runs the quick suites; `python -m bench bbox [options]` the map one.
    if len(sys.argv) > 1 and sys.argv[1] == "bbox":
        bbox.main(sys.argv[2:])
    else:
        for name in sys.argv[1:] or ["photos", "routing", "fcm"]:
            SUITES[name]()
