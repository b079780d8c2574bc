"""FieldReader: a segmentation-free reader trained with CTC on the engine."""

import itertools
import pickle

import numpy as np
import pytest
from python_processes import printed_by_python
from sklearn.base import clone
from sklearn.datasets import load_digits

from skdigits._jax_runtime.keras import import_keras
from skdigits.datasets import make_digit_fields
from skdigits.field_reader import FieldReader, field_canvas, load_reader, save_reader
from skdigits.formats import FieldFormat, luhn_check
from skdigits.neural_network._ctc import (
    beam_search,
    best_path,
    ctc_losses,
    decode_labels,
    encode_texts,
    surest_frames,
    text_log_likelihood,
    text_losses,
)
from skdigits.neural_network._outputs import log_probabilities

ALPHABET = "0123456789,.-/"
# A reader small enough to fit in seconds.
SMALL = {"height": 16, "width": 64, "filters": (8, 16), "context": 32}


@pytest.fixture(scope="module")
def digits():
    return load_digits()


@pytest.fixture(scope="module")
def fields(digits):
    return make_digit_fields(
        digits.images / 16,
        digits.target,
        24,
        kind="mixture",
        length=(2, 3),
        random_state=0,
    )


@pytest.fixture(scope="module")
def fitted(fields):
    X, y = fields
    return FieldReader(**SMALL, max_iter=2, random_state=0).fit(X, y)


def _paths_probability(log_proba, labels):
    """P(text): the sum over every path of frames that reads it, by brute force."""
    total = 0.0
    n_frames, n_symbols = log_proba.shape
    for path in itertools.product(range(n_symbols), repeat=n_frames):
        if np.array_equal(best_path(np.eye(n_symbols)[list(path)][None])[0], labels):
            total += np.exp(sum(log_proba[t, s] for t, s in enumerate(path)))
    return total


@pytest.mark.parametrize("labels", [[], [1], [2, 1], [1, 1], [2, 2, 1]])
def test_a_texts_probability_sums_every_path_that_reads_it(labels):
    rng = np.random.default_rng(len(labels))
    log_proba = log_probabilities(rng.normal(size=(1, 5, 3)) * 2, "ctc", np)[0]
    expected = _paths_probability(log_proba, labels)
    assert np.exp(text_log_likelihood(log_proba, labels)) == pytest.approx(expected)


def _all_texts(n_symbols, longest):
    return [
        text
        for length in range(longest + 1)
        for text in itertools.product(range(1, n_symbols), repeat=length)
    ]


@pytest.mark.parametrize("seed", range(4))
def test_the_beam_finds_the_most_probable_text_of_the_format(seed):
    """Against every text of up to 6 symbols over 6 frames (all that fit)."""
    rng = np.random.default_rng(seed)
    frames = log_probabilities(rng.normal(size=(6, 4)) * 2, "ctc", np)
    likelihood = {t: text_log_likelihood(frames, t) for t in _all_texts(4, 6)}
    best = max(likelihood, key=likelihood.get)
    assert tuple(beam_search(frames, 64)[0][0]) == best
    # Texts of two symbols, neither the third: "[ab]{2}" over "abc".
    automaton = FieldFormat("[ab]{2}").automaton("abc")
    of_format = {t: v for t, v in likelihood.items() if len(t) == 2 and 3 not in t}
    found = beam_search(frames, 64, automaton)
    assert tuple(found[0][0]) == max(of_format, key=of_format.get)
    assert all(automaton.accepts("".join("abc"[i - 1] for i in t)) for t, _ in found)


def test_each_symbol_is_placed_at_its_surest_frame():
    frames = np.full((8, 3), 0.01)
    frames[:, 0] = 0.98  # blank everywhere
    frames[1:3] = [0.1, 0.6, 0.3], [0.1, 0.8, 0.1]  # symbol 1 at frames 1-2
    frames[5] = [0.1, 0.1, 0.8]  # symbol 2 at frame 5
    log_proba = np.log(frames / frames.sum(axis=1, keepdims=True))
    assert surest_frames(log_proba, [1, 2]) == [2, 5]
    assert surest_frames(log_proba, []) == []


