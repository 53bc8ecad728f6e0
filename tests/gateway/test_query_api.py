"""The query and admin APIs over real sockets: tokens, pages, CSV, reprocessing, decrypting."""

from __future__ import annotations

import base64
import csv
import io
from pathlib import Path

import httpx
import pytest

from openpcs.frames import make_field
from openpcs.gateway.runtime import ADMIN_TOKEN_FILE
from tests.gateway import frames as f
from tests.gateway.conftest import make_settings
from tests.gateway.running import RunningGateway

QUERY_PATHS = [
    "/api/v1/devices",
    f"/api/v1/devices/{f.SERIAL}",
    "/api/v1/readings",
    "/api/v1/frames",
    "/api/v1/frames/1",
    "/api/v1/sets",
    "/api/v1/status",
]


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _send(gateway: RunningGateway, *frames: bytes) -> list[dict[str, object]]:
    with gateway.client(token=None) as client:
        response = client.post("/api/v1/frames", json={"frames": [x.hex() for x in frames]})
    return list(response.json()["frames"])


@pytest.mark.parametrize("path", QUERY_PATHS)
def test_query_calls_without_a_valid_token_are_refused(gateway: RunningGateway, path: str) -> None:
    _send(gateway, f.binary(1))
    with httpx.Client(base_url=gateway.url) as client:
        anonymous = client.get(path)
        forged = client.get(path, headers={"Authorization": "Bearer opk_forged"})
        in_query = client.get(path, params={"token": gateway.admin_token})
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert "needs a token with the 'read' scope" in anonymous.json()["error"]
    assert forged.status_code == 401
    assert "not valid" in forged.json()["error"]
    assert in_query.status_code == 401  # query tokens are for ingest routes only


def test_scopes_decide_what_a_token_may_do(gateway: RunningGateway) -> None:
    with gateway.client() as client:
        read = client.post("/api/v1/tokens", json={"name": "grafana", "scope": "read"}).json()
        ingest = client.post("/api/v1/tokens", json={"name": "lns", "scope": "ingest"}).json()
    assert read["token"].startswith("opk_")
    with gateway.client(token=read["token"]) as client:
        assert client.get("/api/v1/readings").status_code == 200
        denied = client.put(f"/api/v1/devices/{f.SERIAL}", json={"label": "x"})
        assert denied.status_code == 403
        assert "scope 'read' does not allow this" in denied.json()["error"]
    with gateway.client(token=ingest["token"]) as client:
        assert client.get("/api/v1/readings").status_code == 403
    with gateway.client() as client:
        assert client.delete("/api/v1/tokens/grafana").status_code == 204
        assert client.delete("/api/v1/tokens/grafana").status_code == 404
    with gateway.client(token=read["token"]) as client:
        assert client.get("/api/v1/readings").status_code == 401


def test_readings_as_json_pages_and_csv(gateway: RunningGateway) -> None:
    _send(gateway, *(f.binary(i, values=f.fields(temperature=20 + i)) for i in range(5)))
    first = gateway.get("/api/v1/readings", sensor="TC", limit=2)
    assert [r["value"] for r in first["items"]] == [20, 21]
    second = gateway.get("/api/v1/readings", sensor="TC", limit=2, after=first["next"])
    assert [r["value"] for r in second["items"]] == [22, 23]
    with gateway.client() as client:
        response = client.get(
            "/api/v1/readings", params={"serial": f.SERIAL.lower(), "format": "csv", "limit": 4}
        )
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["sensor"], r["value"], r["unit"]) for r in rows] == [
        ("TC", "20", "°C"),
        ("HUM", "48.2", "%RH"),
        ("BAT", "87", "%"),
        ("TC", "21", "°C"),
    ]
    assert rows[0]["received_at"].endswith("Z")
    assert rows[0]["serial"] == f.SERIAL
    assert response.headers["x-next-cursor"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": 0}, "limit: Input should be greater than or equal to 1"),
        ({"limit": 20000}, "limit: Input should be less than or equal to 10000"),
        ({"since": "yesterday"}, "since:"),
        ({"after": "%%%"}, "after: not a cursor this API handed out"),
        ({"serial": "XYZ"}, "serial: 'XYZ' is not a serial"),
        ({"format": "xml"}, "format:"),
        ({"since": "2026-11-21T10:00:00"}, "since: Value error, give the time zone"),
        ({"until": "0.0"}, "until: Value error, give a time as RFC 3339 text"),
        ({"since": "1763719200"}, "since: Value error, give a time as RFC 3339 text"),
        ({"since": "2026-11-21"}, "since: Value error, give a time as RFC 3339 text"),
        ({"until": "2026-11-21T10:00Z"}, "until: Value error, give a time as RFC 3339 text"),
        ({"since": "0001-01-01T00:00:00+01:00"}, "since: Value error, out of range once in UTC"),
        ({"until": "9999-12-31T23:59:59-05:00"}, "until: Value error, out of range once in UTC"),
        ({"after": _cursor(f"{2**63}~1")}, "after: not a cursor this API handed out"),
        ({"after": _cursor("1~2~3")}, "after: not a cursor this API handed out"),
        ({"after": _cursor("1\x00~2")}, "after: not a cursor this API handed out"),
        (
            {"since": "2026-11-21T10:00:00Z", "until": "2026-11-21T11:00:00+02:00"},
            "until: must be later than since",
        ),
    ],
)
def test_bad_query_parameters_name_the_parameter(
    gateway: RunningGateway, params: dict[str, object], message: str
) -> None:
    with gateway.client() as client:
        response = client.get("/api/v1/readings", params=params)
    assert response.status_code == 422
    assert message in response.json()["error"]


