"""The Cloud Bridge's path on the gateway: a node programmed for the Libelium Cloud Bridge
reaches an openpcs gateway with GET /hw/ps?frame=HEX and its API key as a Bearer token."""

from __future__ import annotations

from pathlib import Path

from tests.gateway import frames as f
from tests.gateway.conftest import make_settings
from tests.gateway.running import RunningGateway


def test_the_cloud_bridge_path_takes_the_node_s_api_key_as_its_own_token(
    tmp_path: Path,
) -> None:
    """A node programmed for the Libelium Cloud Bridge sends GET /hw/ps?frame=HEX with its API
    key as a Bearer token: given that key as the device's own ingest token, the gateway takes
    its frames from it alone."""
    running = RunningGateway(make_settings(tmp_path, security={"ingest_token_required": True}))
    api_key = "cloud-bridge-api-key-of-this-node"
    try:
        with running.client() as client:
            client.put(f"/api/v1/devices/{f.SERIAL}", json={"ingest_token": api_key})
        with running.client(token=None) as client:
            keyless = client.get("/hw/ps", params={"frame": f.binary(1).hex()})
        with running.client(token=api_key) as client:
            own = client.get("/hw/ps", params={"frame": f.binary(1).hex()})
            other = client.get(
                "/hw/ps", params={"frame": f.binary(1, serial="0011223344556677").hex()}
            )
            missing = client.get("/hw/ps")
        assert keyless.status_code == 401
        assert own.status_code == 200
        assert own.text.startswith("ok ")
        assert other.status_code == 401
        assert missing.status_code == 400
        frame = running.get(f"/api/v1/frames/{own.text.split()[1]}")
        assert frame["adapter"] == "cloud-bridge"
        assert _readings(running) == {"TC": [21.37], "HUM": [48.2], "BAT": [87]}
    finally:
        running.stop()


def _readings(gateway: RunningGateway) -> dict[str, list[object]]:
    found: dict[str, list[object]] = {}
    for reading in gateway.readings(serial=f.SERIAL):
        found.setdefault(reading["sensor"], []).append(reading["value"])
    return found