def test_the_loss_of_training_is_the_loss_of_prediction():
    """Keras' CTC loss (the compiled epoch's) and numpy's (prediction's) agree,
    targets padded with blanks as the engine pads them."""
    import jax.numpy as jnp

    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4, 9, 5)).astype(np.float32)
    targets = encode_texts(["12", "3", "1111", "4321"], "1234")
    keras_losses = np.asarray(ctc_losses(jnp.asarray(targets), jnp.asarray(logits)))
    ours = text_losses(log_probabilities(logits.astype(np.float64), "ctc", np), targets)
    np.testing.assert_allclose(keras_losses, ours, rtol=1e-4)


def test_texts_are_encoded_and_decoded_in_the_alphabet():
    rows = encode_texts(["1,5", "", "07"], ALPHABET)
    assert rows.shape == (3, 3)
    assert [decode_labels(row, ALPHABET) for row in rows] == ["1,5", "", "07"]
    with pytest.raises(ValueError, match=r"y\[1\] = '1a' has characters \['a'\]"):
        encode_texts(["12", "1a"], ALPHABET)


def test_the_canvas_holds_the_ink_whatever_the_polarity_and_size(digits):
    ink = np.zeros((40, 100))
    ink[10:30, 20:80] = (
        digits.images[0].repeat(3, axis=0)[:20].repeat(8, axis=1)[:, :60] / 16
    )
    dark_on_light = 255 * (1 - ink)
    light, dark = field_canvas([ink * 255, dark_on_light], 16, 64).reshape(2, 16, 64)
    np.testing.assert_allclose(light, dark, atol=1e-6)
    assert light.max() == pytest.approx(1.0)
    # A field far wider than the canvas is narrowed into it, not cut.
    wide = np.zeros((10, 2000))
    wide[2:8, :8] = wide[2:8, 1990:1998] = 1
    narrowed = field_canvas([wide], 16, 64).reshape(16, 64)
    assert narrowed[:, :2].max() > 0
    assert narrowed[:, -2:].max() > 0


def test_a_fitted_reader_reads_texts_with_their_probability(fitted, fields):
    X, y = fields
    assert fitted.n_outputs_ == len(ALPHABET) + 1
    assert list(fitted.classes_) == list(ALPHABET)
    assert fitted.n_features_in_ == SMALL["height"] * SMALL["width"]
    texts = fitted.predict(X)
    assert texts.shape == (len(X),)
    assert all(set(text) <= set(ALPHABET) for text in texts)
    readings = fitted.read(X, reject_threshold=0.3)
    log_proba = fitted._frame_log_proba(X).astype(np.float64)
    for reading, frames in zip(readings, log_proba, strict=True):
        text = reading.text
        labels = encode_texts([text], ALPHABET)[0][: len(text)]
        assert reading.probability == pytest.approx(
            np.exp(text_log_likelihood(frames, labels))
        )
        assert reading.rejected == (reading.probability < 0.3 or not text)
        assert len(reading.alternatives) == len(text)
        for char, alternatives in zip(text, reading.alternatives, strict=True):
            assert char in alternatives
            assert all(0 <= p <= 1 for p in alternatives.values())
    assert 0 <= fitted.score(X, y) <= 1
    assert not hasattr(fitted, "predict_proba")
    assert not hasattr(fitted, "predict_log_proba")


def test_a_random_state_gives_the_same_bits(fields):
    X, y = fields
    first = FieldReader(**SMALL, max_iter=2, random_state=3).fit(X, y)
    second = clone(first).fit(X, y)
    assert first.loss_curve_ == second.loss_curve_
    np.testing.assert_array_equal(first._frame_log_proba(X), second._frame_log_proba(X))


def test_a_pickled_reader_reads_the_same(fitted, fields):
    X, _ = fields
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(
        restored._frame_log_proba(X), fitted._frame_log_proba(X)
    )
    assert list(restored.predict(X)) == list(fitted.predict(X))


UNPICKLE = """
import pickle, sys
import numpy as np
reader, X, texts, readings = pickle.load(open(sys.argv[1], "rb"))
assert list(reader.predict(X)) == texts
print("keras" in sys.modules, reader.read(X[:3]) == readings)
"""


def test_an_unpickled_reader_reads_without_keras(tmp_path, fitted, fields):
    X, _ = fields
    path = tmp_path / "reader.pkl"
    readings = fitted.read(X[:3])
    path.write_bytes(pickle.dumps((fitted, X, list(fitted.predict(X)), readings)))
    assert printed_by_python(UNPICKLE, path) == ["False", "True"]