def test_ids_and_text_the_store_cannot_hold_are_refused_not_failed(
    gateway: RunningGateway,
) -> None:
    with gateway.client() as client:
        huge_frame = client.get(f"/api/v1/frames/{2**63}")
        nul_sensor = client.get("/api/v1/readings", params={"sensor": "T\x00C"})
        nul_token = client.delete("/api/v1/tokens/%00")
        devices_cursor = client.get("/api/v1/devices", params={"after": _cursor("\x00")})
        reprocess = client.post("/api/v1/frames/reprocess", json={"frame_ids": [2**70]})
        label = client.put(f"/api/v1/devices/{f.SERIAL}", json={"label": "a\x00b"})
    assert huge_frame.status_code == 422
    assert nul_sensor.status_code == nul_token.status_code == 400
    assert nul_sensor.json()["error"] == "the request's path or query string holds a NUL character"
    assert devices_cursor.status_code == 422
    assert reprocess.status_code == 422
    assert "frame_ids.0: Input should be less than or equal to" in reprocess.json()["error"]
    assert label.status_code == 422
    assert "label: Value error, must hold printable characters only" in label.json()["error"]


def test_times_with_their_zone_are_taken_in_rfc_3339_forms(gateway: RunningGateway) -> None:
    _send(gateway, f.binary(1))
    for since in ("2000-01-01T00:00:00Z", "2000-01-01 01:00:00.5+01:00", "2000-01-01t00:00:00z"):
        assert len(gateway.get("/api/v1/readings", since=since)["items"]) == 3
    assert gateway.get("/api/v1/frames", until="2000-01-01T00:00:00Z")["items"] == []


def test_booleans_and_numbers_beyond_64_bits_are_refused_not_taken_or_failed(
    gateway: RunningGateway,
) -> None:
    (receipt,) = _send(gateway, f.binary(1))
    with gateway.client() as client:
        booleans = client.post("/api/v1/frames/reprocess", json={"frame_ids": [True]})
        texts = client.post("/api/v1/frames/reprocess", json={"frame_ids": [str(receipt["id"])]})
        floats = client.post("/api/v1/frames/reprocess", json={"frame_ids": [1.0]})
        revoked = [client.delete(f"/api/v1/tokens/{n}") for n in (2**64, 10**30, 2**63, "1" * 5000)]
        digits = client.delete("/api/v1/tokens/\u0661")  # ARABIC-INDIC DIGIT ONE: a name
    for refused in (booleans, texts, floats):
        assert refused.status_code == 422
        assert refused.json()["error"] == "frame_ids.0: Input should be a valid integer"
    assert [answer.status_code for answer in revoked] == [404, 404, 404, 404]
    assert revoked[0].json()["error"] == f"no active token '{2**64}'"
    assert digits.status_code == 404


def test_csv_cells_a_spreadsheet_would_run_are_made_inert(gateway: RunningGateway) -> None:
    hostile = [make_field("STR", "=cmd|' /C calc'!A0"), make_field("BAT", 50)]
    _send(gateway, f.binary(1, name="=1+2", values=hostile))
    with gateway.client() as client:
        response = client.get("/api/v1/readings", params={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["node_name"], r["sensor"], r["text"], r["value"]) for r in rows] == [
        ("'=1+2", "STR", "'=cmd|' /C calc'!A0", ""),
        ("'=1+2", "BAT", "", "50"),
    ]


def test_a_line_break_inside_a_csv_cell_cannot_start_a_row(gateway: RunningGateway) -> None:
    texts = ["ok\r=1+1", "ok\n=2+2", "ok\r\n@SUM(A1)"]
    _send(gateway, f.binary(1, values=[make_field("STR", text) for text in texts]))
    with gateway.client() as client:
        response = client.get("/api/v1/readings", params={"format": "csv"})
    # the reader ends a row at any CR or LF outside quotes, as spreadsheets do
    rows = list(csv.reader(io.StringIO(response.text, newline="")))
    assert len(rows) == 1 + len(texts)
    assert [(row[3], row[6]) for row in rows[1:]] == [("STR", text) for text in texts]


