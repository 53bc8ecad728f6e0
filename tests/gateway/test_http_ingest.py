"""HTTP ingest over real loopback sockets: the Meshlium paths, the frames API, webhooks."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.gateway import frames as f
from tests.gateway.conftest import make_settings
from tests.gateway.running import RunningGateway, wait_for

DEV_EUI = "70B3D57ED0001234"


def _values(gateway: RunningGateway, serial: str = f.SERIAL) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for reading in gateway.readings(serial=serial):
        found.setdefault(reading["sensor"], []).append(reading["value"])
    return found


def test_meshlium_get_and_post_store_the_frame(gateway: RunningGateway) -> None:
    with gateway.client(token=None) as client:
        got = client.get("/getpost_frame_parser.php", params={"frame": f.binary(1).hex()})
        posted = client.post(
            "/getpost_frame_parser.php",
            content=f"frame={f.binary(2).hex().upper()}",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert got.status_code == 200
    assert got.text.startswith("ok ")
    assert posted.status_code == 200
    assert posted.text.startswith("ok ")
    assert _values(gateway) == {"TC": [21.37, 21.37], "HUM": [48.2, 48.2], "BAT": [87, 87]}
    frame = gateway.get(f"/api/v1/frames/{got.text.split()[1]}")
    assert frame["adapter"] == "meshlium"
    assert frame["remote"] == "127.0.0.1"
    assert frame["data"] == f.binary(1).hex().upper()


def test_meshlium_garbage_is_archived_and_answered_400(gateway: RunningGateway) -> None:
    with gateway.client(token=None) as client:
        response = client.get("/getpost_frame_parser.php", params={"frame": "3C3D3Ezz"})
        missing = client.get("/getpost_frame_parser.php")
    assert response.status_code == 400
    assert "not a hex frame: 'z' is not a hex digit (at character 6)" in response.text
    frame_id = int(response.text.split()[1].rstrip(":"))
    archived = gateway.get(f"/api/v1/frames/{frame_id}")
    assert archived["status"] == "error"
    assert bytes.fromhex(archived["data"]) == b"3C3D3Ezz"
    assert missing.status_code == 400
    assert "no 'frame' parameter" in missing.text


def test_frames_api_takes_hex_lines_binary_and_json(gateway: RunningGateway) -> None:
    with gateway.client(token=None) as client:
        hex_lines = client.post(
            "/api/v1/frames",
            content=f"{f.binary(1).hex()}\n# a comment\n\n{f.ascii_frame(2).hex()}\n",
            headers={"Content-Type": "text/plain"},
        )
        binary = client.post(
            "/api/v1/frames",
            content=b"noise" + f.binary(3) + f.binary(4),
            headers={"Content-Type": "application/octet-stream"},
        )
        single = client.post("/api/v1/frames", json={"frame": f.binary(5).hex()})
        batch = client.post(
            "/api/v1/frames",
            json={"frames": [f.binary(6).hex(), {"hex": f.binary(7).hex(), "meta": {"rssi": -71}}]},
        )
    assert hex_lines.status_code == 200
    assert [r["status"] for r in hex_lines.json()["frames"]] == ["ok", "ok"]
    body = binary.json()
    assert [r["status"] for r in body["frames"]] == ["error", "ok", "ok"]
    assert "5 bytes at stream offset 0 are not a frame" in body["frames"][0]["error"]
    assert (body["stored"], body["errors"]) == (2, 1)
    assert single.json()["frames"][0]["readings"] == 3
    batch_receipts = batch.json()["frames"]
    assert [r["status"] for r in batch_receipts] == ["ok", "ok"]
    assert len(_values(gateway)["TC"]) == 7
    assert gateway.get(f"/api/v1/frames/{batch_receipts[1]['id']}")["meta"] == {"rssi": -71}


@pytest.mark.parametrize(
    ("body", "content_type", "status", "message"),
    [
        (b"{not json", "application/json", 400, "$: not JSON"),
        (b'{"frames": [3]}', "application/json", 400, "frames[0]: a frame is a hex string"),
        (b'{"frames": [{"hex": "00", "x": 1}]}', "application/json", 400, "frames[0].x"),
        (b'{"other": 1}', "application/json", 400, '$: expected {"frame"'),
        (b'{"frame": "00", "n": ' + b"1" * 5000 + b"}", "application/json", 400, "$: not JSON"),
        (
            b'{"frames": ["00", {"hex": "00", "device": "a\\u0000b"}]}',
            "application/json",
            400,
            "frames[1].device: must hold printable characters only",
        ),
        (
            b'{"frame": {"hex": "00", "device": "\\ud800"}}',
            "application/json",
            400,
            "frame.device: must hold printable characters only",
        ),
        (
            b'{"frame": {"hex": "00", "counter": 18446744073709551616}}',
            "application/json",
            400,
            "frame.counter: must be from 0 to 9223372036854775807",
        ),
        (b"\n\n", "text/plain", 400, "the request holds no frame"),
        (b"abc", "image/png", 415, "send text/plain"),
    ],
)
def test_frames_api_refuses_bad_requests_naming_the_place(
    gateway: RunningGateway, body: bytes, content_type: str, status: int, message: str
) -> None:
    with gateway.client(token=None) as client:
        response = client.post(
            "/api/v1/frames", content=body, headers={"Content-Type": content_type}
        )
    assert response.status_code == status
    assert message in response.json()["error"]


def test_metadata_json_cannot_hold_is_cleaned_not_refused(gateway: RunningGateway) -> None:
    frame = f.binary(1).hex()
    body = '{"frame": {"hex": "' + frame + '", "meta": {"rssi": NaN, "gw": "\\udc80"}}}'
    with gateway.client(token=None) as client:
        response = client.post(
            "/api/v1/frames", content=body, headers={"Content-Type": "application/json"}
        )
        too_long = client.post("/api/v1/frames?device=" + "x" * 65, content=f.binary(2).hex())
    assert response.status_code == 200
    assert gateway.get("/api/v1/frames")["items"][0]["meta"] == {"rssi": None, "gw": "\ufffd"}
    assert too_long.status_code == 400
    assert too_long.json()["error"] == "device: must be 1 to 64 characters"


def test_only_bad_frames_answer_400_with_their_receipts(gateway: RunningGateway) -> None:
    with gateway.client(token=None) as client:
        response = client.post("/api/v1/frames", json={"frames": ["zz", "3C3D"]})
    assert response.status_code == 400
    assert [r["status"] for r in response.json()["frames"]] == ["error", "error"]
    assert len(gateway.get("/api/v1/frames", status="error")["items"]) == 2


def test_a_body_over_the_limit_is_refused_before_it_is_stored(tmp_path: Path) -> None:
    running = RunningGateway(make_settings(tmp_path, limits={"max_body_bytes": 1000}))
    try:
        with running.client(token=None) as client:
            response = client.post("/api/v1/frames", content="00" * 600)
            streamed = client.post(
                "/api/v1/frames",
                content=iter([b"00" * 300, b"00" * 300]),
                headers={"Content-Type": "text/plain"},
            )
        assert response.status_code == 413
        assert "over the limit of 1000 bytes" in response.json()["error"]
        assert streamed.status_code == 413
        assert running.get("/api/v1/frames")["items"] == []
    finally:
        running.stop()


def test_too_many_frames_in_one_request_are_refused_and_none_stored(tmp_path: Path) -> None:
    running = RunningGateway(
        make_settings(tmp_path, limits={"max_batch_frames": 3, "max_body_bytes": 2_000_000})
    )
    try:
        with running.client(token=None) as client:
            lines = client.post("/api/v1/frames", content="00\n" * 4)
            many = client.post("/api/v1/frames", content="00\n" * 200_000)  # parsed off the loop
            listed = client.post("/api/v1/frames", json=["00"] * 4)
            three = client.post("/api/v1/frames", content="00\n# note\n00\n\n00\n")
        for refused in (lines, many, listed):
            assert refused.status_code == 413
            assert refused.json()["error"] == (
                "more than 3 frames in one request; send them in several"
            )
        assert three.status_code == 400  # three garbage frames, archived with their errors
        assert len(running.get("/api/v1/frames")["items"]) == 3
    finally:
        running.stop()


def test_a_token_is_asked_for_before_the_body_is_read(tmp_path: Path) -> None:
    running = RunningGateway(make_settings(tmp_path, security={"ingest_token_required": True}))
    try:
        with running.client(token=None) as client:
            response = client.post(
                "/api/v1/frames", content=b"{", headers={"Content-Type": "application/json"}
            )
        assert response.status_code == 401
    finally:
        running.stop()


def _chirpstack_v4(payload: bytes, f_cnt: int, dev_eui: str = DEV_EUI) -> dict[str, Any]:
    return {
        "deduplicationId": f"3ac7e3c4-4401-4b8d-9386-a5c902f9{f_cnt:04x}",
        "time": "2026-11-21T10:00:00.120Z",
        "deviceInfo": {"devEui": dev_eui.lower(), "deviceName": "roof"},
        "devAddr": "01020304",
        "dr": 5,
        "fCnt": f_cnt,
        "fPort": 3,
        "data": base64.b64encode(payload).decode(),
        "rxInfo": [{"gatewayId": "0016c001ff10a235", "rssi": -57, "snr": 10.5}],
        "txInfo": {
            "frequency": 868100000,
            "modulation": {"lora": {"bandwidth": 125000, "spreadingFactor": 7}},
        },
    }


def _tts(payload: bytes, f_cnt: int) -> dict[str, Any]:
    return {
        "end_device_ids": {
            "device_id": "roof",
            "dev_eui": DEV_EUI,
            "application_ids": {"application_id": "plug-sense"},
        },
        "received_at": "2026-11-21T10:00:00.123456789Z",
        "uplink_message": {
            "f_port": 3,
            "f_cnt": f_cnt,
            "frm_payload": base64.b64encode(payload).decode(),
            "rx_metadata": [{"gateway_ids": {"gateway_id": "gw-1"}, "rssi": -80, "snr": 7.25}],
            "settings": {
                "data_rate": {"lora": {"bandwidth": 125000, "spreading_factor": 9}},
                "frequency": "868300000",
            },
        },
    }


def _webhook_gateway(tmp_path: Path, **values: Any) -> tuple[RunningGateway, str]:
    running = RunningGateway(make_settings(tmp_path, **values))
    with running.client() as client:
        token = client.post("/api/v1/tokens", json={"name": "lns", "scope": "ingest"})
        client.put(
            f"/api/v1/devices/{f.SERIAL}", json={"aliases": [f"lorawan:{DEV_EUI}"]}
        ).raise_for_status()
    return running, token.json()["token"]


def test_lorawan_tiny_frames_reassemble_into_a_complete_set(tmp_path: Path) -> None:
    running, token = _webhook_gateway(tmp_path)
    try:
        parts = f.tiny_parts(sequence=7)
        assert len(parts) >= 3
        headers = {"Authorization": f"Bearer {token}"}
        with running.client(token=None) as client:
            for n, part in enumerate(parts):
                response = client.post(
                    "/api/v1/webhooks/lorawan/chirpstack",
                    params={"event": "up"},
                    json=_chirpstack_v4(part, 40 + n),
                    headers=headers,
                )
                assert response.status_code == 200, response.text
                assert response.json()["frames"][0]["serial"] == f.SERIAL
        sets = wait_for(
            lambda: [s for s in running.get("/api/v1/sets")["items"] if s["status"] != "open"]
        )
        assert [(s["status"], s["parts"], s["counters"]) for s in sets] == [
            ("complete", len(parts), [40 + n for n in range(len(parts))])
        ]
        values = _values(running)
        assert values == {"TC": [19.5], "HUM": [61], "PRES": [101325], "BAT": [76]}
        frame = running.get("/api/v1/frames", order="asc")["items"][0]
        assert frame["device"] == f"lorawan:{DEV_EUI}"
        assert frame["counter"] == 40
        assert frame["meta"]["rssi"] == -57
        assert frame["set_id"] == sets[0]["id"]
    finally:
        running.stop()


def test_a_lost_tiny_part_makes_the_set_partial(tmp_path: Path) -> None:
    running, token = _webhook_gateway(tmp_path)
    try:
        parts = f.tiny_parts(sequence=9)
        headers = {"Authorization": f"Bearer {token}"}
        with running.client(token=None) as client:
            for n, part in enumerate(parts):
                if n == 1:
                    continue  # lost on the air: FCnt 51 never arrives
                client.post(
                    "/api/v1/webhooks/lorawan/tts", json=_tts(part, 50 + n), headers=headers
                ).raise_for_status()
        sets = wait_for(
            lambda: [s for s in running.get("/api/v1/sets")["items"] if s["status"] != "open"]
        )
        assert sets[0]["status"] == "partial"
        assert sets[0]["counters"] == [50] + [50 + n for n in range(2, len(parts))]
    finally:
        running.stop()


def test_expected_sensors_name_what_a_partial_set_misses(tmp_path: Path) -> None:
    running, token = _webhook_gateway(tmp_path)
    try:
        with running.client() as client:
            client.put(
                f"/api/v1/devices/{f.SERIAL}",
                json={"expected_sensors": ["TC", "HUM", "PRES", "BAT"]},
            ).raise_for_status()
        parts = f.tiny_parts(sequence=11)
        headers = {"Authorization": f"Bearer {token}"}
        with running.client(token=None) as client:
            client.post(
                "/api/v1/webhooks/lorawan/auto",
                params={"event": "up"},
                json=_chirpstack_v4(parts[0], 60),
                headers=headers,
            ).raise_for_status()
        sets = wait_for(
            lambda: [s for s in running.get("/api/v1/sets")["items"] if s["status"] != "open"]
        )
        first_part_sensors = {r["sensor"] for r in running.readings(serial=f.SERIAL)}
        assert sets[0]["status"] == "partial"
        assert sets[0]["missing"] == sorted({"TC", "HUM", "PRES", "BAT"} - first_part_sensors)
    finally:
        running.stop()


def test_lorawan_redelivery_is_a_duplicate_and_other_events_are_ignored(tmp_path: Path) -> None:
    running, token = _webhook_gateway(tmp_path)
    try:
        headers = {"Authorization": f"Bearer {token}"}
        body = _chirpstack_v4(f.binary(3), 70)
        with running.client(token=None) as client:
            first = client.post(
                "/api/v1/webhooks/lorawan/chirpstack", json=body, headers=headers
            ).json()
            again = client.post(
                "/api/v1/webhooks/lorawan/chirpstack", json=body, headers=headers
            ).json()
            join = client.post(
                "/api/v1/webhooks/lorawan/chirpstack",
                params={"event": "join"},
                json={"deviceInfo": {"devEui": DEV_EUI}},
                headers=headers,
            )
            bad = client.post(
                "/api/v1/webhooks/lorawan/chirpstack",
                json={**body, "fPort": "three"},
                headers=headers,
            )
            unknown = client.post("/api/v1/webhooks/lorawan/lorix", json=body, headers=headers)
        assert first["frames"][0]["status"] == "ok"
        assert again["frames"][0]["status"] == "duplicate"
        assert join.status_code == 204
        assert bad.status_code == 400
        assert bad.json()["error"].startswith("fPort:")
        assert unknown.status_code == 404
    finally:
        running.stop()


def test_webhooks_need_an_ingest_token(tmp_path: Path) -> None:
    running, token = _webhook_gateway(tmp_path)
    try:
        body = _chirpstack_v4(f.binary(3), 70)
        with running.client(token=None) as client:
            none = client.post("/api/v1/webhooks/lorawan/chirpstack", json=body)
            wrong = client.post(
                "/api/v1/webhooks/lorawan/chirpstack",
                json=body,
                headers={"Authorization": "Bearer opk_nope"},
            )
            basic = client.post(
                "/api/v1/webhooks/lorawan/tts",
                json=_tts(f.binary(4), 71),
                auth=("plug-sense@ttn", token),
            )
            query = client.post("/api/v1/webhooks/sms", params={"token": token}, json={})
        assert none.status_code == 401
        assert wrong.status_code == 401
        assert basic.status_code == 200
        assert query.status_code == 400  # authorised, then refused for its empty body
        assert "body" in query.json()["error"]
        assert len(running.get("/api/v1/frames")["items"]) == 1
    finally:
        running.stop()


def test_sigfox_callbacks_by_get_and_post(tmp_path: Path) -> None:
    running, _ = _webhook_gateway(tmp_path, security={"webhook_token_required": False})
    try:
        parts = f.tiny_parts(sequence=12, size=12)
        with running.client(token=None) as client:
            got = client.get(
                "/api/v1/webhooks/sigfox",
                params={
                    "device": "1a2b3c",
                    "data": parts[0].hex(),
                    "time": 1763719200,
                    "seqNumber": 5,
                },
            )
            posted = client.post(
                "/api/v1/webhooks/sigfox",
                json={"device": "1A2B3C", "data": parts[1].hex(), "seqNumber": 6, "rssi": -120.5},
            )
            too_long = client.post(
                "/api/v1/webhooks/sigfox", json={"device": "1A2B3C", "data": "00" * 13}
            )
            huge = client.post(
                "/api/v1/webhooks/sigfox",
                content=b'{"device": "1A2B3C", "data": "00", "x": ' + b"9" * 5000 + b"}",
                headers={"Content-Type": "application/json"},
            )
        assert huge.status_code == 400
        assert huge.json()["error"].startswith("$: not JSON (Exceeds the limit")
        assert got.status_code == posted.status_code == 200
        assert too_long.status_code == 400
        assert too_long.json()["error"].startswith("data:")
        readings = running.readings(serial="1A2B3C")
        assert {r["sensor"] for r in readings} >= {"TC", "HUM"}
        frame = running.get("/api/v1/frames", order="asc")["items"][0]
        assert (frame["device"], frame["counter"], frame["adapter"]) == (
            "sigfox:1A2B3C",
            5,
            "sigfox",
        )
    finally:
        running.stop()


def test_sms_webhook_takes_twilio_and_json_bodies(tmp_path: Path) -> None:
    running, _ = _webhook_gateway(tmp_path, security={"webhook_token_required": False})
    try:
        with running.client(token=None) as client:
            twilio = client.post(
                "/api/v1/webhooks/sms",
                data={"From": "+34600000000", "Body": f.ascii_frame(1).hex().upper()},
            )
            plain = client.post(
                "/api/v1/webhooks/sms", json={"from": "+34600000001", "text": f.binary(2).hex()}
            )
            not_hex = client.post("/api/v1/webhooks/sms", json={"text": "hello there"})
        assert twilio.json()["frames"][0]["status"] == "ok"
        assert plain.json()["frames"][0]["status"] == "ok"
        assert not_hex.status_code == 400
        assert len(_values(running)["TC"]) == 2
    finally:
        running.stop()


def test_a_device_with_its_own_ingest_token_needs_it(tmp_path: Path) -> None:
    running = RunningGateway(make_settings(tmp_path))
    try:
        with running.client() as client:
            client.put(
                f"/api/v1/devices/{f.SERIAL}", json={"ingest_token": "only-this-device-token"}
            ).raise_for_status()
        with running.client(token=None) as client:
            refused = client.get("/getpost_frame_parser.php", params={"frame": f.binary(1).hex()})
            accepted = client.get(
                "/getpost_frame_parser.php",
                params={"frame": f.binary(1).hex(), "token": "only-this-device-token"},
            )
            other = client.get(
                "/getpost_frame_parser.php",
                params={"frame": f.binary(1, serial="0011223344556677").hex()},
            )
        assert refused.status_code == 401
        assert f"device {f.SERIAL} sends frames with its own ingest token" in refused.text
        assert accepted.status_code == 200
        assert other.status_code == 200
        assert len(running.get("/api/v1/frames")["items"]) == 2
    finally:
        running.stop()


def test_a_device_token_opens_a_closed_gateway_for_its_own_frames(tmp_path: Path) -> None:
    running = RunningGateway(make_settings(tmp_path, security={"ingest_token_required": True}))
    try:
        with running.client() as client:
            client.put(
                f"/api/v1/devices/{f.SERIAL}", json={"ingest_token": "only-this-device-token"}
            ).raise_for_status()
        with running.client(token="only-this-device-token") as client:
            own = client.get("/getpost_frame_parser.php", params={"frame": f.binary(1).hex()})
            other = client.get(
                "/getpost_frame_parser.php",
                params={"frame": f.binary(1, serial="0011223344556677").hex()},
            )
        assert own.status_code == 200
        assert other.status_code == 401
        assert "the token is device " + f.SERIAL + "'s own" in other.text
    finally:
        running.stop()


def test_ingest_token_required_closes_the_node_paths(tmp_path: Path) -> None:
    running = RunningGateway(make_settings(tmp_path, security={"ingest_token_required": True}))
    try:
        with running.client(token=None) as client:
            refused = client.post("/api/v1/frames", json={"frame": f.binary(1).hex()})
        with running.client() as client:  # an admin token may ingest too
            accepted = client.post("/api/v1/frames", json={"frame": f.binary(1).hex()})
        assert refused.status_code == 401
        assert accepted.status_code == 200
    finally:
        running.stop()


def test_health_and_openapi(gateway: RunningGateway) -> None:
    with httpx.Client(base_url=gateway.url) as client:
        health = client.get("/healthz")
        schema = client.get("/openapi.json").json()
    assert health.json() == {"status": "ok"}
    paths = set(schema["paths"])
    assert {
        "/getpost_frame_parser.php",
        "/api/v1/frames",
        "/api/v1/readings",
        "/api/v1/devices",
        "/api/v1/webhooks/lorawan/{dialect}",
        "/api/v1/webhooks/sigfox",
        "/api/v1/webhooks/sms",
    } <= paths
    assert json.dumps(schema["paths"]["/api/v1/readings"]).count("since") >= 1
