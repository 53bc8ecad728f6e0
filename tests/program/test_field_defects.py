"""The defects only a running node shows, one test per defect: each reads the generated program
the way the Waspmote API's sources say it runs, and fails on the program openpcs made before.

1 LoRaWAN frame counters across cycles and resets · 2 CA certificates streamed from flash ·
3 US/AU sub-band · 4 the ABZ module joins every cycle · 5 the relay's output state · 6 PIRs
settle before interrupts are armed · 7 failed Gas PRO readings · 8 tiny frames spaced by the
duty cycle · 9 Cloud Bridge over 4G/WiFi checks its server, key slot written only when needed.
(10, the API release in the manifest, is tests/program/test_api_version.py.)
"""

from __future__ import annotations

import hashlib
import itertools
import re
from pathlib import Path
from typing import Any

import pytest

from openpcs.catalog.devices import lorawan
from openpcs.config.lorawan_operation import lorawan_operation
from openpcs.config.model import LoRaWAN
from openpcs.program.generator import generate_checked
from tests.config.helpers import LORAWAN_ABP, LORAWAN_OTAA, check, config, findings
from tests.program.helpers import SKETCH, example_program
from tests.program.lorawan_host import HostRun, heard_counters
from tests.requirements import require_programs


def _sketch(**changes: Any) -> str:
    result = check(config(**changes))
    assert result.errors == [], [f"{i.path}: {i.message}" for i in result.errors]
    return generate_checked(result).files[SKETCH]


def _security_sketch(sockets: dict[str, Any], **changes: Any) -> str:
    """The sketch of a Smart Security node with these sockets, sending over LoRaWAN ABP."""
    return _sketch(
        model="smart_security", sockets=sockets, radio=LORAWAN_ABP, destination=None, **changes
    )


def _lorawan(**radio: Any) -> str:
    base = LORAWAN_OTAA if radio.get("activation") == "otaa" else LORAWAN_ABP
    return _sketch(radio={**base, **radio}, destination=None)


def body(sketch: str, signature: str) -> str:
    """The body of the function the sketch defines with ``signature`` (at column 0)."""
    start = sketch.index(f"\n{signature}\n{{\n") + len(signature) + 2
    return sketch[start : sketch.index("\n}\n", start)]


# --- 1: LoRaWAN frame counters -------------------------------------------------------------------


@pytest.mark.parametrize(
    "radio",
    [{"activation": "abp"}, {"activation": "otaa"}, {"activation": "abp", "region": "jp_kr"}],
    ids=["eu-abp", "us-otaa", "jp-kr-abp"],
)
def test_counters_are_read_back_before_joinabp_writes_them(radio: dict[str, Any]) -> None:
    if radio.get("region") == "jp_kr":
        radio["band"] = "as923"
    sketch = _lorawan(**radio)
    join = body(sketch, "uint8_t loraWANJoin()")
    # joinABP() writes the library's RAM copy into the module (WaspLoRaWAN.cpp), and that copy
    # is 0 after a reset: it must be restored first
    assert join.index("loraWANRestoreCounters();") < join.index("LoRaWAN.joinABP()")
    restore = body(sketch, "void loraWANRestoreCounters()")
    assert "LoRaWAN.getUpCounter() == LORAWAN_ANSWER_OK" in restore
    assert "LoRaWAN.getDownCounter() == LORAWAN_ANSWER_OK" in restore
    # never below the copy the user EEPROM keeps for this session
    assert "eeprom_read_dword((uint32_t*)LORAWAN_UP_ADDRESS)" in restore
    assert restore.index("getUpCounter") < restore.index("LoRaWAN._upCounter = up;")


