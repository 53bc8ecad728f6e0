"""Every rule fires on a configuration that breaks it and stays quiet on one that does not.

Each case is (rule, configuration, severity, path): with a path the rule must report exactly
that path with that severity; with ``None`` it must report nothing of that severity.
"""

from __future__ import annotations

from typing import Any

import pytest

from openpcs.config.rules import registered_rules
from tests.config.helpers import LORAWAN_ABP, LORAWAN_OTAA, XBEE_802, config, findings, paths

E, W = "error", "warning"
CERT_MISSING = {"type": "https", "host": "example.org", "port": 443, "path": "/in"}
SMART_WATER = {"model": "smart_water", "sockets": {"D": "water_temperature"}}
IONS = {"model": "smart_water_ions_pro"}
SECURITY = {"model": "smart_security"}
CITIES = {"model": "smart_cities_pro"}
AGRI = {"model": "smart_agriculture"}
AGR_XTR = {"model": "smart_agriculture_xtreme"}
WTR_XTR = {"model": "smart_water_xtreme"}
PH_CAL = {"point_10": 2.0, "point_7": 2.5, "point_4": 3.0, "temperature": 22.0}
ION_POINTS = [{"ppm": 10, "volts": 2.1}, {"ppm": 100, "volts": 2.3}, {"ppm": 1000, "volts": 2.5}]
WIFI = {"type": "wifi", "essid": "plant-ap", "security": "wpa2", "password": "correct horse"}
G4 = {"type": "4g", "region": "eu_br", "apn": "internet"}


def radio(**changes: Any) -> dict[str, Any]:
    return {**XBEE_802, **changes}