def test_fine_tuning_continues_the_fitted_reader(fitted, fields):
    X, y = fields
    reader = clone(fitted).set_params(max_iter=1).fit(X, y)
    reader.set_params(warm_start=True).fit(X, y)
    assert reader.t_ == 2 * len(X)
    reader.partial_fit(X[:5], y[:5])
    assert len(reader.loss_curve_) == 3
    before = dict(reader.__dict__)
    with pytest.raises(ValueError, match="a continued fit keeps the alphabet"):
        reader.set_params(alphabet="0123456789").fit(X, y)
    reader.set_params(alphabet=ALPHABET)
    assert reader.loss_curve_ == before["loss_curve_"]


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        ([], [], "X holds no field"),
        (np.zeros((16, 64)), ["1"], "a list of field images"),
        ([np.full((16, 40), np.nan)], ["1"], r"X\[0\] must hold finite values"),
        ([np.zeros((16, 40, 3))], ["1"], "colour image"),
        ([np.zeros((16, 40))], ["1a"], r"characters \['a'\] outside the alphabet"),
        ([np.zeros((16, 40))], ["1" * 40], "increase width"),
        ([np.zeros((16, 40))], [12], "sequence of texts"),
    ],
)
def test_bad_input_is_named(X, y, message):
    with pytest.raises(ValueError, match=message):
        FieldReader(**SMALL, max_iter=1).fit(X, y)


def test_frames_need_two_convolutions(fields):
    X, y = fields
    with pytest.raises(ValueError, match="two or more convolutions"):
        FieldReader(**{**SMALL, "filters": (8,)}, max_iter=1).fit(X, y)


def test_an_alphabet_lists_each_symbol_once(fields):
    X, y = fields
    with pytest.raises(ValueError, match="each once"):
        FieldReader(ALPHABET + "1", **SMALL, max_iter=1).fit(X, y)


def test_a_network_for_texts_must_score_frames(fields):
    """The engine refuses a sequence network whose output is not frames."""
    keras = import_keras()
    from skdigits.neural_network._keras_network import KerasNetwork

    def flat(meta):
        return keras.Sequential(
            [
                keras.Input((meta["n_features_in_"],)),
                keras.layers.Dense(15, activation="softmax"),
            ]
        )

    meta = {"n_features_in_": 8, "n_outputs_": 15, "target_type_": "sequence"}
    with pytest.raises(ValueError, match=r"\(None, n_frames, n_outputs\)"):
        KerasNetwork.build(keras, flat, {}, meta, 0, False)


@pytest.mark.training
def test_the_reader_learns_to_read_fields_of_other_writers(digits):
    """Trained on fields of the first 1,200 digits, it reads fields written
    with the other 597, which it never saw (chance: below 0.1%)."""
    X, y = make_digit_fields(
        digits.images[:1200] / 16,
        digits.target[:1200],
        600,
        kind="apart",
        length=(2, 4),
        random_state=0,
    )
    X_test, y_test = make_digit_fields(
        digits.images[1200:] / 16,
        digits.target[1200:],
        200,
        kind="apart",
        length=(2, 4),
        random_state=1,
    )
    reader = FieldReader(
        height=32,
        width=160,
        filters=(16, 32),
        context=64,
        max_iter=40,
        batch_size=32,
        learning_rate="constant",
        random_state=0,
    ).fit(X, y)
    assert reader.loss_ < 0.5 * np.median(reader.loss_curve_[:10])
    assert reader.score(X_test, y_test) > 0.05


def test_luhn_check():
    assert luhn_check("4539 1488 0343 6467")
    assert not luhn_check("4539 1488 0343 6468")
    assert not luhn_check("")


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("(\\d", "not a valid regular expression"),
        ("[a-z]{2}", "names characters the reader cannot read \\('ab"),
        ("\\d+x", "cannot read \\('x'\\)"),
        ("[^0-9,./-]", "accepts no text"),
    ],
)
def test_a_format_the_reader_cannot_read_is_named(pattern, message):
    with pytest.raises(ValueError, match=message):
        FieldFormat(pattern).automaton(ALPHABET)