def test_every_uplink_refreshes_the_counters_and_the_eeprom_copy() -> None:
    sketch = _lorawan(activation="abp")
    loop = sketch[sketch.index("    do\n") : sketch.index("} while (pending > 0);")]
    sends = [m.start() for m in re.finditer(r"LoRaWAN\.sendUnconfirmed\(", loop)]
    assert sends
    assert loop.index("loraWANKeepCounters(sentWith);") > sends[-1]
    assert loop.index("uint32_t sentWith = LoRaWAN._upCounter;") < sends[0]
    keep = body(sketch, "void loraWANKeepCounters(uint32_t sentWith)")
    # a counter used is never used again, even when the module does not tell its own
    assert "LoRaWAN._upCounter = sentWith + 1;" in keep
    assert keep.index("LoRaWAN.getUpCounter();") < keep.index("eeprom_update_dword")
    # the uplink counter is kept a step ahead (a reset never reuses one), written once a step
    assert "LoRaWAN._upCounter + LORAWAN_COUNTER_STEP" in keep
    assert "#define LORAWAN_COUNTER_STEP 32UL" in sketch


RESETS = ["boot", "cycle", "cycle", "boot", "cycle", "boot", "boot", "cycle", "cycle"]
RADIOS = [
    ({"activation": "abp"}, False),
    ({"activation": "otaa"}, False),
    ({"activation": "abp", "region": "jp_kr", "band": "as923"}, True),
]
RADIO_IDS = ["eu-abp", "us-otaa", "jp-kr-abp"]


def _host_run(radio: dict[str, Any], abz: bool, steps: list[str], work: Path) -> HostRun:
    require_programs("g++")
    base = LORAWAN_OTAA if radio["activation"] == "otaa" else LORAWAN_ABP
    result = check(config(radio={**base, **radio}, destination=None))
    return heard_counters(generate_checked(result), steps, work, abz=abz)


@pytest.mark.parametrize(("radio", "abz"), RADIOS, ids=RADIO_IDS)
def test_no_uplink_counter_is_used_twice_across_resets(
    radio: dict[str, Any], abz: bool, tmp_path: Path
) -> None:
    """The program's LoRaWAN code, run on the host against a model of the module and library
    (tests/program/lorawan_host.py): every uplink a network server hears has a counter above
    the last, through cycles and resets of the node."""
    heard = _host_run(radio, abz, RESETS, tmp_path).heard
    assert len(heard) == 2 * RESETS.count("cycle")
    assert all(later > earlier for earlier, later in itertools.pairwise(heard)), heard


@pytest.mark.parametrize(("radio", "abz"), RADIOS, ids=RADIO_IDS)
def test_counters_count_on_by_one_and_wear_the_eeprom_once_a_step(
    radio: dict[str, Any], abz: bool, tmp_path: Path
) -> None:
    """Without resets the counters go up by one per uplink (no jump to the EEPROM's copy), and
    the EEPROM copy is written once per 32 uplinks, not every cycle."""
    run = _host_run(radio, abz, ["boot", *["cycle"] * 30], tmp_path)
    assert len(run.heard) == 60
    assert all(b == a + 1 for a, b in itertools.pairwise(run.heard)), run.heard
    # the session's first record, then one write of the uplink counter per 32 uplinks
    assert run.eeprom_writes <= 2 + 60 // 32 + 1


def test_an_abp_node_programmed_again_carries_on_from_its_module(tmp_path: Path) -> None:
    """A node whose module an earlier program left at counter 500 (new settings: the module is
    set up again, with a factory reset) goes on above 500."""
    run = _host_run({"activation": "abp"}, False, ["module:500", *RESETS], tmp_path)
    assert run.heard[0] >= 500
    assert all(later > earlier for earlier, later in itertools.pairwise(run.heard)), run.heard


def test_a_new_session_starts_its_counters_at_zero() -> None:
    otaa = _lorawan(activation="otaa")
    join_otaa = body(otaa, "uint8_t loraWANJoinOTAA()")
    assert join_otaa.index("LoRaWAN.joinOTAA()") < join_otaa.index("loraWANStartSession(0UL, 0UL);")
    start = body(otaa, "void loraWANStartSession(uint32_t up, uint32_t down)")
    assert "eeprom_update_dword((uint32_t*)LORAWAN_UP_ADDRESS, up);" in start
    # a module set up again (new settings) has lost its session: join before resuming
    prepare = body(otaa, "void loraWANPrepare()")
    assert prepare.index("loraWANEndSession();") < prepare.index("loraWANJoinOTAA()")
    assert "if (!loraWANSessionKept())" in body(otaa, "uint8_t loraWANJoin()")