CASES: list[tuple[str, dict[str, Any], str, str | None]] = [
    # 1. serial and node name
    ("serial", config(serial="3F5A1C0B7E2D4A9"), E, "serial"),
    ("serial", config(serial="3F5A1C0B7E2D4A9G"), E, "serial"),
    ("serial", config(), E, None),
    ("serial", config(serial=None), W, "serial"),
    ("node-name", config(node_name="x" * 17), E, "node_name"),
    ("node-name", config(node_name="a#b", radio=LORAWAN_ABP, destination=None), E, "node_name"),
    ("node-name", config(node_name="node_001", radio=LORAWAN_ABP, destination=None), E, None),
    ("node-name", config(node_name="node_001"), W, "node_name"),  # payload cost on 802.15.4
    ("node-name", config(node_name="node_001", radio=LORAWAN_ABP, destination=None), W, None),
    # 2. model and probes
    ("model", config(model="smart_enviroment_pro"), E, "model"),
    ("model", config(), E, None),
    ("probe-offered", config(sockets={"D": "bme280"}), E, "sockets.D.probe"),
    ("probe-offered", config(sockets={"A": "gas_coo"}), E, "sockets.A.probe"),
    ("probe-offered", config(**CITIES, sockets={"A": "gas_co"}), E, "sockets.A.probe"),
    ("probe-offered", config(**CITIES, sockets={"B": "gas_co", "A": "noise"}), E, None),
    ("probe-offered", config(model="ambient_control", sockets={"A": "bme280"}), E, "sockets"),
    ("probe-repetition", config(sockets={"A": "gas_co", "B": "gas_co"}), E, "sockets.B.probe"),
    ("probe-repetition", config(sockets={"A": "gas_co", "B": "gas_no2"}), E, None),
    (
        "probe-repetition",
        config(**SECURITY, sockets={"A": "luxes", "C": "luxes"}),
        E,
        "sockets.C.probe",
    ),
    (
        "probe-repetition",
        config(**AGRI, sockets={"B": "soil_moisture", "C": "soil_moisture", "E": "soil_moisture"}),
        E,
        None,
    ),
    (
        "probe-repetition",
        config(**AGR_XTR, sockets={"A": "decagon_5te", "B": "decagon_5te"}),
        E,
        None,
    ),
    # 3. calibration and probe parameters
    (
        "calibration",
        config(**SMART_WATER | {"sockets": {"A": "ph"}}),
        E,
        "sockets.A.calibration.point_10",
    ),
    (
        "calibration",
        config(model="smart_water", sockets={"A": {"probe": "ph", "calibration": PH_CAL}}),
        E,
        None,
    ),
    (
        "calibration",
        config(
            model="smart_water",
            sockets={"A": {"probe": "ph", "calibration": {**PH_CAL, "point_7": 9.0}}},
        ),
        E,
        "sockets.A.calibration.point_7",
    ),
    (
        "calibration",
        config(
            model="smart_water",
            sockets={"A": {"probe": "ph", "calibration": {**PH_CAL, "point7": 2.5}}},
        ),
        E,
        "sockets.A.calibration.point7",
    ),
    ("calibration", config(model="smart_water", sockets={"E": "orp"}), E, None),  # offset optional
    ("calibration", config(**IONS, sockets={"A": "ion_calcium"}), E, "sockets.A.points"),
    (
        "calibration",
        config(**IONS, sockets={"A": {"probe": "ion_calcium", "points": ION_POINTS}}),
        E,
        None,
    ),
    (
        "calibration",
        config(**IONS, sockets={"A": {"probe": "ion_calcium", "points": ION_POINTS[::-1]}}),
        E,
        "sockets.A.points[1].ppm",
    ),
    (
        "calibration",
        config(**IONS, sockets={"A": {"probe": "ion_calcium", "points": ION_POINTS[:2]}}),
        E,
        "sockets.A.points",
    ),
    (
        "calibration",
        config(sockets={"A": {"probe": "gas_co", "calibration": PH_CAL}}),
        E,
        "sockets.A",
    ),
    (
        "xtreme-calibration",
        config(**WTR_XTR, sockets={"B": {"probe": "aqualabo_optod", "calibrate": True}}),
        E,
        "sockets.B.calibrate",
    ),
    (
        "xtreme-calibration",
        config(**WTR_XTR, sockets={"E": {"probe": "aqualabo_optod", "calibrate": True}}),
        E,
        None,
    ),
    (
        "xtreme-calibration",
        config(**WTR_XTR, sockets={"E": {"probe": "aqualabo_optod", "calibrate": True}}),
        W,
        "sockets.E.calibrate",
    ),
    (
        "xtreme-calibration",
        config(**WTR_XTR, sockets={"A": {"probe": "vegapuls_c21", "calibrate": True}}),
        E,
        "sockets.A.calibrate",
    ),
    (
        "radiation-period",
        config(model="radiation_control", sockets={}),
        E,
        "radiation.measuring_period_ms",
    ),
    (
        "radiation-period",
        config(model="radiation_control", sockets={}, radiation={"measuring_period_ms": 60000}),
        E,
        None,
    ),
    (
        "radiation-period",
        config(model="radiation_control", sockets={}, radiation={"measuring_period_ms": 10}),
        E,
        "radiation.measuring_period_ms",
    ),
    ("radiation-period", config(radiation={"measuring_period_ms": 60000}), E, "radiation"),
    # 4. Smart Security
    (
        "events",
        config(**SECURITY, sockets={"A": {"probe": "pir", "event": "wake_up_relay"}}),
        E,
        "sockets.A.event",
    ),
    (
        "events",
        config(
            **SECURITY,
            sockets={"A": {"probe": "pir", "event": "wake_up_relay"}, "F": "relay"},
            relay={"mode": "until_clear"},
        ),
        E,
        None,
    ),
    (
        "events",
        config(**SECURITY, sockets={"A": {"probe": "luxes", "event": "wake_up"}}),
        E,
        "sockets.A.event",
    ),
    (
        "relay",
        config(**SECURITY, sockets={"F": "relay"}, relay={"mode": "timeout"}),
        E,
        "relay.timeout_s",
    ),
    (
        "relay",
        config(**SECURITY, sockets={"F": "relay"}, relay={"mode": "timeout", "timeout_s": 30}),
        E,
        None,
    ),
    ("relay", config(**SECURITY, sockets={"A": "pir"}, relay={"mode": "until_clear"}), E, "relay"),
    ("relay", config(**SECURITY, sockets={"F": "relay"}), E, "relay"),
    ("probe-offered", config(**SECURITY, sockets={"C": "relay"}), E, "sockets.C.probe"),
    (
        "event-power",
        config(
            **SECURITY,
            sockets={
                "A": {"probe": "pir", "event": "wake_up"},
                "C": {"probe": "hall", "event": "disabled"},
            },
        ),
        W,
        "sockets.C.event",
    ),
    (
        "event-power",
        config(
            **SECURITY,
            sockets={
                "A": {"probe": "pir", "event": "wake_up"},
                "C": {"probe": "hall", "event": "wake_up"},
            },
        ),
        W,
        None,
    ),
    # 5. industrial protocol
    (
        "industrial-licence",
        config(licence="basic", industrial={"protocol": "canbus", "operations": ["engine_rpm"]}),
        E,
        "industrial",
    ),
    (
        "industrial-licence",
        config(industrial={"protocol": "canbus", "operations": ["engine_rpm"]}),
        E,
        None,
    ),
    (
        "industrial",
        config(
            industrial={"protocol": "modbus_rs485", "reads": [{"slave": 0, "start_register": 0}]}
        ),
        E,
        "industrial.reads[0].slave",
    ),
    (
        "industrial",
        config(
            industrial={
                "protocol": "modbus_rs485",
                "reads": [{"slave": 17, "start_register": 0, "count": 3}],
            }
        ),
        E,
        "industrial.reads[0].count",
    ),
    (
        "industrial",
        config(
            industrial={
                "protocol": "modbus_rs232",
                "reads": [{"slave": 17, "start_register": 70000}],
            }
        ),
        E,
        "industrial.reads[0].start_register",
    ),
    (
        "industrial",
        config(
            industrial={
                "protocol": "modbus_rs232",
                "reads": [{"slave": 1, "start_register": 1}] * 4,
            }
        ),
        E,
        "industrial.reads",
    ),
    (
        "industrial",
        config(
            industrial={
                "protocol": "modbus_rs232",
                "baud_rate": 9601,
                "reads": [{"slave": 1, "start_register": 1}],
            }
        ),
        E,
        "industrial.baud_rate",
    ),
    (
        "industrial",
        config(
            industrial={
                "protocol": "modbus_rs232",
                "reads": [{"slave": 17, "start_register": 0, "count": 2}],
            }
        ),
        E,
        None,
    ),
    (
        "industrial",
        config(industrial={"protocol": "canbus", "operations": ["engine_rmp"]}),
        E,
        "industrial.operations[0]",
    ),
    (
        "industrial",
        config(industrial={"protocol": "canbus", "speed_kbps": 300, "operations": ["fuel_level"]}),
        E,
        "industrial.speed_kbps",
    ),
    (
        "industrial",
        config(industrial={"protocol": "canbus", "operations": ["fuel_level", "fuel_rate"]}),
        E,
        None,
    ),
    # 6. GPS
    ("gps", config(gps={"timeout_s": 0, "fields": ["location"]}), E, "gps.timeout_s"),
    ("gps", config(gps={"timeout_s": 60, "fields": []}), E, "gps.fields"),
    ("gps", config(gps={"timeout_s": 60, "fields": ["latitude"]}), E, "gps.fields[0]"),
    ("gps", config(gps={"timeout_s": 60, "fields": ["location", "speed"]}), E, None),
    (
        "gps",
        config(
            gps={"timeout_s": 60},
            radio={**G4, "region": "australia"},
            destination={"type": "tcp", "host": "10.0.0.1", "port": 9000},
        ),
        E,
        "gps",
    ),
    (
        "gps",
        config(
            gps={"timeout_s": 60},
            radio=G4,
            destination={"type": "tcp", "host": "10.0.0.1", "port": 9000},
        ),
        E,
        None,
    ),
    # 7. sleep and watchdog
    ("sleep", config(sleep={"minutes": 0}), E, "sleep"),
    ("sleep", config(sleep={"days": 31, "minutes": 1}), E, "sleep.days"),
    ("sleep", config(sleep={"minutes": 61}), E, "sleep.minutes"),
    ("sleep", config(sleep={"minutes": 5}), W, "sleep"),
    ("sleep", config(sleep={"minutes": 15}), W, None),
    ("watchdog", config(sleep={"minutes": 15}, watchdog={"minutes": 25}), E, "watchdog.minutes"),
    ("watchdog", config(sleep={"minutes": 15}, watchdog={"minutes": 26}), E, None),
    ("watchdog", config(sleep={"days": 30}, watchdog={"minutes": 43199}), E, "watchdog"),
    ("watchdog", config(sleep={"hours": 1}, watchdog={"minutes": 43200}), E, "watchdog.minutes"),
    # 8. battery thresholds
    ("battery-warning", config(battery_warning={"thresholds": [60, 40, 20]}), E, None),
    (
        "battery-warning",
        config(battery_warning={"thresholds": [40, 60, 20]}),
        E,
        "battery_warning.thresholds[1]",
    ),
    (
        "battery-warning",
        config(battery_warning={"thresholds": [120, 40, 20]}),
        E,
        "battery_warning.thresholds[0]",
    ),
    (
        "battery-warning",
        config(battery_warning={"thresholds": [60, 40]}),
        E,
        "battery_warning.thresholds",
    ),
    # 9. radios
    ("radio", config(radio=radio(mac="0013A2004133471")), E, "radio.mac"),
    ("radio", config(radio=radio(mac="0014A2004133471A")), E, "radio.mac"),
    ("radio", config(radio=radio(attempts=0)), E, "radio.attempts"),
    ("radio", config(radio=radio(pan_id="12345")), E, "radio.pan_id"),
    ("radio", config(radio=radio(channel=0x1A)), E, "radio.channel"),
    ("radio", config(radio=radio(channel="0x17")), E, None),
    ("radio", config(radio=radio(channel=23)), E, None),  # 23 = 0x17
    ("radio", config(radio=radio(channel="17")), E, "radio.channel"),  # decimal or hex? ask
    ("radio", config(radio=radio(channel="0xZZ")), E, "radio.channel"),
    ("radio", config(radio=radio(link_key="short")), E, "radio.link_key"),
    ("radio", config(radio=radio(link_key="0123456789ABCDEF")), E, None),
    (
        "radio",
        config(
            radio={
                "type": "xbee_900hp",
                "region": "us",
                "mac": "0013A2004133471A",
                "pan_id": "7FFF",
                "channel_mask": "0000000000FFFFFF",
            }
        ),
        E,
        "radio.channel_mask",
    ),
    (
        "radio",
        config(
            radio={
                "type": "xbee_900hp",
                "region": "us",
                "mac": "0013A2004133471A",
                "pan_id": "7FFF",
                "channel_mask": "00FFFFFFFFFFFFFF",
                "preamble": 9,
            }
        ),
        E,
        "radio.preamble",
    ),
    (
        "radio",
        config(
            radio={
                "type": "xbee_868lp",
                "mac": "0013A2004133471A",
                "pan_id": "7FFF",
                "channel_mask": "7FFFFFFF",
            }
        ),
        E,
        "radio.channel_mask",
    ),
    (
        "radio",
        config(
            radio={
                "type": "xbee_868lp",
                "mac": "0013A2004133471A",
                "pan_id": "7FFF",
                "channel_mask": "3FFFFFFF",
            }
        ),
        E,
        None,
    ),
    (
        "radio",
        config(
            radio={
                "type": "xbee_zigbee3",
                "mac": "0013A2004133471A",
                "extended_pan_id": "12",
                "channel_mask": "7FFF",
            },
            destination={"type": "zigbee_receiver"},
        ),
        E,
        "radio.extended_pan_id",
    ),
    (
        "radio",
        config(radio={**G4, "pin": "12a4"}, destination={"type": "sms", "phone": "+34600000000"}),
        E,
        "radio.pin",
    ),
    (
        "radio",
        config(radio={**G4, "apn": ""}, destination={"type": "sms", "phone": "+34600000000"}),
        E,
        "radio.apn",
    ),
    (
        "radio",
        config(
            radio={**WIFI, "password": "short"},
            destination={"type": "tcp", "host": "h.example", "port": 1},
        ),
        E,
        "radio.password",
    ),
    (
        "radio",
        config(
            radio={**WIFI, "security": "wep64", "password": "0123456789"},
            destination={"type": "tcp", "host": "h.example", "port": 1},
        ),
        E,
        None,
    ),
    (
        "radio",
        config(
            radio={**WIFI, "security": "wep128", "password": "0123456789"},
            destination={"type": "tcp", "host": "h.example", "port": 1},
        ),
        E,
        "radio.password",
    ),
    (
        "radio",
        config(
            radio={
                **WIFI,
                "ip": {
                    "method": "static",
                    "address": "10.0.0.300",
                    "dns": "10.0.0.1",
                    "gateway": "10.0.0.1",
                    "netmask": "255.255.255.0",
                },
            },
            destination={"type": "tcp", "host": "h.example", "port": 1},
        ),
        E,
        "radio.ip.address",
    ),
    (
        "radio",
        config(
            radio={
                **WIFI,
                "ip": {
                    "method": "static",
                    "address": "10.0.0.20",
                    "dns": "10.0.0.1",
                    "gateway": "10.0.0.1",
                    "netmask": "255.0.255.0",
                },
            },
            destination={"type": "tcp", "host": "h.example", "port": 1},
        ),
        E,
        "radio.ip.netmask",
    ),
    (
        "industrial",
        config(
            licence="elite",
            model="smart_agriculture_xtreme",
            sockets={"A": "bme280"},
            industrial={"protocol": "canbus", "operations": ["engine_rpm"]},
        ),
        E,
        "industrial",
    ),
    ("radio", config(radio={**LORAWAN_ABP, "port": 224}, destination=None), E, "radio.port"),
    (
        "radio",
        config(radio={**LORAWAN_ABP, "region": "jp_kr"}, destination=None),
        E,
        "radio.band",
    ),
    (
        "radio",
        config(radio={**LORAWAN_ABP, "region": "jp_kr", "band": "kr920"}, destination=None),
        E,
        None,
    ),
    ("radio", config(radio={**LORAWAN_ABP, "band": "as923"}, destination=None), W, "radio.band"),
    (
        "radio",
        config(radio={**LORAWAN_ABP, "nwk_skey": "00112233"}, destination=None),
        E,
        "radio.nwk_skey",
    ),
    (
        "radio",
        config(radio={**LORAWAN_ABP, "dev_addr": None}, destination=None),
        E,
        "radio.dev_addr",
    ),
    ("radio", config(radio=LORAWAN_OTAA, destination=None), E, None),
    (
        "radio",
        config(
            radio={**LORAWAN_OTAA, "app_key": "G0112233445566778899AABBCCDDEEFF"}, destination=None
        ),
        E,
        "radio.app_key",
    ),
    (
        "radio",
        config(radio={**LORAWAN_OTAA, "data_rate": 7}, destination=None),
        E,
        "radio.data_rate",
    ),
    # 10. destinations
    (
        "destination",
        config(destination={"type": "http", "host": "example.org"}),
        E,
        "destination.type",
    ),
    ("destination", config(destination=None), E, "destination.type"),
    ("destination", config(radio=LORAWAN_ABP), E, "destination"),
    ("destination", config(radio=LORAWAN_ABP, destination=None), E, None),
    (
        "destination",
        config(radio=WIFI, destination={**CERT_MISSING, "certificate": ""}),
        E,
        "destination.certificate",
    ),
    (
        "destination",
        config(
            radio=WIFI,
            destination={
                **CERT_MISSING,
                "certificate": "-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----\n",
            },
        ),
        E,
        "destination.certificate",
    ),
    (
        "destination",
        config(radio=G4, destination={"type": "meshlium", "host": "gw.example.org", "port": 443}),
        E,
        "destination.certificate",
    ),
    (
        "destination",
        config(
            radio=G4, destination={"type": "http", "host": "bad host", "port": 80, "path": "/x"}
        ),
        E,
        "destination.host",
    ),
    (
        "destination",
        config(
            radio=G4, destination={"type": "http", "host": "example.org", "port": 80, "path": "x"}
        ),
        E,
        "destination.path",
    ),
    (
        "destination",
        config(radio=G4, destination={"type": "tcp", "host": "example.org", "port": 70000}),
        E,
        "destination.port",
    ),
    (
        "destination",
        config(radio=G4, destination={"type": "sms", "phone": "600 000 000"}),
        E,
        "destination.phone",
    ),
    (
        "destination",
        config(radio=G4, destination={"type": "sms", "phone": "+34600000000"}),
        E,
        None,
    ),
    (
        "destination",
        config(radio=WIFI, destination={"type": "sms", "phone": "+34600000000"}),
        E,
        "destination.type",
    ),
    ("destination", config(radio=G4, destination={"type": "cloud_bridge"}), E, "destination.key"),
    (
        "destination",
        config(
            radio={
                "type": "xbee_zigbee3",
                "mac": "0013A2004133471A",
                "extended_pan_id": "0011223344556677",
                "channel_mask": "7FFF",
            },
            destination={"type": "meshlium"},
        ),
        E,
        "destination.type",
    ),
    # 11. encryption
    (
        "encryption",
        config(
            radio=LORAWAN_ABP,
            destination=None,
            encryption={"mode": "device_to_cloud", "key": "0123456789ABCDEF"},
        ),
        E,
        "encryption.mode",
    ),
    (
        "encryption",
        config(
            model="smart_agriculture",
            sockets={"A": "weather_station"},
            radio={"type": "sigfox"},
            destination=None,
            encryption={"mode": "device_to_cloud", "key": "0123456789ABCDEF"},
        ),
        E,
        "encryption.mode",
    ),
    (
        "encryption",
        config(encryption={"mode": "device_to_gateway", "key": "0123456789ABCDE"}),
        E,
        "encryption.key",
    ),
    ("encryption", config(encryption={"mode": "device_to_gateway"}), E, "encryption.key"),
    (
        "encryption",
        config(encryption={"mode": "device_to_gateway", "key": "0123456789ABCDEF01234567"}),
        E,
        None,
    ),
    (
        "encryption",
        config(
            radio=G4,
            destination={"type": "tcp", "host": "example.org", "port": 9000},
            encryption={"mode": "device_to_gateway", "key": "0123456789ABCDEF"},
        ),
        E,
        "encryption.mode",
    ),
    (
        "encryption",
        config(
            radio=G4,
            destination={"type": "tcp", "host": "example.org", "port": 9000},
            encryption={"mode": "device_to_cloud", "key": "0123456789ABCDEF"},
        ),
        E,
        None,
    ),
    (
        "encryption",
        config(encryption={"mode": "device_to_gateway", "key": "0123456789ABCDEF"}),
        W,
        "encryption.key",
    ),
    ("encryption", config(encryption={"mode": "device_to_gateway", "key": "K" * 32}), W, None),
    (
        "industrial",
        config(
            industrial={"protocol": "modbus_rs232", "reads": [{"slave": 17, "start_register": 256}]}
        ),
        E,
        "industrial.reads[0].start_register",
    ),
    (
        "industrial",
        config(
            industrial={"protocol": "modbus_rs232", "reads": [{"slave": 17, "start_register": 255}]}
        ),
        E,
        None,
    ),
    # 12. frame fit
    (
        "frame-fit",
        config(**AGR_XTR, sockets={"E": "gmx531"}, radio=LORAWAN_ABP, destination=None),
        E,
        None,
    ),
    (
        "frame-fit",
        config(
            **WTR_XTR, sockets={"F": "eureka_manta"}, radio={"type": "sigfox"}, destination=None
        ),
        E,
        None,
    ),
    # US DR0 carries 11 bytes: the 10-byte altitude text never fits a 9-byte field slot
    (
        "frame-fit",
        config(
            sockets={"A": "gas_co"},
            gps={"timeout_s": 60, "fields": ["altitude"]},
            radio={**LORAWAN_OTAA, "data_rate": 0},
            destination=None,
        ),
        E,
        "radio",
    ),
    (
        "frame-fit",
        config(
            sockets={"A": "gas_co"},
            gps={"timeout_s": 60, "fields": ["altitude"]},
            radio={**LORAWAN_OTAA, "data_rate": 1},
            destination=None,
        ),
        E,
        None,
    ),
    (
        "frame-fit",
        config(
            sockets={
                "A": "gas_co",
                "B": "gas_no2",
                "C": "gas_o3",
                "D": "particle_matter",
                "E": "bme280",
                "F": "gas_so2",
            },
            gps={"timeout_s": 60, "fields": ["location", "altitude"]},
            encryption={"mode": "device_to_gateway", "key": "0123456789ABCDEF"},
        ),
        E,
        "gps.fields[1]",
    ),
    (
        "frame-fit",
        config(
            sockets={"A": "gas_co", "B": "gas_no2", "C": "gas_o3", "D": "particle_matter"},
            gps={"timeout_s": 60, "fields": ["location", "altitude"]},
            encryption={"mode": "device_to_gateway", "key": "0123456789ABCDEF"},
            radio={**XBEE_802, "fragments": True},
            node_name="node-with-a-name",
        ),
        W,
        "radio.fragments",
    ),
    ("frame-fit", config(sockets={"A": "gas_co"}), W, None),
    # WiFi sends the frame as hex in the URL: a long host and path leave little room
    (
        "frame-fit",
        config(
            sockets={
                "A": "gas_co",
                "B": "gas_no2",
                "C": "gas_o3",
                "D": "particle_matter",
                "E": "bme280",
            },
            radio=WIFI,
            destination={
                "type": "http",
                "host": "a-very-long-host-name.example.org",
                "port": 8080,
                "path": "/" + "p" * 90,
            },
        ),
        E,
        "sockets.E.probe",
    ),
    (
        "frame-fit",
        config(
            sockets={"A": "gas_co"},
            radio=WIFI,
            destination={"type": "http", "host": "example.org", "port": 80, "path": "/in"},
        ),
        E,
        None,
    ),
    # air time: Sigfox 140 messages a day, LoRaWAN duty cycle and TTN fair use
    (
        "airtime",
        config(
            model="smart_agriculture",
            sockets={"A": "weather_station"},
            radio={"type": "sigfox"},
            destination=None,
            sleep={"minutes": 10},
        ),
        W,
        "sleep",
    ),
    (
        "airtime",
        config(
            model="smart_agriculture",
            sockets={"A": "weather_station"},
            radio={"type": "sigfox"},
            destination=None,
            sleep={"hours": 1},
        ),
        W,
        None,
    ),
    (
        "airtime",
        config(
            **AGRI,
            sockets={"A": "weather_station"},
            radio={**LORAWAN_ABP, "data_rate": 0},
            destination=None,
            sleep={"seconds": 30},
        ),
        E,
        "sleep",
    ),
    (
        "airtime",
        config(
            sockets={"A": "gas_co", "E": "bme280"},
            radio={**LORAWAN_ABP, "data_rate": 0},
            destination=None,
            sleep={"minutes": 15},
        ),
        W,
        "sleep",
    ),
    (
        "airtime",
        config(
            sockets={"A": "gas_co", "E": "bme280"},
            radio={**LORAWAN_ABP, "data_rate": 5},
            destination=None,
            sleep={"minutes": 15},
        ),
        W,
        None,
    ),
    (
        "airtime",
        config(
            sockets={"A": "gas_co", "E": "bme280"},
            radio={**LORAWAN_ABP, "data_rate": 5},
            destination=None,
            sleep={"minutes": 15},
        ),
        E,
        None,
    ),
    # 13. memory
    (
        # measured 87,544 B flash, 7,144 B of data and 692 B of stack at its worst moment
        # (356 B to spare, the frame's encryption the deepest): the warning is due, at encryption
        "memory",
        config(
            licence="elite",
            model="smart_cities_pro",
            sockets={
                "A": "noise",
                "B": "gas_no2",
                "C": "gas_o3",
                "D": "particle_matter",
                "E": "bme280",
                "F": "gas_co",
            },
            radio=G4,
            gps={"timeout_s": 60, "fields": ["location", "altitude", "speed", "course"]},
            industrial={"protocol": "modbus_rs232", "reads": [{"slave": 1, "start_register": 0}]},
            destination={"type": "https", "host": "example.org", "certificate": "x"},
            encryption={"mode": "device_to_cloud", "key": "k" * 32},
            battery_warning={"thresholds": [50, 30, 10]},
        ),
        W,
        "encryption",
    ),
    (
        # measured 76,386 B flash, 6,050 B of data and 394 B of stack: no warning
        "memory",
        config(
            radio=G4,
            gps={"timeout_s": 60},
            industrial={"protocol": "modbus_rs485", "reads": [{"slave": 1, "start_register": 0}]},
            destination={"type": "https", "host": "example.org", "certificate": "x"},
        ),
        W,
        None,
    ),
    (
        "memory",
        config(
            radio=G4,
            gps={"timeout_s": 60},
            destination={"type": "https", "host": "example.org", "certificate": "x"},
        ),
        W,
        None,
    ),
    (
        "memory",
        config(
            radio=LORAWAN_ABP,
            destination=None,
            gps={"timeout_s": 60},
            industrial={"protocol": "modbus_rs485", "reads": [{"slave": 1, "start_register": 0}]},
        ),
        W,
        None,
    ),
]


