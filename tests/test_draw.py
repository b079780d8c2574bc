"""The drawing page's server, models and command line, without a browser.

The page itself, in a real browser, is tested in test_draw_page.py.
"""

import http.client
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest
from draw_helpers import bar_digits, canvas_body, paper, request
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skdigits.__main__ import main
from skdigits.draw import ServedModel, _models, default_model, load_model, make_server
from skdigits.draw._requests import MAX_BODY_BYTES, MAX_SIDE
from skdigits.preprocessing import PixelScaler


def test_the_page_and_the_model_are_served(server):
    for path in ("/", "/index.html", "/?refresh=1"):
        status, page = request(server, "GET", path)
        assert status == 200
        assert b'<canvas id="pad"' in page
    status, info = request(server, "GET", "/model")
    assert status == 200
    assert info == {
        "description": "bars",
        "reject_threshold": 0.8,
        "reads_whole_fields": False,
        "classes": ["0", "1"],
    }


def test_a_drawn_number_is_read_digit_by_digit(server):
    canvas = paper()
    canvas[20:120, 40:52] = 0  # a bar: 0
    canvas[20:120, 120:170] = 0  # a hollow box: 1
    canvas[32:108, 132:158] = 255
    canvas[20:120, 230:242] = 0  # 0
    status, reading = request(server, "POST", "/read", canvas_body(canvas))
    assert status == 200
    assert reading["text"] == "010"
    assert not reading["empty"]
    assert [digit["box"][1] for digit in reading["digits"]] == [40, 120, 230]
    assert reading["digits"][1]["box"] == [20, 120, 120, 170]
    for digit in reading["digits"]:
        assert len(digit["proba"]) == 2
        assert sum(digit["proba"]) == pytest.approx(1)
        assert digit["probability"] == max(digit["proba"])
        image = np.array(digit["image"]).reshape(28, 28)
        assert image.max() == 255  # light ink on black, as MNIST
        assert image[0].max() == 0


def test_an_unsure_digit_is_flagged(bar_model):
    # A box with a bar inside is something of both.
    canvas = paper()
    canvas[20:120, 120:170] = 0
    canvas[32:108, 132:158] = 255
    canvas[20:120, 140:150] = 0
    from skdigits.reading import read_digits

    (p,) = read_digits(canvas, bar_model).probabilities
    strict = ServedModel(bar_model, "bars", reject_threshold=(p + 1) / 2, pixel_max=1)
    server = make_server(strict, port=0, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        status, reading = request(server, "POST", "/read", canvas_body(canvas))
    finally:
        server.shutdown()
        server.server_close()
    assert status == 200
    assert reading["text"] == "?"
    assert reading["not_sure"]
    assert reading["digits"][0]["rejected"]
    assert "Not sure" in reading["message"]


def test_an_empty_canvas_gets_a_clear_answer(server):
    status, reading = request(server, "POST", "/read", canvas_body(paper()))
    assert status == 200
    assert reading["empty"]
    assert reading["text"] == ""
    assert reading["digits"] == []
    assert "draw a digit" in reading["message"]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"\xff\xfe", 400, "not valid JSON"),
        (b"[1, 2]", 400, "JSON object"),
        (b'{"width": 2, "height": 2}', 400, "lacks pixels"),
        (b'{"width": "2", "height": 2, "pixels": ""}', 400, "width must be"),
        (b'{"width": true, "height": 2, "pixels": ""}', 400, "width must be"),
        (b'{"width": 0, "height": 2, "pixels": ""}', 400, "width must be"),
        (b'{"width": 2, "height": 2, "pixels": 7}', 400, "base64 string"),
        (b'{"width": 2, "height": 2, "pixels": "@@@@"}', 400, "not valid base64"),
        (b'{"width": 2, "height": 2, "pixels": "AAA="}', 400, "holds 2 bytes"),
        (
            json.dumps({"width": MAX_SIDE + 1, "height": 1, "pixels": ""}).encode(),
            413,
            "over the limit",
        ),
        (
            json.dumps({"width": 4000, "height": 4000, "pixels": ""}).encode(),
            413,
            "over the limit",
        ),
    ],
)
def test_malformed_requests_get_a_client_error(server, body, status, words):
    got, reply = request(server, "POST", "/read", body)
    assert got == status
    assert words in reply["error"]


def test_a_huge_request_is_refused_unread(server):
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.putrequest("POST", "/read")
        connection.putheader("Content-Length", str(10 * MAX_BODY_BYTES))
        connection.endheaders()  # no body sent: the answer must not wait for it
        response = connection.getresponse()
        assert response.status == 413
        assert "over the limit" in json.loads(response.read())["error"]
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nothing", 404),
        ("POST", "/elsewhere", 404),
        ("PUT", "/read", 405),
        ("DELETE", "/", 405),
        ("HEAD", "/", 405),
    ],
)
def test_other_requests_get_a_client_error(server, method, path, status):
    got, _ = request(server, method, path, b"{}" if method != "HEAD" else None)
    assert got == status