def test_the_session_tag_keeps_abp_counters_across_a_new_program() -> None:
    def session(**radio: Any) -> str:
        result = check(config(radio={**LORAWAN_ABP, **radio}, destination=None))
        values = generate_checked(result).files["node_values.cpp"]
        match = re.search(r"NODE_LORAWAN_SESSION\[4\] = \{([^}]*)\}", values)
        assert match is not None
        return match.group(1)

    # the same address and keys are the same session, whatever else changed ...
    assert session() == session(adr=False, data_rate=3)
    # ... another address is another session
    assert session() != session(dev_addr="26011B23")


# --- 2: CA certificates from flash ---------------------------------------------------------------


@pytest.mark.parametrize(
    "example",
    [
        "smart-cities-pro_4g_https",
        "radiation-control_4g_meshlium",
        "smart-water-xtreme_wifi_https",
        "smart-water-ions-double_wifi_meshlium",
        "smart-security_4g_cloud-bridge",
        "smart-water-ions-single_wifi_cloud-bridge",
    ],
)
def test_the_certificate_is_written_to_the_radio_from_flash(example: str) -> None:
    sketch = example_program(example).files[SKETCH]
    assert "const char destinationCertificate[] PROGMEM" in sketch
    # no RAM copy of it, on the stack or anywhere
    assert "strcpy_P(certificate" not in sketch
    assert not re.search(r"char certificate\[", sketch)
    install = body(sketch, "bool installCertificate()")
    assert "pgm_read_byte(&destinationCertificate[i])" in install
    assert "if (!installCertificate())" in sketch


def test_the_4g_module_gets_the_commands_manage_ssl_sends() -> None:
    install = body(
        example_program("smart-cities-pro_4g_https").files[SKETCH], "bool installCertificate()"
    )
    # SSL on and server authentication (manageSSL() without data), then AT#SSLSECDATA, the
    # bytes and Ctrl-Z on the 4G module's UART (1), as Wasp4G.cpp manageSSL() does
    assert "Wasp4G::SSL_ACTION_STORE, Wasp4G::SSL_TYPE_CA_CERT) == 6" in install
    assert 'PSTR("AT#SSLSECDATA=%u,1,1,%u\\r")' in install
    assert install.index("printByte(pgm_read_byte") < install.index("printByte(0x1A, 1);")


def test_the_wifi_module_gets_the_commands_set_ca_sends() -> None:
    install = body(
        example_program("smart-water-xtreme_wifi_https").files[SKETCH], "bool installCertificate()"
    )
    # WaspWIFI_PRO.cpp setCA(): 9600 bps, AT+iCA=<text>, answers line by line, back to 115200
    assert install.index("changeBaudRate(9600)") < install.index('printString("AT+iCA=", SOCKET0);')
    assert install.index("AT+iCA=") < install.index("changeBaudRate(115200)")
    assert "lines < 100" in install  # the wait for the answer is bounded


# --- 3: US/AU sub-band ---------------------------------------------------------------------------


def _channel_plan(sketch: str) -> tuple[str, str, str] | None:
    match = re.search(
        r"bool used = \(channel >= (\d+) && channel <= (\d+)\) \|\| channel == (\d+);", sketch
    )
    return match.groups() if match else None  # type: ignore[return-value]


