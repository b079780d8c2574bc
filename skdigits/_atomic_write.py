"""Files written whole or not at all: temporary file, verify, rename."""

import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

# A temporary file of a writer older than this is one whose process died
# (a writer finishes within seconds); younger ones may be work in progress.
STALE_SECONDS = 600


@contextmanager
def atomic_write(
    path: Path, *, verify: Callable[[str], object] | None = None
) -> Iterator[BinaryIO]:
    """A binary file that becomes ``path`` only once written (and verified).

    The data go to ``.<name>.<random>.part`` in the same folder (see
    `remove_stale_partial_files` for those a killed process leaves), flushed to
    disk, checked by ``verify(temporary_path)`` if given, made readable by
    all (0o644, as any cache file) and renamed over ``path``. On any failure
    or interrupt the temporary file is removed and the error raised:
    ``path`` keeps what it held. Readers never see a half-written file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".part"
    )
    try:
        with os.fdopen(fd, "wb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        if verify is not None:
            verify(tmp_name)
        os.chmod(tmp_name, 0o644)  # mkstemp makes it private to the user
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def remove_stale_partial_files(
    folder: Path, patterns: Iterable[str], *, max_age: float = STALE_SECONDS
) -> None:
    """Remove what writers killed mid-write left in ``folder``.

    Files, and folders of files, matching ``patterns`` and older than
    ``max_age`` seconds are a dead process's; younger ones are left alone. What
    cannot be removed (another process's, or not ours) is left too.
    """
    if not folder.is_dir():
        return
    now = time.time()
    for pattern in patterns:
        for stale in folder.glob(pattern):
            try:
                if now - stale.lstat().st_mtime < max_age:
                    continue
                if stale.is_dir() and not stale.is_symlink():
                    for child in stale.iterdir():
                        child.unlink()
                    stale.rmdir()
                else:
                    stale.unlink()
            except OSError:
                pass
