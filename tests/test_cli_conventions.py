"""CLI conventions: a missing casebook is one line and exit status 2 (and no empty file left
behind), --json prints one JSON document and nothing else, ``serve`` takes a free port when
8000 is taken and refuses a taken port given by --port."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lexradar.cli.app import app


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("LEXRADAR_CASEBOOK_URL", "LEXRADAR_USER", "LEXRADAR_MODEL_PATHS"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def invoke(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


@pytest.mark.parametrize(
    "command",
    [
        ("clues", "list", "--as", "root"),
        ("cases", "list", "--as", "root"),
        ("users", "list", "--as", "root"),
        ("stats", "--as", "root"),
        ("models", "promote", "marriage.bigamy", "--to", "retired", "--by", "root"),
    ],
)
def test_a_missing_casebook_is_one_line_and_status_2(folder: Path, command: tuple[str]) -> None:
    code, out, err = invoke(*command)
    assert code == 2, out + err
    assert "casebook init" in err and "casebook.db" in err
    assert "Traceback" not in out + err and len(err.strip().splitlines()) <= 2
    assert not (folder / "casebook.db").exists()  # no empty casebook left behind


def test_an_empty_casebook_file_is_refused_too(folder: Path) -> None:
    (folder / "casebook.db").write_bytes(b"")
    code, _out, err = invoke("clues", "list", "--as", "root")
    assert code == 2 and "empty file" in err and "casebook init" in err


def test_list_and_show_commands_print_json_only(folder: Path) -> None:
    assert invoke("casebook", "init", "--admin", "root", "--password", "pw-root-1")[0] == 0
    models = json.loads(invoke("models", "list", "--json")[1])
    assert {m["id"] for m in models} >= {"marriage.bigamy", "traffic.license_not_revoked"}
    assert all(m["status"] and m["title"]["zh"] for m in models)
    shown = json.loads(invoke("models", "show", "marriage.bigamy", "--json")[1])
    assert shown["id"] == "marriage.bigamy" and "SELECT" in shown["sql"].upper()
    users = json.loads(invoke("users", "list", "--as", "root", "--json")[1])
    assert [{k: u[k] for k in ("username", "role", "procuratorate", "active")} for u in users] == [
        {"username": "root", "role": "admin", "procuratorate": "150000", "active": True}
    ]
    assert json.loads(invoke("cases", "list", "--as", "root", "--json")[1]) == []
    assert json.loads(invoke("clues", "list", "--as", "root", "--json")[1]) == []
    assert json.loads(invoke("batches", "--lake", str(folder / "lake"), "--json")[1]) == []


def test_models_new_then_promote_without_model_paths(folder: Path) -> None:
    """`models new` writes into ./models when model_paths is empty, and `models promote`,
    `list` and `show` read the same folder."""
    assert invoke("casebook", "init", "--admin", "root", "--password", "pw-root-1")[0] == 0
    code, out, err = invoke(
        "models", "new", "pension.double_payment", "--domain", "public_interest"
    )
    assert code == 0, out + err
    assert (folder / "models" / "pension" / "double_payment.yaml").exists()
    code, out, err = invoke(
        "models", "promote", "pension.double_payment", "--to", "testing", "--by", "root"
    )
    assert code == 0 and "draft → testing" in out, out + err
    listed = {m["id"]: m["status"] for m in json.loads(invoke("models", "list", "--json")[1])}
    assert listed["pension.double_payment"] == "testing"


def test_serve_takes_a_free_port_when_8000_is_taken() -> None:
    from lexradar.cli.serve import DEFAULT_PORT, listening_socket
    from lexradar.errors import SettingsError

    held = socket.socket()
    held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        held.bind(("127.0.0.1", DEFAULT_PORT))
        held.listen()
    except OSError:  # 8000 is taken already by someone else: that is the case under test too
        held.close()
        held = None  # type: ignore[assignment]
    try:
        sock = listening_socket("127.0.0.1", None)
        port = sock.getsockname()[1]
        sock.close()
        assert port not in (DEFAULT_PORT, 0)
        with pytest.raises(SettingsError, match=f"127.0.0.1:{DEFAULT_PORT}.*--port"):
            listening_socket("127.0.0.1", DEFAULT_PORT)
    finally:
        if held is not None:
            held.close()
    free = listening_socket("127.0.0.1", port)  # a port given and free is taken as given
    assert free.getsockname()[1] == port
    free.close()
