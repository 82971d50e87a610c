"""The facilitator's scenario upload (YAML, MSEL CSV or XLSX) and the library downloads."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from simulator.config import load_settings
from simulator.engine import msel
from simulator.services import open_services
from simulator.store import accounts, migrate
from simulator.web import authoring, create_app
from tests.factories import DATA, gen_scenario
from tests.web.conftest import PASSWORD, sign_in


@pytest.fixture
def services(database_url, tmp_path, clock, library):
    env = {
        "DATABASE_URL": database_url,
        "CRISISDRILL_INSTANCE": str(tmp_path / "instance"),
        "ASYNC_MODE": "threading",
    }
    built = open_services(load_settings(env), clock=clock, library_dir=library)
    migrate.upgrade(built.engine)
    accounts.add_facilitator(built.sessions, built.clock, "alice", PASSWORD)
    yield built
    built.engine.dispose()


def upload(client, name: str, content: bytes, replace: bool = False, **extra):
    data = {"scenario": (io.BytesIO(content), name), **extra}
    if replace:
        data["replace"] = "yes"
    return client.post("/facilitator/scenarios/upload", data=data, content_type="multipart/form-data")


def exported(fmt: str, new_id: str) -> bytes:
    """The mini drill under another id: its own YAML file (comments and all), or an MSEL export."""
    if fmt == "yaml":
        return (DATA / "mini.yaml").read_bytes().replace(b"id: mini-drill", f"id: {new_id}".encode())
    return msel.export(gen_scenario().model_copy(update={"id": new_id}), fmt)


def library_files(library: Path) -> list[str]:
    return sorted(p.name for p in library.iterdir())


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "yaml"])
def test_an_uploaded_scenario_joins_the_library_and_the_new_exercise_form(app, services, library, fmt):
    client = sign_in(app)
    content = exported(fmt, "mini-copy")
    response = upload(client, f"My drill.{fmt}", content)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/facilitator/?scenario_id=mini-copy#new-exercise")
    assert library_files(library) == ["mini-copy.yaml", "mini.yaml"]
    assert services.library.get("mini-copy") == gen_scenario().model_copy(update={"id": "mini-copy"})
    page = client.get("/facilitator/?scenario_id=mini-copy").get_data(as_text=True)
    assert "Scenario “Mini drill” (mini-copy, 6 injects) added" in page
    assert re.search(r'value="mini-copy" required\s+checked', page)  # preselected in the form
    if fmt == "yaml":  # a YAML upload is kept as written, comments included
        assert (library / "mini-copy.yaml").read_bytes() == content


def test_problems_are_listed_with_their_row_and_column_and_nothing_is_written(app, library):
    client = sign_in(app)
    book = load_workbook(io.BytesIO(exported("xlsx", "broken")))
    book["injects"]["A3"] = "5 min"
    book["injects"]["C5"] = "jane"
    out = io.BytesIO()
    book.save(out)
    response = upload(client, "/home/me/broken.xlsx", out.getvalue(), replace=True)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "2 problems in broken.xlsx: nothing was added" in page
    assert "<code>injects row 3, column time</code></td><td>&#39;5 min&#39; is not +HH:MM:SS" in page
    assert "<code>injects row 5, column from</code></td><td>unknown persona &#39;jane&#39;" in page
    assert re.search(r'name="replace" value="yes"\s+checked', page)  # the form keeps the choice
    assert library_files(library) == ["mini.yaml"]


def test_yaml_problems_are_listed_with_their_line(app, library):
    client = sign_in(app)
    text = (
        (DATA / "mini.yaml")
        .read_text()
        .replace("id: mini-drill", "id: other")
        .replace("from: troll", "from: trol")
    )
    response = upload(client, "other.yaml", text.encode())
    assert response.status_code == 422
    assert (
        "<code>line 33 · injects[1].from</code></td><td>unknown persona &#39;trol&#39;"
        in response.get_data(as_text=True)
    )
    assert library_files(library) == ["mini.yaml"]


def test_an_existing_id_is_replaced_only_when_asked(app, services, library):
    client = sign_in(app)
    before = (library / "mini.yaml").read_text()
    content = msel.export(gen_scenario(), "csv").replace(b"title: Mini drill", b"title: Mini drill v2")
    response = upload(client, "mini.csv", content)
    assert response.status_code == 409
    assert "The library already has a scenario &#39;mini-drill&#39; (mini.yaml)" in response.get_data(
        as_text=True
    )
    assert (library / "mini.yaml").read_text() == before
    response = upload(client, "mini.csv", content, replace=True)
    assert response.status_code == 302
    assert "Scenario “Mini drill v2” (mini-drill, 6 injects) replaced" in client.get(
        "/facilitator/"
    ).get_data(as_text=True)
    assert services.library.get("mini-drill").title == "Mini drill v2"
    assert library_files(library) == ["mini.yaml"]  # replaced in its own file
    assert "Mini drill v2" in client.get("/facilitator/").get_data(as_text=True)  # in the form


@pytest.mark.parametrize(
    ("name", "content", "status", "message"),
    [
        ("big.csv", b"#" * 10_001, 413, "big.csv is larger than 10,000 bytes: nothing was added."),
        ("notes.txt", b"hello", 422, "unknown file type; expected .yaml, .yml, .csv or .xlsx"),
        ("fake.xlsx", b"hello", 422, "not an XLSX workbook"),
        ("", b"", 400, "Choose a scenario file"),
    ],
)
def test_unusable_uploads_are_explained(app, library, monkeypatch, name, content, status, message):
    assert authoring.MAX_UPLOAD_BYTES == 1024 * 1024  # "at most 1 MB" on the form
    monkeypatch.setattr(authoring, "MAX_UPLOAD_BYTES", 10_000)  # small: no temporary file in the test
    response = upload(sign_in(app), name, content)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert library_files(library) == ["mini.yaml"]


def test_only_signed_in_facilitators_upload_or_download(app, library):
    anonymous = app.test_client()
    response = upload(anonymous, "new.csv", exported("csv", "new"))
    assert response.status_code == 302 and "/facilitator/login" in response.headers["Location"]
    for url in ("/facilitator/scenarios/upload", "/facilitator/scenarios/mini-drill/download/yaml"):
        assert "/facilitator/login" in anonymous.get(url).headers["Location"]
    assert library_files(library) == ["mini.yaml"]


def test_the_upload_form_is_csrf_protected(services, library):
    app = create_app({"TESTING": True}, services=services)
    client = sign_in_with_csrf(app)
    content = exported("csv", "new-one")
    response = upload(client, "new.csv", content)
    assert response.status_code == 400 and library_files(library) == ["mini.yaml"]
    form = client.get("/facilitator/scenarios/upload").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)[1]
    assert 'enctype="multipart/form-data"' in form and 'accept=".yaml,.yml,.csv,.xlsx"' in form
    response = upload(client, "new.csv", content, csrf_token=token)
    assert response.status_code == 302 and "new-one.yaml" in library_files(library)


def sign_in_with_csrf(app):
    client = app.test_client()
    page = client.get("/facilitator/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    response = client.post(
        "/facilitator/login", data={"name": "alice", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


def test_the_dashboard_offers_every_scenario_as_yaml_csv_and_xlsx(app, library):
    client = sign_in(app)
    page = client.get("/facilitator/").get_data(as_text=True)
    assert 'href="/facilitator/scenarios/upload"' in page
    for fmt in ("yaml", "csv", "xlsx"):
        assert f'href="/facilitator/scenarios/mini-drill/download/{fmt}"' in page

    response = client.get("/facilitator/scenarios/mini-drill/download/yaml")
    assert response.data == (library / "mini.yaml").read_bytes()  # the file itself, comments included
    assert response.headers["Content-Disposition"] == 'attachment; filename="mini-drill.yaml"'

    response = client.get("/facilitator/scenarios/mini-drill/download/csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="mini-drill-msel.csv"'
    assert response.mimetype == "text/csv"
    assert msel.parse_csv(response.data, "mini.csv") == (gen_scenario(), [])

    response = client.get("/facilitator/scenarios/mini-drill/download/xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert msel.parse_xlsx(response.data, "mini.xlsx") == (gen_scenario(), [])

    assert client.get("/facilitator/scenarios/mini-drill/download/pdf").status_code == 404
    assert client.get("/facilitator/scenarios/nope/download/csv").status_code == 404
