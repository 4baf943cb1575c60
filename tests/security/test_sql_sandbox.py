"""Model SQL runs in a sandbox (issue 16): every escape is refused, through the real entry points.

An attacker with a model builder's rights writes SQL that writes a file (``COPY … TO`` under the
web's static folder or /tmp), attaches the casebook and updates ``users``, installs or loads an
extension, changes settings, or reads files and settings through table and scalar functions.
Each must be refused with an error naming the statement (or function, or name), its file and
line — by ``lexradar models validate``/``run``/``import`` of a project model, by ``lexradar
studio edit-sql`` and by the workbench's studio SQL form — and leave nothing on disk and no
casebook row changed. A sandboxed DuckDB engine refuses the same statements should one reach it.
"""

from __future__ import annotations

import hashlib
import html
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa
import yaml
from typer.testing import CliRunner

from lexradar.cli.app import app as cli_app
from lexradar.clues.access import SYSTEM, add_user
from lexradar.clues.db import Casebook
from lexradar.datasets import CONTRACT
from lexradar.datasets.derived import VIEW_NAMES
from lexradar.engine import Step, open_engine
from lexradar.errors import EngineError, ModelError
from lexradar.models.sandbox import sandboxed
from lexradar.models.spec import Text
from lexradar.studio.blocks import Base, Draft
from lexradar.studio.workspace import Studio
from lexradar.synth import generate
from lexradar.web.app import STATIC
from tests.web.conftest import PASSWORD, login_client

runner = CliRunner()
MODEL = "registry.escape"
LEGIT = "SELECT p.person_id, p.name FROM persons AS p WHERE p.status = 'cancelled'\n"
#: Where the attacks try to write: a new script under the web's static folder (served to every
#: browser) and a file in /tmp; both must still be absent after every attempt.
SCRIPT = STATIC / f"escape-{uuid.uuid4().hex[:8]}.js"
TMPFILE = Path("/tmp") / f"lexradar-escape-{uuid.uuid4().hex[:8]}.csv"
CASEBOOK = "@CASEBOOK@"  # replaced by the casebook's file in each test
LAKE = "@LAKE@"