def test_us_and_au_nodes_use_one_sub_band() -> None:
    assert _channel_plan(_lorawan(activation="otaa")) == ("8", "15", "65")  # sub-band 2
    assert _channel_plan(_lorawan(activation="otaa", sub_band=1)) == ("0", "7", "64")
    assert _channel_plan(_lorawan(activation="otaa", region="au", sub_band=8)) == ("56", "63", "71")
    us = _lorawan(activation="otaa")
    prepare = body(us, "void loraWANPrepare()")
    # set before the settings are saved in the module
    assert prepare.index("LoRaWAN.setChannelStatus(") < prepare.index("LoRaWAN.saveConfig()")
    assert _channel_plan(_lorawan(activation="abp")) is None  # EU868 has its own channels


def test_the_sub_band_rule() -> None:
    too_big = findings(config(radio={**LORAWAN_OTAA, "sub_band": 9}, destination=None), "radio")
    assert [(i.path, i.severity.value) for i in too_big] == [("radio.sub_band", "error")]
    ignored = findings(config(radio={**LORAWAN_ABP, "sub_band": 2}, destination=None), "radio")
    assert [(i.path, i.severity.value) for i in ignored] == [("radio.sub_band", "warning")]
    summary = check(config(radio=LORAWAN_OTAA, destination=None)).to_dict()["data"]["summary"]
    assert "sub-band 2" in summary["radio"]["channels"]


# --- 4: the ABZ module (JP/KR) -------------------------------------------------------------------


def test_the_abz_module_joins_otaa_every_cycle() -> None:
    sketch = _lorawan(activation="otaa", region="jp_kr", band="kr920")
    join = body(sketch, "uint8_t loraWANJoin()")
    # joinABP() on this module only sends at+mode=0 and saveConfig() saves nothing
    assert "LoRaWAN.joinABP()" not in join
    assert "return LoRaWAN.joinOTAA();" in join
    result = check(config(radio={**LORAWAN_OTAA, "region": "jp_kr", "band": "kr920"}))
    assert "every cycle" in result.to_dict()["data"]["summary"]["radio"]["join"]


def test_an_abp_node_on_the_abz_module_sets_its_counters_itself() -> None:
    join = body(_lorawan(activation="abp", region="jp_kr", band="as923"), "uint8_t loraWANJoin()")
    assert join.index("LoRaWAN.joinABP()") < join.index("LoRaWAN.setUpCounter(LoRaWAN._upCounter)")


def test_a_join_every_cycle_costs_awake_time() -> None:
    def awake(activation: str) -> float:
        radio = {**(LORAWAN_OTAA if activation == "otaa" else LORAWAN_ABP)}
        radio |= {"region": "jp_kr", "band": "as923"}
        estimates = check(config(radio=radio, destination=None)).estimates
        assert estimates is not None
        return estimates.awake_s

    assert awake("otaa") >= awake("abp") + lorawan().join_answer_wait_s


# --- 5, 6: Smart Security ------------------------------------------------------------------------


def test_the_relay_field_is_the_state_the_program_set() -> None:
    sketch = example_program("smart-security_4g_cloud-bridge").files[SKETCH]
    # relayClass::read() reads the relay *input* pin (WaspSensorEvent_v30.cpp readInRel())
    assert "probeF.read()" not in sketch
    assert "frame.addSensor(SENSOR_EVENTS_RELAY_OUT, (int)(relayOutput));" in sketch
    set_relay = body(sketch, "void setRelay(bool on)")
    assert "relayOutput = on ? 1 : 0;" in set_relay
    assert "setRelay(true);" in body(sketch, "void relayTrigger()")