def test_reading_with_a_format_returns_only_texts_of_it(fitted, fields):
    import re

    X, _ = fields
    log_proba = fitted._frame_log_proba(X).astype(np.float64)
    readings = fitted.read(X, format=r"\d{2,3}", reject_threshold=0.0)
    for reading, frames in zip(readings, log_proba, strict=True):
        assert re.fullmatch(r"\d{2,3}", reading.text) or reading.rejected
        if reading.text:
            labels = encode_texts([reading.text], ALPHABET)[0]
            assert reading.probability == pytest.approx(
                np.exp(text_log_likelihood(frames, labels))
            )
    # A check on the whole text is obeyed too.
    even = FieldFormat(r"\d{2,3}", check=lambda text: int(text) % 2 == 0)
    for reading in fitted.read(X, format=even):
        assert reading.rejected or int(reading.text) % 2 == 0
    # No text on the beam passes: rejected, and nothing is guessed.
    never = FieldFormat(r"\d{2,3}", check=lambda text: False)
    assert all(
        r.rejected and r.text == "" and r.probability == 0
        for r in fitted.read(X[:3], format=never)
    )
    with pytest.raises(ValueError, match="cannot read"):
        fitted.read(X, format="[A-Z]{2}")
    with pytest.raises(TypeError, match="format must be"):
        fitted.read(X, format=5)
    with pytest.raises(ValueError, match="beam_width"):
        fitted.read(X, beam_width=0)
    with pytest.raises(ValueError, match="reject_threshold"):
        fitted.read(X, reject_threshold=2)


def test_saved_weights_read_as_the_reader_without_keras(tmp_path, fitted, fields):
    X, _ = fields
    path = tmp_path / "reader.npz"
    save_reader(fitted, path)
    assert [p.name for p in tmp_path.iterdir()] == ["reader.npz"]
    with np.load(path, allow_pickle=False) as data:  # no pickled object in it
        assert "meta" in data.files
    loaded = load_reader(path)
    np.testing.assert_allclose(
        loaded._frame_log_proba(X), fitted._frame_log_proba(X), atol=1e-4
    )
    assert list(loaded.predict(X)) == list(fitted.predict(X))
    assert loaded.get_params()["alphabet"] == ALPHABET
    assert printed_by_python(LOAD_WITHOUT_KERAS, path) == ["False", "False"]


LOAD_WITHOUT_KERAS = """
import sys
import numpy as np
from skdigits.field_reader import load_reader
reader = load_reader(sys.argv[1])
reader.read([np.eye(20, 60) * 255])
print("keras" in sys.modules, "jax" in sys.modules)
"""


def test_a_loaded_reader_is_fine_tuned_from_its_weights(tmp_path, fitted, fields):
    X, y = fields
    path = tmp_path / "reader.npz"
    save_reader(fitted, path)
    loaded = load_reader(path).set_params(warm_start=True, max_iter=1)
    before = loaded._frame_log_proba(X)
    loaded.fit(X, y)
    assert loaded.n_iter_ == 1
    # It continued from the weights: the first epoch's loss is the fitted
    # reader's level, not a new network's.
    fresh = FieldReader(**SMALL, max_iter=1, random_state=0).fit(X, y)
    assert loaded.loss_ < fresh.loss_
    assert not np.array_equal(loaded._frame_log_proba(X), before)


# A damaged file of any estimator: tests/test_weights.py.
def test_a_weights_file_missing_a_layer_is_named(tmp_path, fitted):
    path = tmp_path / "reader.npz"
    save_reader(fitted, path)
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k != "weights/context/kernel"}
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="context/kernel should have shape"):
        load_reader(path)