def _escapes() -> list[tuple[str, str, str]]:
    """(name, SQL, what the error must name)."""
    q = "SELECT p.person_id FROM persons AS p"
    return [
        ("copy to static", f"COPY ({q}) TO '{SCRIPT}'", "COPY"),
        ("copy to tmp", f"COPY persons TO '{TMPFILE}' (FORMAT csv)", "COPY"),
        ("copy into the lake", f"COPY ({q}) TO '{LAKE}/persons/evil.parquet'", "COPY"),
        ("select then copy", f"{q};\nCOPY ({q}) TO '{SCRIPT}'", "COPY"),
        (
            "attach + update users",
            f"ATTACH '{CASEBOOK}' AS cb (TYPE sqlite);\nUPDATE cb.users SET role = 'admin'",
            "ATTACH",
        ),
        ("select then attach", f"{q};\nATTACH '{CASEBOOK}' AS cb", "ATTACH"),
        ("comment hides nothing", f"{q} /* ; */ ;\n-- x\nDETACH cb", "DETACH"),
        ("detach", "DETACH cb", "DETACH"),
        ("install", "INSTALL httpfs", "INSTALL"),
        ("load", "LOAD httpfs", "LOAD"),
        ("pragma", "PRAGMA enable_external_access", "PRAGMA"),
        ("set", "SET enable_external_access = true", "SET"),
        ("set variable", "SET VARIABLE x = 1", "SET"),
        ("reset", "RESET lock_configuration", "RESET"),
        ("create", f"CREATE TABLE stolen AS {q}", "CREATE"),
        ("create macro", "CREATE MACRO f(x) AS x", "CREATE"),
        ("drop", "DROP VIEW persons", "DROP"),
        ("insert", "INSERT INTO persons SELECT * FROM persons", "INSERT"),
        ("with insert", f"WITH x AS ({q}) INSERT INTO persons SELECT * FROM x", "INSERT"),
        ("update", "UPDATE persons SET name = 'x'", "UPDATE"),
        ("delete", "DELETE FROM persons", "DELETE"),
        ("alter", "ALTER VIEW persons RENAME TO p2", "ALTER"),
        ("call", "CALL pragma_version()", "CALL"),
        ("export database", f"EXPORT DATABASE '{TMPFILE}'", "EXPORT DATABASE"),
        ("import database", f"IMPORT DATABASE '{TMPFILE}'", "IMPORT DATABASE"),
        ("vacuum", "VACUUM", "VACUUM"),
        ("checkpoint", "CHECKPOINT", "CHECKPOINT"),
        ("use", "USE cb", "USE"),
        ("describe", "DESCRIBE persons", "DESCRIBE"),
        ("summarize", "SUMMARIZE persons", "SUMMARIZE"),
        ("read_csv", "SELECT * FROM read_csv('/etc/passwd')", "read_csv"),
        (
            "read_parquet",
            f"SELECT * FROM read_parquet('{LAKE}/../truth_persons.parquet')",
            "read_parquet",
        ),
        ("read_json", "SELECT * FROM read_json('/etc/hosts')", "read_json"),
        ("glob", "SELECT * FROM glob('/etc/*')", "glob"),
        ("read_text", "SELECT * FROM read_text('/etc/passwd')", "read_text"),
        ("read_blob", "SELECT * FROM read_blob('/etc/passwd')", "read_blob"),
        ("query_table", "SELECT * FROM query_table('persons')", "query_table"),
        ("iceberg_scan", "SELECT * FROM iceberg_scan('/x')", "iceberg_scan"),
        ("sqlite_scan", f"SELECT * FROM sqlite_scan('{CASEBOOK}', 'users')", "sqlite_scan"),
        (
            "postgres_scan",
            "SELECT * FROM postgres_scan('host=x', 'public', 'users')",
            "postgres_scan",
        ),
        ("duckdb_settings", "SELECT * FROM duckdb_settings()", "duckdb_settings"),
        ("duckdb_tables", "SELECT * FROM duckdb_tables()", "duckdb_tables"),
        ("range in from", "SELECT * FROM range(10)", "table function"),
        ("file as table", "SELECT * FROM '/etc/passwd'", "/etc/passwd"),
        ("lake file as table", f"SELECT * FROM '{LAKE}/persons/part-0000.parquet'", "reading"),
        (
            "table function in a join",
            f"{q} JOIN read_text('/etc/passwd') AS r ON true",
            "read_text",
        ),
        (
            "table function in a subquery",
            f"{q} WHERE p.person_id IN (SELECT * FROM read_csv('/etc/passwd'))",
            "read_csv",
        ),
        (
            "table function in a CTE",
            "WITH persons AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM persons",
            "read_csv",
        ),
        ("read_text as scalar", "SELECT read_text('/etc/passwd') FROM persons", "read_text"),
        ("getenv", "SELECT getenv('HOME') AS h FROM persons", "getenv"),
        (
            "current_setting",
            "SELECT current_setting('allowed_directories') FROM persons",
            "current_setting",
        ),
        ("getvariable", "SELECT getvariable('x') FROM persons", "getvariable"),
        ("version", "SELECT version() FROM persons", "version"),
        ("write_log", "SELECT write_log('x') FROM persons", "write_log"),
        ("other catalog", "SELECT * FROM other.users", "other.users"),
        ("attached casebook", "SELECT * FROM cb.main.users", "cb.main.users"),
        ("main schema", "SELECT * FROM main.persons", "main.persons"),
        ("information_schema", "SELECT * FROM information_schema.tables", "information_schema"),
        ("pg_catalog", "SELECT * FROM pg_catalog.pg_settings", "pg_catalog"),
        ("sqlite_master", "SELECT * FROM sqlite_master", "sqlite_master"),
        ("qualified column", "SELECT cb.main.users.role FROM persons", "cb.main.users.role"),
        ("two selects", f"{q};\n{q}", "more than one statement"),
    ]