def test_pirs_settle_before_the_interrupt_is_armed() -> None:
    sketch = example_program("smart-security_4g_cloud-bridge").files[SKETCH]
    # the program arms the interrupt in one place, the last thing before it sleeps
    assert sketch.count("Events.attachInt();") == 1
    arm = body(sketch, "void armEvents()")
    assert arm.index("waitForPirs();") < arm.index("intFlag &= ~(SENS_INT);")
    assert arm.index("intFlag &= ~(SENS_INT);") < arm.index("Events.attachInt();")
    loop = body(sketch, "void loop()")
    # before the time to sleep is worked out: a PIR may take up to a minute to settle
    assert loop.index("armEvents();") < loop.index("\n  now = RTC.getEpochTime();")
    assert loop.index("armEvents();") < loop.index("sleepFor(wait);")
    # after the relay's own reads, which detach the interrupt (readInput())
    until_clear = _security_sketch(
        {"A": {"probe": "pir", "event": "wake_up_relay"}, "F": "relay"},
        relay={"mode": "until_clear"},
    )
    loop = body(until_clear, "void loop()")
    assert loop.index("relayCauseActive()") < loop.index("armEvents();")
    wait = body(sketch, "void waitForPirs()")
    assert "second < PIR_SETTLE_S" in wait  # bounded
    assert "probeA.readPirSensor() == 0" in wait
    no_pir = _security_sketch({"C": {"probe": "hall", "event": "wake_up"}})
    assert "waitForPirs" not in no_pir
    assert "armEvents();" in no_pir


def test_probe_reads_never_arm_the_interrupt_behind_the_program() -> None:
    # readInput() re-attaches the interrupt 50 ms after a read when the probe object's own
    # _intEnabled is true, as it is from construction (WaspSensorEvent_v30.cpp)
    sketch = example_program("smart-security_4g_cloud-bridge").files[SKETCH]
    setup = body(sketch, "void setup()")
    for obj in ("probeA", "probeC", "probeF"):
        assert f"{obj}._intEnabled = false;" in setup
    # also where no event wakes the node: the board is switched off between cycles
    quiet = _security_sketch({"A": "pir", "C": "hall"})
    assert "probeA._intEnabled = false;" in body(quiet, "void setup()")
    assert "Events.attachInt();" not in quiet


# --- 7: Gas PRO ----------------------------------------------------------------------------------


def test_a_failed_gas_reading_adds_no_field() -> None:
    sketch = example_program("smart-environment-pro_xbee-802-15-4_meshlium").files[SKETCH]
    assert "probeAStarted = probeA.ON() == 1;" in sketch
    start = sketch.index("float concentration = probeAStarted")
    read = sketch[start : sketch.index("no gas reading", start)]
    # getConc() answers -1 for a probe that did not start and never a negative reading
    # otherwise (WaspSensorGas_Pro.cpp clamps them to 0): the field is added only from 0 up
    assert "probeAStarted ? probeA.getConc() : -1.0;" in read
    assert read.index("if (concentration >= 0.0)") < read.index("frame.addSensor(")


# --- 8: tiny frames and the duty cycle -----------------------------------------------------------


def test_tiny_frames_are_spaced_by_the_duty_cycle() -> None:
    many = {"A": "gas_co", "B": "gas_no2", "C": "gas_o3", "E": "bme280", "F": "gas_so2"}
    gps = {"timeout_s": 60, "fields": ["location", "speed", "course", "altitude"]}
    radio = {**LORAWAN_ABP, "data_rate": 0}
    result = check(config(sockets=many, gps=gps, radio=radio, destination=None))
    assert result.errors == []
    assert result.plan is not None
    assert result.plan.tiny is not None
    assert len(result.plan.tiny.parts) > 1
    sketch = generate_checked(result).files[SKETCH]
    radio = result.config.radio if result.config else None
    assert isinstance(radio, LoRaWAN)
    spacing = lorawan_operation(radio, result.plan.tiny.max_length).spacing_ms
    table = re.search(r"loraWANSpacingMs\[\] PROGMEM = \{ ([\d, ]+) \};", sketch)
    assert table is not None
    assert [int(v) for v in table.group(1).split(", ")] == list(spacing.values())
    # DR0 (SF12) on EU868's 1 %: 99 times the air time of a 51-byte tiny frame, about 4.6 min
    assert 270_000 < spacing[0] < 285_000
    loop = sketch[sketch.index("    do\n") : sketch.index("} while (pending > 0);")]
    send = loop.index("uint8_t sent = LoRaWAN.sendUnconfirmed(")
    assert loop.index("loraWANQuiet();") < send  # before every frame, this cycle's first too
    retry = loop[loop.index("if (sent != LORAWAN_ANSWER_OK)") :]
    assert retry.index("loraWANWait(spacingMs);") < retry.index("sent = LoRaWAN.sendUnconfirmed(")
    assert retry.index("sent = LoRaWAN.sendUnconfirmed(") < retry.index("loraWANSpaced(spacingMs);")
    estimates = result.estimates
    assert estimates is not None
    assert estimates.lorawan_rate is not None
    assert estimates.lorawan_rate.spacing_s == pytest.approx(spacing[0] / 1000)