def test_requests_without_a_length_are_refused(server):
    got, reply = request(
        server, "POST", "/read", iter([b"{}"]), {"Transfer-Encoding": "chunked"}
    )
    assert got == 411
    assert "Content-Length" in reply["error"]


def test_the_server_listens_on_this_machine_only_by_default(bar_model):
    model = ServedModel(bar_model, "bars", 0.5, 1.0)
    with make_server(model, port=0, quiet=True) as server:
        assert server.server_address[0] == "127.0.0.1"
        assert server.url.startswith("http://127.0.0.1:")


def test_a_failing_model_gets_an_error_answer_not_a_dropped_connection():
    class Broken:
        classes_ = np.arange(10)

        def predict_proba(self, X):
            raise RuntimeError("out of memory")

    server = make_server(ServedModel(Broken(), "broken", 0.5, 1.0), port=0, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        canvas = paper()
        canvas[20:120, 40:52] = 0
        status, reply = request(server, "POST", "/read", canvas_body(canvas))
    finally:
        server.shutdown()
        server.server_close()
    assert status == 500
    assert "out of memory" in reply["error"]


def test_load_model_reads_pickles_and_infers_the_pixel_scale(tmp_path):
    X, y = bar_digits()
    pipeline = make_pipeline(PixelScaler(), LogisticRegression(max_iter=500))
    pipeline.fit(X * 255, y)
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(pipeline))
    model = load_model(path)
    assert model.pixel_max == 255.0
    assert model.reject_threshold == 0.9
    assert "LogisticRegression" in model.description
    np.testing.assert_array_equal(
        model.estimator.predict_proba(X * 255), pipeline.predict_proba(X * 255)
    )
    assert load_model(path, pixel_max=1.0, reject_threshold=0.5).pixel_max == 1.0


def test_a_pipeline_on_mnist_pixels_reads_as_one_on_scaled_pixels(tmp_path, bar_model):
    """The pixel scale is what makes a PixelScaler pipeline read right."""
    from skdigits.reading import read_digits

    X, y = bar_digits()
    pipeline = make_pipeline(PixelScaler(), LogisticRegression(max_iter=500))
    pipeline.fit(X * 255, y)
    canvas = paper()
    canvas[20:120, 40:52] = 0
    canvas[20:120, 120:170] = 0
    canvas[32:108, 132:158] = 255
    scaled = read_digits(canvas, bar_model)
    on_255 = read_digits(canvas, pipeline, pixel_max=255)
    assert scaled.text == on_255.text == "01"
    np.testing.assert_allclose(scaled.proba, on_255.proba, atol=1e-6)