ESCAPES = _escapes()
IDS = [e[0] for e in ESCAPES]


def _sql(template: str, casebook: Path, lake: Path) -> str:
    return template.replace(CASEBOOK, str(casebook)).replace(LAKE, str(lake))


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(5_000, 11, tmp_path_factory.mktemp("sandbox-region")).out / "lake"


@pytest.fixture
def project(tmp_path: Path, lake: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project: lexradar.toml naming the lake, a model folder and a SQLite casebook with a
    model builder; the studio draft ``registry.escape`` saved, with blocks-made SQL."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEXRADAR_CONFIG", raising=False)
    monkeypatch.delenv("LEXRADAR_USER", raising=False)
    (tmp_path / "lexradar.toml").write_text(
        f'model_paths = ["models"]\ncasebook_url = "sqlite:///{tmp_path}/casebook.db"\n'
        f'lake = "{lake}"\n',
        encoding="utf-8",
    )
    book = Casebook.open(f"sqlite:///{tmp_path}/casebook.db")
    book.init()
    add_user(book, SYSTEM, "builder", PASSWORD, "model_builder", "150000")
    add_user(book, SYSTEM, "handler", PASSWORD, "handler", "150000")
    book.dispose()
    return tmp_path


def _draft() -> Draft:
    return Draft(
        id=MODEL,
        title=Text(zh="沙箱测试", en="sandbox test"),
        domain="administrative",
        supervision_point=Text(zh="注销户口", en="cancelled registrations"),
        legal_basis=["《中华人民共和国户口登记条例》"],
        base=Base(dataset="persons", alias="p", person="person_id", name="name",
                  date="registered_on"),
    )  # fmt: skip


def _users(project: Path) -> list[tuple]:
    engine = sa.create_engine(f"sqlite:///{project}/casebook.db")
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM users ORDER BY username")).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def _files(*folders: Path) -> dict[str, tuple[int, str]]:
    """Every file under the folders (but the casebook, which logins write to) with its size and
    content hash."""
    out = {}
    for folder in folders:
        for p in sorted(folder.rglob("*")):
            if p.is_file() and not p.name.startswith("casebook.db"):
                out[str(p)] = (p.stat().st_size, hashlib.sha256(p.read_bytes()).hexdigest())
    return out


@pytest.fixture
def untouched(project: Path, lake: Path) -> Iterator[None]:
    """Nothing on disk and no user row may change across the test."""
    before = _files(project, lake, STATIC), _users(project)
    yield
    assert not SCRIPT.exists() and not TMPFILE.exists()
    assert (_files(project, lake, STATIC), _users(project)) == before


def cli(*args: str) -> tuple[int, str]:
    res = runner.invoke(cli_app, list(args), env={"COLUMNS": "400"})
    return res.exit_code, res.output


def _refused(code: int, out: str, named: str, where: str, name: str = "") -> None:
    flat = " ".join(out.split())
    assert code != 0, (name, out)
    assert named.lower() in flat.lower(), (name, out)
    assert where in flat, (name, out)


# ------------------------------------------------------------------ the parser itself


@pytest.mark.parametrize(("name", "sql", "named"), ESCAPES, ids=IDS)
def test_the_sandbox_refuses_and_names_it(name: str, sql: str, named: str, tmp_path: Path) -> None:
    text = _sql(sql, tmp_path / "casebook.db", tmp_path / "lake")
    with pytest.raises(ModelError) as info:
        sandboxed("-- an attacker's rule\n" + text, (*CONTRACT, *VIEW_NAMES), "rule.sql")
    err = info.value
    assert named.lower() in err.message.lower()
    assert err.location.file == "rule.sql" and err.location.field == "sql"
    # the line named is where the offending statement or construct is (the rule's line 2 on)
    assert err.location.line == _line_of(text, named), (err.location, text)


def _line_of(text: str, named: str) -> int:
    """The line of the rule (after its comment line) the error should name."""
    if named == "more than one statement":
        return 3
    lines = text.splitlines()
    return next((i + 2 for i, line in enumerate(lines) if named.lower() in line.lower()), 2)


