"""Memory and time of normalizing and segmenting one huge image.

    python benchmarks/memory_large_image.py [SIDE]

Makes a SIDE x SIDE uint8 page (10,000 by default: 100 MB) with one dark
bar on it, then runs `normalize_digit` and `segment_digits` on it, and
prints each one's time and the process's peak resident memory above what it
held before, as a multiple of the image's size. Images of more than 4 Mpx
are reduced by block means before any work, so the extra memory stays that
of a 4 Mpx image whatever the input.
"""

import resource
import sys
import time

import numpy as np

from skdigits.preprocessing import normalize_digit
from skdigits.reading import segment_digits


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(side: int = 10_000) -> None:
    image = np.full((side, side), 235, dtype=np.uint8)
    image[side // 5 : side * 4 // 5, side * 47 // 100 : side * 53 // 100] = 20
    size = image.nbytes / 2**20
    before = peak_mib()
    print(
        f"image {side}x{side} uint8: {size:.0f} MiB; process before: {before:.0f} MiB"
    )
    for name, function in (
        ("normalize_digit", normalize_digit),
        ("segment_digits", segment_digits),
    ):
        start = time.perf_counter()
        function(image)
        elapsed = time.perf_counter() - start
        extra = peak_mib() - before
        print(
            f"{name:>16}: {elapsed:.2f} s, peak {extra:.0f} MiB above the start "
            f"({extra / size:.2f}x the image)"
        )


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:]))