def test_load_model_refuses_what_cannot_read_digits(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model file"):
        load_model(tmp_path / "missing.pkl")
    garbage = tmp_path / "garbage.pkl"
    garbage.write_bytes(b"this is not a pickle")
    with pytest.raises(ValueError, match="not a readable pickle"):
        load_model(garbage)
    unfitted = tmp_path / "unfitted.pkl"
    unfitted.write_bytes(pickle.dumps(LogisticRegression()))
    with pytest.raises(ValueError, match="not a fitted classifier"):
        load_model(unfitted)
    small = tmp_path / "small.pkl"
    X = np.random.default_rng(0).uniform(size=(20, 64))
    small.write_bytes(pickle.dumps(LogisticRegression().fit(X, np.arange(20) % 2)))
    with pytest.raises(ValueError, match="takes 64 features"):
        load_model(small)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_load_model_reads_skops_files_trusting_only_known_types(tmp_path):
    sio = pytest.importorskip("skops.io")
    from skdigits import ReluSoftmaxClassifier

    X, y = bar_digits()
    pipeline = make_pipeline(
        PixelScaler(), ReluSoftmaxClassifier(hidden_layer_sizes=(8,), max_iter=3)
    ).fit(X * 255, y)
    path = tmp_path / "model.skops"
    sio.dump(pipeline, path)
    model = load_model(path)
    np.testing.assert_array_equal(
        model.estimator.predict_proba(X[:20] * 255),
        pipeline.predict_proba(X[:20] * 255),
    )
    assert model.pixel_max == 255.0

    class Custom(LogisticRegression):
        pass

    other = tmp_path / "other.skops"
    sio.dump(Custom(max_iter=500).fit(X, y), other)
    with pytest.raises(ValueError, match=r"not trusted: .*Custom.*--trust"):
        load_model(other)


def served_dict(bar_model):
    return {"estimator": bar_model, "accuracy": 0.97, "reject_threshold": 0.95}


def test_the_default_model_is_trained_once_then_loaded(
    tmp_path, monkeypatch, bar_model
):
    trained = []

    def train(model, data_home):
        trained.append((model, data_home))
        return served_dict(bar_model)

    monkeypatch.setattr(_models, "_train_default", train)
    path = tmp_path / "cache" / "draw.pkl"
    first = default_model(path=path)
    assert trained == [("relu", None)]
    assert path.is_file()
    assert list(path.parent.iterdir()) == [path]  # no temporary file left
    again = default_model(path=path, reject_threshold=0.5)
    assert trained == [("relu", None)]
    assert again.reject_threshold == 0.5
    assert first.reject_threshold == 0.95
    assert "97.00%" in first.description


@pytest.mark.parametrize(
    "damage",
    [b"", b"garbage", pickle.dumps({"estimator": None}), pickle.dumps([1, 2])],
)
def test_a_damaged_default_model_is_trained_again(
    tmp_path, monkeypatch, bar_model, damage
):
    monkeypatch.setattr(_models, "_train_default", lambda *_: served_dict(bar_model))
    path = tmp_path / "draw.pkl"
    path.write_bytes(damage)
    with pytest.warns(UserWarning, match="cannot be used"):
        model = default_model(path=path)
    assert model.reject_threshold == 0.95
    assert pickle.loads(path.read_bytes())["accuracy"] == 0.97


def test_the_default_model_path_follows_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = _models.default_model_path()
    assert path.parent == tmp_path / "skdigits" / "models"
    assert _models.default_model_path("sigmoid") != path


def test_a_named_model_is_trained_once_and_cached_apart(
    tmp_path, monkeypatch, bar_model
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    trained = []
    monkeypatch.setattr(
        _models,
        "_train_default",
        lambda *args: trained.append(args) or served_dict(bar_model),
    )
    sigmoid = default_model("sigmoid")
    assert trained == [("sigmoid", None)]
    assert sigmoid.description.startswith("default SigmoidNetClassifier (97.00%")
    default_model("sigmoid")
    default_model()
    assert trained == [("sigmoid", None), ("relu", None)]
    assert len(list((tmp_path / "skdigits" / "models").iterdir())) == 2
    with pytest.raises(ValueError, match="model must be one of sigmoid, relu, convnet"):
        default_model("lenet")


def test_the_draw_command_reads_a_name_as_a_model_and_anything_else_as_a_file(
    monkeypatch,
):
    import skdigits.draw

    asked = []

    def record(kind):
        def called(*args, **kwargs):
            asked.append((kind, args))
            raise OSError("recorded")

        return called

    monkeypatch.setattr(skdigits.draw, "default_model", record("named"))
    monkeypatch.setattr(skdigits.draw, "load_model", record("file"))
    for argv in (
        ["draw"],
        ["draw", "--model", "convnet"],
        ["draw", "--model", "x.pkl"],
    ):
        assert main(argv) == 1
    assert asked == [
        ("named", ("relu",)),
        ("named", ("convnet",)),
        ("file", ("x.pkl",)),
    ]


def draw_command(*args):
    # A child inherits an ignored SIGINT (from a runner under nohup, or a
    # background job), and Python then installs no KeyboardInterrupt; a
    # handled one is reset to the default at exec. Start it as a terminal
    # would, whatever the runner did.
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "skdigits", "draw", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    finally:
        signal.signal(signal.SIGINT, before)


@pytest.mark.parametrize("runner_ignores_sigint", [False, True])
def test_the_command_serves_a_model_and_stops_on_ctrl_c(
    tmp_path, bar_model, runner_ignores_sigint
):
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(bar_model))
    # The test must not depend on how the suite was started.
    before = signal.signal(
        signal.SIGINT,
        signal.SIG_IGN if runner_ignores_sigint else signal.default_int_handler,
    )
    try:
        process = draw_command(
            "--model", str(path), "--port", "0", "--field-reader", "none"
        )
    finally:
        signal.signal(signal.SIGINT, before)
    try:
        lines = [process.stdout.readline(), process.stdout.readline()]
        assert "LogisticRegression from model.pkl" in lines[0]
        url = lines[1].split()[2]
        assert url.startswith("http://127.0.0.1:")
        host, port = url.removeprefix("http://").strip("/").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        canvas = paper()
        canvas[20:120, 40:52] = 0
        connection.request("POST", "/read", body=canvas_body(canvas))
        assert json.loads(connection.getresponse().read())["text"] == "0"
        connection.close()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 130
    finally:
        process.kill()
        process.wait()


@pytest.mark.parametrize("field_reader", ["default", "file"])
def test_the_command_reads_whole_fields_with_a_field_reader(
    tmp_path, bar_model, field_reader
):
    from skdigits.field_reader import default_reader
    from skdigits.weights import SHIPPED_MODELS

    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(bar_model))
    if field_reader == "file":  # a reader saved by save_reader, at a path
        field_reader = str(tmp_path / "reader.npz")
        shutil.copyfile(SHIPPED_MODELS["field_reader"].path, field_reader)
    process = draw_command(
        "--model", str(path), "--port", "0", "--field-reader", field_reader
    )
    try:
        lines = [process.stdout.readline() for _ in range(3)]
        assert f"field reader {field_reader}" in lines[1]
        url = lines[2].split()[2]
        host, port = url.removeprefix("http://").strip("/").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        connection.request("GET", "/model")
        assert json.loads(connection.getresponse().read())["reads_whole_fields"]
        canvas = paper()
        canvas[20:120, 40:52] = 0
        connection.request("POST", "/read", body=canvas_body(canvas))
        reading = json.loads(connection.getresponse().read())
        connection.close()
    finally:
        process.kill()
        process.wait()
    expected = default_reader().read([canvas])[0]
    assert reading["field"]["text"] == expected.text
    assert reading["field"]["probability"] == pytest.approx(expected.probability)
    assert reading["text"] == ("?" if expected.rejected else expected.text)
    assert reading["not_sure"] == expected.rejected
    # The pieces cut apart are still read by the model.
    assert [digit["label"] for digit in reading["digits"]] == ["0"]