def test_the_duty_cycle_holds_across_cycles(tmp_path: Path) -> None:
    """An event can start a cycle at once, and the module forgets what it sent while it is
    off: the program keeps the quiet time on the RTC. Run on the host, cycles back to back:
    no two uplinks closer than the spacing of the data rate."""
    result = check(config(radio=LORAWAN_ABP, destination=None))
    assert result.plan is not None
    assert result.plan.tiny is not None
    radio = result.config.radio if result.config else None
    assert isinstance(radio, LoRaWAN)
    spacing = lorawan_operation(radio, result.plan.tiny.max_length).spacing_ms[5]
    require_programs("g++")
    run = heard_counters(generate_checked(result), ["boot", *["cycle"] * 4], tmp_path, abz=False)
    assert len(run.times) == 8
    gaps = [later - earlier for earlier, later in itertools.pairwise(run.times)]
    assert min(gaps) >= spacing, gaps


def test_regions_without_a_duty_cycle_send_back_to_back() -> None:
    sketch = _lorawan(activation="otaa")
    assert "loraWANSpacingMs" not in sketch
    assert "loraWANWait" not in sketch


# --- 9: the Cloud Bridge over 4G/WiFi ------------------------------------------------------------


def test_the_cloud_bridge_over_4g_needs_a_ca_certificate() -> None:
    bridge = {"type": "cloud_bridge", "api_key": "demo-api-key", "key": "demo-bridge-k-16"}
    radio = {"type": "4g", "region": "eu_br", "apn": "internet.example"}
    missing = findings(config(radio=radio, destination=bridge, licence="elite"), "destination")
    assert [(i.path, i.severity.value) for i in missing] == [("destination.certificate", "error")]


def test_the_cloud_bridge_key_slot_is_written_only_when_it_differs() -> None:
    sketch = example_program("smart-security_4g_cloud-bridge").files[SKETCH]
    assert "#define CLOUD_KEY_SLOT 15" in sketch
    setup = sketch[sketch.index("cloudKeyReady = cloudKeyInSlot();") :]
    assert setup.index("cloudKeyReady = cloudKeyInSlot();") < setup.index(
        "if (!cloudKeyReady && eeprom.saveKey(CLOUD_KEY_SLOT"
    )
    check_slot = body(sketch, "bool cloudKeyInSlot()")
    assert "memcmp(answer, NODE_CLOUD_KEY_CHECK, 16) == 0" in check_slot
    # the Bridge's API key goes only to a server the radio checked with the CA
    assert "if (!installCertificate())" in sketch


def test_the_watchdog_must_outlast_a_cycle_kept_awake_by_the_duty_cycle() -> None:
    many = {"A": "gas_co", "B": "gas_no2", "C": "gas_o3", "E": "bme280", "F": "gas_so2"}
    gps = {"timeout_s": 60, "fields": ["location", "speed", "course", "altitude"]}
    radio = {**LORAWAN_ABP, "data_rate": 0}
    base = config(sockets=many, gps=gps, radio=radio, destination=None, sleep={"minutes": 10})
    # 21 min passes the sleep rule (sleep + 10 min) but not the waits between the uplinks
    short = findings({**base, "watchdog": {"minutes": 21}}, "watchdog")
    assert [(i.path, i.severity.value) for i in short] == [("watchdog.minutes", "error")]
    assert "duty cycle" in short[0].message
    assert findings({**base, "watchdog": {"minutes": 40}}, "watchdog") == []