def test_devices_show_counts_battery_and_never_their_keys(gateway: RunningGateway) -> None:
    _send(gateway, f.binary(1), f.binary(2, values=f.fields(battery=40)), b"<=>\x06\x05")
    with gateway.client() as client:
        client.put(
            f"/api/v1/devices/{f.SERIAL}",
            json={"keys": {"payload": f.PAYLOAD_KEY}, "label": "roof"},
        ).raise_for_status()
    devices = gateway.get("/api/v1/devices")["items"]
    assert len(devices) == 1
    device = devices[0]
    assert (device["frames"], device["errors"], device["battery"]) == (2, 0, 40.0)
    assert device["keys"] == {"payload": True, "bridge": False}
    assert device["label"] == "roof"
    assert f.PAYLOAD_KEY not in str(devices)
    with gateway.client() as client:
        assert client.get("/api/v1/devices/0000000000000042").status_code == 404


def test_adding_a_key_and_reprocessing_opens_the_waiting_frames(gateway: RunningGateway) -> None:
    receipts = _send(gateway, f.encrypted(f.binary(1)), f.encrypted(f.binary(2)))
    assert [r["status"] for r in receipts] == ["error", "error"]
    errors = gateway.get("/api/v1/frames", status="error")["items"]
    assert all("no key for serial" in e["error"] for e in errors)
    assert gateway.get(f"/api/v1/devices/{f.SERIAL}")["errors"] == 2
    with gateway.client() as client:
        client.put(
            f"/api/v1/devices/{f.SERIAL}", json={"keys": {"payload": f.PAYLOAD_KEY}}
        ).raise_for_status()
        again = client.post(
            "/api/v1/frames/reprocess", json={"frame_ids": [r["id"] for r in receipts] + [999]}
        )
    assert [r["status"] for r in again.json()] == ["ok", "ok", "missing"]
    assert len(gateway.readings(serial=f.SERIAL, sensor="TC")) == 2
    device = gateway.get(f"/api/v1/devices/{f.SERIAL}")
    assert (device["frames"], device["errors"]) == (2, 0)
    # processing again replaces readings, never doubles them
    with gateway.client() as client:
        client.post("/api/v1/frames/reprocess", json={"frame_ids": [receipts[0]["id"]]})
    assert len(gateway.readings(serial=f.SERIAL, sensor="TC")) == 2


def test_device_to_cloud_frames_open_only_on_request(gateway: RunningGateway) -> None:
    with gateway.client() as client:
        client.put(
            f"/api/v1/devices/{f.SERIAL}", json={"keys": {"payload": f.PAYLOAD_KEY}}
        ).raise_for_status()
    (receipt,) = _send(gateway, f.encrypted(f.binary(1), 100))
    assert receipt["status"] == "encrypted"
    assert gateway.readings(serial=f.SERIAL) == []
    with gateway.client() as client:
        opened = client.post(f"/api/v1/frames/{receipt['id']}/decrypt")
        missing = client.post("/api/v1/frames/4242/decrypt")
    assert opened.json()["status"] == "ok"
    assert missing.status_code == 404
    assert [r["sensor"] for r in gateway.readings(serial=f.SERIAL)] == ["TC", "HUM", "BAT"]
    frame = gateway.get(f"/api/v1/frames/{receipt['id']}")
    assert frame["data"] == f.encrypted(f.binary(1), 100).hex().upper()  # kept as received


def test_status_reports_the_pipeline(gateway: RunningGateway) -> None:
    _send(gateway, f.binary(1), f.binary(1))
    status = gateway.get("/api/v1/status")
    assert status["pipeline"]["running"] is True
    assert status["pipeline"]["by_status"] == {"ok": 1, "duplicate": 1}
    assert status["listeners"]["tcp"] == gateway.tcp_port


def test_settings_tokens_work_and_the_first_admin_token_is_not_made(tmp_path: Path) -> None:
    token = "a-configured-admin-token-000000"
    settings = make_settings(
        tmp_path, security={"tokens": [{"name": "ops", "scope": "admin", "token": token}]}
    )
    running = RunningGateway(settings)
    try:
        assert running.admin_token is None  # no token file: the settings name an admin
        assert not (settings.data_dir / ADMIN_TOKEN_FILE).exists()
        with running.client(token=token) as client:
            assert client.get("/api/v1/devices").status_code == 200
        with running.client(token=token[:-1]) as client:
            assert client.get("/api/v1/devices").status_code == 401
    finally:
        running.stop()


def test_admin_calls_take_no_http_basic_token(gateway: RunningGateway) -> None:
    """A browser may send remembered Basic credentials by itself on a form another site posts:
    calls that change things take the token as Bearer or X-Api-Key only; reads still take
    Basic."""
    token = gateway.admin_token
    assert token is not None
    basic = httpx.BasicAuth("x", token)
    refused = httpx.post(
        f"{gateway.url}/api/v1/tokens", json={"name": "forged", "scope": "admin"}, auth=basic
    )
    read = httpx.get(f"{gateway.url}/api/v1/devices", auth=basic)
    assert refused.status_code == 401
    assert read.status_code == 200
    assert "forged" not in {t.name for t in gateway.gateway.tokens.all()}
    with gateway.client() as client:
        assert (
            client.post("/api/v1/tokens", json={"name": "real", "scope": "read"}).status_code == 201
        )