def test_the_read_command_reads_image_files(tmp_path, fitted, fields, capsys):
    import json

    from PIL import Image

    from skdigits.__main__ import main

    X, _ = fields
    weights = tmp_path / "reader.npz"
    save_reader(fitted, weights)
    paths = []
    for i, field in enumerate(X[:3]):
        paths.append(str(tmp_path / f"field{i}.png"))
        Image.fromarray(field).save(paths[-1])
    assert main(["read", *paths, "--model", str(weights), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    expected = fitted.read(X[:3])
    assert [line["text"] for line in lines] == [r.text for r in expected]
    assert [line["file"] for line in lines] == paths
    # Without --model, the shipped reader reads.
    assert main(["read", *paths]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(paths)
    assert main(["read", paths[0], "--model", str(weights), "--box", "0,0,5,5"]) == 0
    assert capsys.readouterr().out.startswith(paths[0] + "\t")
    # Bad input: one line naming the problem, exit status 1.
    (tmp_path / "notes.txt").write_text("not an image")
    for argv, problem in [
        (
            ["read", str(tmp_path / "notes.txt"), "--model", str(weights)],
            "not an image",
        ),
        (
            ["read", paths[0], "--model", str(weights), "--box", "0,0,999,5"],
            "not inside",
        ),
        (
            ["read", paths[0], "--model", str(weights), "--format", "[a-z]+"],
            "cannot read",
        ),
        (["read", paths[0], "--model", str(tmp_path / "notes.txt")], "weights file"),
    ]:
        assert main(argv) == 1
        assert problem in capsys.readouterr().err


def test_a_blank_or_noisy_field_is_rejected_not_read(fitted):
    noise = np.random.default_rng(0).integers(0, 256, (40, 120)).astype(np.uint8)
    for reading in fitted.read([np.full((40, 120), 255, np.uint8), noise]):
        assert reading.rejected
        assert reading.text == "" or reading.probability < fitted.reject_threshold


# The shipped reader's exact reading on fields of each kind, measured on
# 1,000 fields of MNIST's test digits (benchmarks/README.md), less at least
# three standard deviations of 60 other fields' share.
SHIPPED_READER_FLOORS = {
    "apart": 0.8,
    "touching": 0.55,
    "boxes": 0.75,
    "line": 0.8,
    "slanted": 0.75,
    "amount": 0.8,
    "date": 0.75,
}


@pytest.mark.mnist
def test_the_shipped_reader_reads_fields_of_mnist_test_digits(mnist_home):
    from skdigits.datasets import FIELD_KINDS, fetch_mnist
    from skdigits.field_reader import default_reader

    reader = default_reader()
    X_test, y_test = fetch_mnist(data_home=mnist_home, subset="test", return_X_y=True)
    images = X_test.reshape(-1, 28, 28)
    for kind in FIELD_KINDS:
        fields, texts = make_digit_fields(images, y_test, 60, kind=kind, random_state=2)
        assert reader.score(fields, texts) >= SHIPPED_READER_FLOORS[kind], kind
    noise = np.random.default_rng(0).integers(0, 256, (60, 200)).astype(np.uint8)
    blank = np.full((60, 200), 250, np.uint8)
    assert all(r.rejected for r in reader.read([blank, noise]))


def test_the_shipped_reader_reads_other_writers_touching_digits(digits):
    # load_digits' writers, whose digits the reader never saw (it saw MNIST
    # digits coarsened alike): 3-5 touching digits, read at 63% of 1,000
    # fields (benchmarks/README.md); the floor is three standard deviations
    # of 100 fields' share below.
    from skdigits.field_reader import default_reader

    fields, texts = make_digit_fields(
        digits.images / 16,
        digits.target,
        100,
        kind="touching",
        length=(3, 5),
        random_state=2,
    )
    assert default_reader().score(fields, texts) >= 0.45


def test_early_stopping_scores_the_share_of_fields_read_exactly(fields):
    X, y = fields
    reader = FieldReader(
        **SMALL, early_stopping=True, validation_fraction=0.25, max_iter=2
    ).fit(X, y)
    assert len(reader.validation_scores_) == reader.n_iter_ == 2
    # A share of the 6 validation fields.
    assert all(score * 6 == round(score * 6) for score in reader.validation_scores_)
    assert len(reader.history_["val_loss"]) == 2


def test_image_files_are_read_as_gray_on_white_or_named(tmp_path, monkeypatch):
    from PIL import Image

    from skdigits import image_files

    rgba = np.zeros((10, 20, 4), np.uint8)  # transparent black: white paper
    rgba[2:4, 5:9] = (0, 0, 0, 255)  # opaque black ink
    Image.fromarray(rgba).save(tmp_path / "ink.png")
    pixels = image_files.read_image_file(tmp_path / "ink.png")
    assert pixels.shape == (10, 20)
    assert pixels[0, 0] == 255
    assert pixels[2, 5] == 0
    (tmp_path / "cut.png").write_bytes((tmp_path / "ink.png").read_bytes()[:60])
    with pytest.raises(ValueError, match=r"cut\.png"):
        image_files.read_image_file(tmp_path / "cut.png")
    monkeypatch.setattr(image_files, "MAX_FILE_PIXELS", 100)
    with pytest.raises(ValueError, match="more than skdigits reads"):
        image_files.read_image_file(tmp_path / "ink.png")
