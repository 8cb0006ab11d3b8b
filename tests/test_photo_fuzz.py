"""Hostile bytes never escape the photo pipeline as anything but a refusal a person can read."""

from __future__ import annotations

import random

import pytest

from app.platform.photos import PhotoRejected, process_photo
from tests.photos_for_tests import encoded, jpeg


def _mutants(original: bytes, count: int, seed: int):
    """The photo with a few bytes overwritten, many times over; the header and the EXIF block
    near the start are where decoders trip, so most changes land there."""
    rng = random.Random(seed)
    for _ in range(count):
        data = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            position = rng.randrange(min(len(data), 600)) if rng.random() < 0.8 else rng.randrange(len(data))
            data[position] = rng.randrange(256)
        yield bytes(data)


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow's notes on the broken tags it skips
def test_mutated_photos_are_either_processed_or_refused():
    originals = [jpeg((320, 240), gps=(20.79, 106.63), orientation=6), encoded("PNG", (200, 150)),
                 encoded("WEBP", (200, 150))]  # fmt: skip
    outcomes = {"processed": 0, "refused": 0}
    for seed, original in enumerate(originals):
        for data in _mutants(original, 400, seed):
            try:
                process_photo(data)
                outcomes["processed"] += 1
            except PhotoRejected as refused:
                assert str(refused)  # a message a person can act on
                outcomes["refused"] += 1
    # Both happen: the mutations are neither all harmless nor all fatal.
    assert outcomes["processed"] > 0 and outcomes["refused"] > 0, outcomes