def test_the_command_names_a_busy_port_and_a_missing_model(tmp_path, bar_model):
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(bar_model))
    with make_server(ServedModel(bar_model, "bars", 0.5, 1.0), port=0) as busy:
        port = str(busy.server_address[1])
        process = draw_command("--model", str(path), "--port", port)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err
    assert "pick another --port" in err
    process = draw_command("--model", str(tmp_path / "nothing.pkl"))
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "no model file" in err
    for option, value, words in [
        ("--reject-threshold", "2", "not a probability"),
        ("--port", "70000", "not a port"),
        ("--pixel-max", "0", "not a finite positive number"),
    ]:
        process = draw_command("--model", str(path), option, value)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 2
        assert words in err


def test_a_stalled_client_neither_blocks_others_nor_stays(server, monkeypatch):
    import socket

    from skdigits.draw._server import DrawRequestHandler

    monkeypatch.setattr(DrawRequestHandler, "timeout", 1)
    host, port = server.server_address[:2]
    stalled = socket.create_connection((host, port), timeout=30)
    try:
        stalled.sendall(
            b'POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"wid'
        )
        # Another client is served meanwhile.
        status, _ = request(server, "GET", "/model")
        assert status == 200
        # The stalled one is dropped once its timeout passes, with no answer.
        assert stalled.recv(1024) == b""
    finally:
        stalled.close()


def test_a_scribble_of_many_marks_is_refused(server):
    canvas = paper(140, 1200)
    for left in range(10, 1190, 40):  # 30 separate bars
        canvas[20:120, left : left + 12] = 0
    status, reply = request(server, "POST", "/read", canvas_body(canvas))
    assert status == 422
    assert "30 separate marks" in reply["error"]


def test_an_interrupted_cache_write_leaves_nothing(tmp_path, monkeypatch, bar_model):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    path = tmp_path / "draw.pkl"
    path.write_bytes(pickle.dumps(served_dict(bar_model)))
    before = path.read_bytes()
    monkeypatch.setattr(_models.pickle, "dump", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _models._write_cached({"estimator": bar_model}, path)
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left
    assert path.read_bytes() == before  # the earlier cache kept whole


def _skops_file(tmp_path):
    sio = pytest.importorskip("skops.io")
    X, y = bar_digits()
    path = tmp_path / "model.skops"
    sio.dump(LogisticRegression(max_iter=500).fit(X, y), path)
    return path


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: b"not a zip at all",
        lambda data: data.replace(b"schema.json", b"schema.jsox"),  # an entry lost
    ],
    ids=["truncated", "garbage", "entry-missing"],
)
def test_a_damaged_skops_file_is_one_clear_line(tmp_path, capsys, damage):
    path = _skops_file(tmp_path)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(ValueError, match=r"model.skops is not a readable skops file"):
        load_model(path)
    assert main(["draw", "--model", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "model.skops is not a readable skops file" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "0"])
def test_a_pixel_max_that_is_not_finite_and_positive_is_refused(
    tmp_path, capsys, value, bar_model
):
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(bar_model))
    with pytest.raises(SystemExit) as exit_info:
        main(["draw", "--model", str(path), "--pixel-max", value])
    assert exit_info.value.code == 2
    assert "not a finite positive number" in capsys.readouterr().err
    # The same through the Python API, before any server starts.
    with pytest.raises(ValueError, match="pixel_max must be a finite positive"):
        load_model(path, pixel_max=float(value))
    with pytest.raises(ValueError, match="pixel_max must be a finite positive"):
        ServedModel(bar_model, "bars", 0.9, float(value))