def test_legitimate_queries_pass() -> None:
    tables = (*CONTRACT, *VIEW_NAMES)
    for sql in (
        LEGIT,
        "FROM persons SELECT person_id",
        "WITH d AS (SELECT * FROM deaths) SELECT p.person_id FROM persons p JOIN d USING "
        "(person_id)",
        "SELECT person_id FROM persons UNION ALL SELECT person_id FROM deaths",
        "SELECT x FROM persons, unnest([1, 2]) AS t(x) WHERE list_contains([1], x)",
        "SELECT strftime(registered_on, '%Y') AS y, count(*) FILTER (WHERE status = 'x') "
        "FROM persons GROUP BY ALL QUALIFY row_number() OVER (ORDER BY y) = 1",
        "SELECT * FROM persons_resolved",
        "SELECT unnest([1, 2]) AS x, [1] && [2] AS o, list_has_any([1], [2]) AS a FROM persons",
        "SELECT '{\"a\": 1}'->>'a' AS j, json_extract('{}', '$.a') AS k FROM persons",
        "SELECT date_diff('day', registered_on, current_date) AS d, try_cast(name AS INT) AS i,"
        " regexp_matches(name, '^王') AS w, jaro_winkler_similarity(name, 'x') AS s FROM persons",
    ):
        assert sandboxed(sql, tables, "ok.sql") is not None


def test_every_pack_model_validates() -> None:
    from lexradar.models.registry import Registry

    assert len(Registry().pack) >= 11  # each loads through the sandbox


# ------------------------------------------------------------------ lexradar models ...


def test_models_validate_and_run_refuse(project: Path, lake: Path) -> None:
    code, out = cli("models", "new", MODEL, "--domain", "administrative")
    assert code == 0, out
    rule = project / "models" / "registry" / "escape.sql"
    for n, (name, sql, named) in enumerate(ESCAPES):
        rule.write_text(_sql(sql, project / "casebook.db", lake), encoding="utf-8")
        before = _files(project, lake, STATIC), _users(project)
        code, out = cli("models", "validate", str(project / "models"))
        _refused(code, out, named, "escape.sql", name)
        if n < 8:  # the writing ones, run as `lexradar models run` would
            code, out = cli("models", "run", MODEL, "--status", "draft", "--out", "c.csv")
            _refused(code, out, named, "escape.sql", name)
        assert not SCRIPT.exists() and not TMPFILE.exists(), name
        assert (_files(project, lake, STATIC), _users(project)) == before, name


def test_models_import_of_a_bundle_refuses(project: Path, lake: Path, untouched: None) -> None:
    for name, sql, named in ESCAPES[:6]:
        bundle = project / f"{name.replace(' ', '_')}.lexmodel.yaml"
        bundle.write_text(
            yaml.safe_dump(
                {
                    "format": "lexradar-model/1",
                    "id": MODEL,
                    "header": _header(),
                    "sql": _sql(sql, project / "casebook.db", lake),
                },
                allow_unicode=True,
            ),
            encoding="utf-8",
        )
        code, out = cli("models", "import", str(bundle))
        _refused(code, out, named, "escape.sql", name)
        assert not (project / "models" / "registry" / "escape.sql").exists()  # nothing left
        bundle.unlink()


def _header() -> str:
    from lexradar.models.scaffold import HEADER

    return HEADER.format(id=MODEL, domain="administrative", owner="150000")


