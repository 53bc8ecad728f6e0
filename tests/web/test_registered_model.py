"""A device is programmed as the model it is registered as: building it, or batching it, as
another model is refused with a message naming both, and nothing is built or saved."""

from __future__ import annotations

import httpx

from tests.web.test_api import NODE, SERIAL, register


def test_compiling_a_device_as_another_model_is_refused(admin: httpx.Client) -> None:
    register(admin, model="smart_water")
    refused = admin.post("/api/v1/pcs/program", json=NODE)
    assert refused.status_code == 422, refused.text  # with the check's findings, all of them
    assert refused.json()["errors"] == [
        {
            "path": "model",
            "message": f"{SERIAL} is registered as Smart Water; this configuration is for "
            "Smart Agriculture",
            "rule": "registry",
        }
    ]
    assert admin.get(f"/api/v1/pcs/devices/{SERIAL}/programs").json() == []
    assert admin.get(f"/api/v1/pcs/devices/{SERIAL}/config").status_code == 404


def test_check_says_the_registered_model_as_compile_does(admin: httpx.Client) -> None:
    """ "Check configuration" never says Valid where "Compile" would refuse the model."""
    register(admin, model="smart_water")
    report = admin.post("/api/v1/pcs/check", json=NODE).json()
    assert {
        "path": "model",
        "message": f"{SERIAL} is registered as Smart Water; this "
        "configuration is for Smart Agriculture",
    }.items() <= report["errors"][0].items()
    register(admin, "1A2B3C4D5E6F7082", model="smart_agriculture")
    fine = admin.post("/api/v1/pcs/check", json=NODE | {"serial": "1A2B3C4D5E6F7082"}).json()
    assert fine["errors"] == []
    unregistered = admin.post("/api/v1/pcs/check", json=NODE | {"serial": "1A2B3C4D5E6F7083"})
    assert unregistered.json()["errors"] == []  # a node may be checked before it is registered


def test_batching_a_device_as_another_model_is_refused(admin: httpx.Client) -> None:
    admin.put("/api/v1/pcs/licence", json={"licence": "elite"})
    other = "1A2B3C4D5E6F7082"
    register(admin)
    register(admin, other, model="smart_water")
    template = {key: value for key, value in NODE.items() if key not in ("serial", "node_name")}
    assert admin.put("/api/v1/pcs/templates/t", json=template).status_code == 200
    expected = (
        f"template: {other} is registered as Smart Water; the template 't' is for Smart Agriculture"
    )
    for request in (
        {"template": "t", "serials": [SERIAL, other]},
        {"template": "t", "csv": f"serial,radio.dev_eui\n{other},0004A30B001C0531\n"},
    ):
        refused = admin.post("/api/v1/pcs/batches", json=request)
        assert refused.status_code == 400, refused.text
        assert refused.json() == {"error": expected, "path": "template"}
    assert admin.get("/api/v1/pcs/batches").json() == []