def test_the_4g_module_is_told_to_check_the_server_before_each_tls_socket() -> None:
    for example in ("smart-cities-pro_4g_https", "smart-security_4g_cloud-bridge"):
        sketch = example_program(example).files[SKETCH]
        send = body(sketch, "void measureAndSend()")
        # and sends nothing when the module refuses server authentication
        check_server = send.index("Wasp4G::SSL_TYPE_CA_CERT) != 6\n")
        assert check_server < send.index("&& _4G.openSocketSSL(")


def test_xbee_programs_keep_no_received_packet_on_the_heap() -> None:
    # WaspXBeeCore::readXBee() callocs a packet while pos <= MAX_FINISH_PACKETS; init() (in
    # ON()) sets pos to 0 and the XBEE_OUT policy
    sketch = example_program("smart-water_xbee-868lp_meshlium").files[SKETCH]
    send = body(sketch, "void measureAndSend()")
    on = send.index("xbee868LP.ON();")
    assert send.index("xbee868LP.pos = MAX_FINISH_PACKETS;", on) < send.index(".send(", on)


def test_a_zigbee_program_sets_its_channel_mask_without_the_overflowing_call() -> None:
    """Found by the node twin (its stack guard stopped the ZigBee example at the end of
    setup()): WaspXBeeCore::setScanningChannels() strcpy_P's its 20-character frame template
    and its terminator into a 20-byte buffer, so the terminator lands on the saved high byte
    of the caller's frame pointer; setup() then returned with its stack in the I/O registers.
    The mask goes as a plain SC command instead."""
    sketch = example_program("ambient-control_xbee-zigbee3_zigbee-receiver").files[SKETCH]
    assert "xbeeZB.setScanningChannels(" not in sketch
    setup = body(sketch, "void setup()")
    on = setup.index("xbeeZB.ON();")
    assert setup.index('xbeeZB.sendCommandAT("SC7FFF#");', on) < setup.index(
        "xbeeZB.writeValues();"
    )


def test_a_field_added_later_leaves_the_set_up_tag_alone() -> None:
    """Nodes programmed before `radio.sub_band` existed keep their module's session when they
    are programmed again without it: the tag is the one the old settings gave."""
    result = check(config(radio=LORAWAN_ABP, destination=None))
    assert result.config is not None
    radio = result.config.radio
    assert isinstance(radio, LoRaWAN)
    values = generate_checked(result).files["node_values.cpp"]
    settings = radio.model_dump_json(exclude={"port", "confirmed", "sub_band"})
    secrets = "".join(
        text
        for text in (
            "0011223344556677",
            "26011B22",
            LORAWAN_ABP["nwk_skey"],
            LORAWAN_ABP["app_skey"],
        )
    )
    expected = hashlib.sha256((settings + secrets).encode()).hexdigest()[:8].upper()
    assert f'char NODE_LORAWAN_TAG[] = "{expected}";' in values


def test_the_jp_kr_module_keeps_its_own_dev_eui_and_is_given_its_keys_each_cycle() -> None:
    radio = {**LORAWAN_OTAA, "region": "jp_kr", "band": "as923"}
    issues = findings(config(radio=radio, destination=None), "radio")
    assert [(i.path, i.severity.value) for i in issues] == [("radio.dev_eui", "warning")]
    assert "hardware DevEUI" in issues[0].message
    join = body(_lorawan(activation="otaa", region="jp_kr", band="as923"), "uint8_t loraWANJoin()")
    assert join.index("LoRaWAN.setAppKey(NODE_APP_KEY);") < join.index("LoRaWAN.joinOTAA()")


def test_flow_probes_never_arm_the_interrupt_behind_the_program() -> None:
    # flowClass::flowReading() attaches the interrupt again when its own _intEnabled is true
    sketch = _security_sketch({"A": "pir", "B": "flow_yfs401"})
    assert "probeB._intEnabled = false;" in body(sketch, "void setup()")
