"""Running code in a fresh Python process, as a user's new session would."""

import subprocess
import sys


def printed_by_python(code: str, *args) -> list[str]:
    """The words ``code`` prints, run with ``args`` in a new Python process."""
    out = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.split()