@pytest.mark.parametrize(("rule", "data", "severity", "path"), CASES)
def test_rule(rule: str, data: dict[str, Any], severity: str, path: str | None) -> None:
    found = paths(data, rule, severity)
    if path is None:
        assert found == []
    else:
        assert path in found


def test_rules_run_in_the_order_of_the_form() -> None:
    order = registered_rules()
    assert order.index("serial") < order.index("model") < order.index("calibration")
    assert order.index("calibration") < order.index("radio") < order.index("destination")
    assert order.index("destination") < order.index("frame-fit")


def test_every_rule_fires_and_stays_quiet_somewhere() -> None:
    # template-secrets needs the loader's tags: tests/config/test_loader.py covers both ways
    rules = set(registered_rules()) - {"template-secrets"}
    assert rules <= {rule for rule, _, _, path in CASES if path is not None}
    assert rules <= {rule for rule, _, _, path in CASES if path is None}


def test_an_empty_server_address_asks_for_it_instead_of_quoting_nothing() -> None:
    # a Meshlium over 4G: host and port are the form's to give (over XBee it needs neither)
    data = config(radio=G4, destination={"type": "meshlium", "host": ""})
    messages = {i.path: i.message for i in findings(data, "destination")}
    assert messages["destination.host"] == "give the server's host name or IP address"
    assert messages["destination.port"] == "give the server's port (1..65535)"
    missing_ca = config(radio=WIFI, destination={**CERT_MISSING, "certificate": ""})
    message = {i.path: i.message for i in findings(missing_ca, "destination")}
    assert "-----BEGIN CERTIFICATE-----" in message["destination.certificate"]
    assert "!file" not in message["destination.certificate"]  # the form has no files
