"""Files written whole or not at all: temporary file, verify, rename."""

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def atomic_write(
    path: Path, *, verify: Callable[[str], object] | None = None
) -> Iterator[BinaryIO]:
    """A binary file that becomes ``path`` only once written (and verified).

    The data go to ``.<name>.<random>.part`` in the same folder, flushed to
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