def test_the_bundle_format_is_what_import_reads(project: Path) -> None:
    """The bundles above are refused for their SQL, not their shape: the same with a good SQL
    imports."""
    bundle = project / "good.lexmodel.yaml"
    bundle.write_text(
        yaml.safe_dump(
            {"format": "lexradar-model/1", "id": MODEL, "header": _header(), "sql": LEGIT},
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    code, out = cli("models", "import", str(bundle))
    assert code == 0, out
    assert (project / "models" / "registry" / "escape.sql").read_text(encoding="utf-8") == LEGIT


# ------------------------------------------------------------------ lexradar studio edit-sql


def test_studio_edit_sql_refuses(project: Path, lake: Path) -> None:
    Studio(project / "models", project / "studio").save(_draft())
    rule = project / "models" / "registry" / "escape.sql"
    saved = rule.read_text(encoding="utf-8")
    attack = project / "attack.sql"
    for name, sql, named in ESCAPES:
        attack.write_text(_sql(sql, project / "casebook.db", lake), encoding="utf-8")
        before = _files(project, lake, STATIC), _users(project)
        code, out = cli("studio", "edit-sql", MODEL, str(attack), "--studio", "studio",
                        "--models", "models")  # fmt: skip
        _refused(code, out, named, "studio draft SQL", name)
        assert rule.read_text(encoding="utf-8") == saved, name
        assert not SCRIPT.exists() and not TMPFILE.exists(), name
        assert (_files(project, lake, STATIC), _users(project)) == before, name


def test_studio_edit_sql_accepts_a_select(project: Path) -> None:
    Studio(project / "models", project / "studio").save(_draft())
    (project / "good.sql").write_text(LEGIT, encoding="utf-8")
    code, out = cli("studio", "edit-sql", MODEL, "good.sql", "--studio", "studio",
                    "--models", "models")  # fmt: skip
    assert code == 0, out
    assert (project / "models" / "registry" / "escape.sql").read_text(encoding="utf-8") == LEGIT


# ------------------------------------------------------------------ the workbench's studio


@pytest.fixture
def builder(project: Path, lake: Path):  # type: ignore[no-untyped-def]
    """A model builder logged in to the workbench of the project, the draft saved."""
    from lexradar.settings import load_settings
    from lexradar.web.app import create_app

    settings = load_settings(
        lake=lake,
        casebook_url=f"sqlite:///{project}/casebook.db",
        model_paths=[project / "models"],
    )
    web = create_app(settings, secret_key="sandbox-test-key")
    web.state.studio_dir = str(project / "studio")
    Studio(project / "models", project / "studio", [project / "models"]).save(_draft())
    client = login_client(web, "builder")
    yield client
    client.close()
    web.state.casebook.dispose()


def test_the_web_studio_refuses_every_escape(builder, project: Path, lake: Path) -> None:  # type: ignore[no-untyped-def]
    rule = project / "models" / "registry" / "escape.sql"
    saved = rule.read_text(encoding="utf-8")
    before = _files(project, lake, STATIC), _users(project)
    for name, sql, named in ESCAPES:
        answer = builder.post(
            f"/studio/{MODEL}/sql",
            data={"sql": _sql(sql, project / "casebook.db", lake)},
            follow_redirects=False,
        )
        assert answer.status_code == 400, (name, answer.status_code, answer.text)
        page = " ".join(html.unescape(answer.text).split())
        assert named.lower() in page.lower(), (name, page)
        assert rule.read_text(encoding="utf-8") == saved, name
    assert not SCRIPT.exists() and not TMPFILE.exists()
    assert (_files(project, lake, STATIC), _users(project)) == before
    answer = builder.post(f"/studio/{MODEL}/sql", data={"sql": LEGIT}, follow_redirects=False)
    assert answer.status_code == 303, answer.text  # a SELECT is saved
    assert rule.read_text(encoding="utf-8") == LEGIT


# ------------------------------------------------------------------ defence in depth


def test_a_sandboxed_engine_refuses_them_too(project: Path, lake: Path, untouched: None) -> None:
    """Should a statement get past the parser, the engine models run on still refuses to write
    or read outside the lake, attach the casebook, load extensions or change its settings."""
    casebook = project / "casebook.db"
    statements = [
        f"COPY (SELECT 1 AS x) TO '{SCRIPT}'",
        f"COPY (SELECT 1 AS x) TO '{TMPFILE}'",
        f"ATTACH '{casebook}' AS cb (TYPE sqlite)",
        f"ATTACH '{casebook}' AS cb",
        f"EXPORT DATABASE '{TMPFILE}'",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "SET allowed_directories = ['/']",
        "SET lock_configuration = false",
        "RESET lock_configuration",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM glob('/etc/*')",
        f"SELECT * FROM read_parquet('{lake.parent / 'truth_persons.parquet'}')",
        f"SELECT * FROM sqlite_scan('{casebook}', 'users')",
    ]
    with open_engine(lake, sandbox=True) as engine:
        for sql in statements:
            with pytest.raises(EngineError):
                engine.run(Step("attack", sql))
        # and what may run there still runs: the lake's own rows
        assert engine.run(Step("ok", "SELECT count(*) AS n FROM persons")).to_pylist()[0]["n"]


def test_a_sandboxed_engine_cannot_write_into_the_lake(lake: Path) -> None:
    """DuckDB's allowed directory (the lake, for reading) is open to writing too: a ``COPY`` that
    got past the parser into the lake — a new file, or over one of the lake's own with no
    temporary file — is still refused by the engine, and the lake is unchanged."""
    part = sorted((lake / "persons").rglob("*.parquet"))[0]
    before = _files(lake)
    statements = [
        f"COPY (SELECT 1 AS x) TO '{lake}/persons/evil.parquet'",
        f"COPY (SELECT * FROM persons LIMIT 1) TO '{part}' (FORMAT parquet, USE_TMP_FILE false)",
        f"COPY persons TO '{lake}/persons' (FORMAT parquet, PARTITION_BY gender, APPEND)",
        f"SELECT 1 AS x; COPY (SELECT 1 AS x) TO '{lake}/evil.csv'",
        f"EXPORT DATABASE '{lake}/export'",
        "CALL pragma_version()",
        "CREATE SECRET s (TYPE s3)",
        "CREATE OR REPLACE MACRO m(x) AS x",
    ]
    with open_engine(lake, sandbox=True) as engine:
        for sql in statements:
            with pytest.raises(EngineError, match="read-only"):
                engine.run(Step("attack", sql))
        # the engine's own verbs cannot carry one either
        with pytest.raises(EngineError, match="read-only"):
            engine.create_view("v", f"SELECT 1 AS x; COPY (SELECT 1 AS x) TO '{lake}/v.csv'")
        with pytest.raises(EngineError, match="read-only"):
            engine.write_parquet("SELECT 1 AS x", f"{lake}/persons/out.parquet")
        # what a model does still works: queries, its views and tables, dropping them
        engine.create_view("v", "SELECT count(*) AS n FROM persons")
        engine.materialize("t", "SELECT * FROM v")
        assert engine.rows("SELECT n FROM t")[0][0] > 0
        engine.cleanup()
    assert _files(lake) == before
    # an engine that is not sandboxed (ingest, resolution) still writes
    with open_engine(lake) as engine:
        out = lake.parent / "not-sandboxed.parquet"
        engine.write_parquet("SELECT 1 AS x", str(out))
    assert out.exists()
    out.unlink()


def test_the_sandboxed_engine_of_a_model_run(project: Path, lake: Path) -> None:
    """``lexradar run`` and the studio's tries open locked engines (Project.engine, open_lake)."""
    from lexradar.project import open_project
    from lexradar.studio.trying import open_lake

    with (
        open_project() as proj,
        proj.engine() as engine,
        pytest.raises(EngineError, match="read-only"),
    ):
        engine.run(Step("attack", f"COPY (SELECT 1 AS x) TO '{TMPFILE}'"))
    with open_lake(lake, 0.5) as engine:
        assert engine.run(Step("ok", "SELECT count(*) AS n FROM persons")).to_pylist()[0]["n"]
        with pytest.raises(EngineError, match="read-only"):
            engine.run(Step("attack", "SET enable_external_access = true"))
        # and under that gate, DuckDB's configuration is locked
        with pytest.raises(duckdb.Error, match="Cannot change configuration"):
            engine._con.execute("SET enable_external_access = true")  # type: ignore[attr-defined]
    assert not TMPFILE.exists()
