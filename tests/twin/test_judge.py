"""How the twin judges a cycle: frames that decode and carry the planned fields, stored by
the gateway (a duplicate or an ignored frame is no delivery), nothing sent is said so; a field
that does not carry what its sensor measured (to the field's decimals) is said."""

from __future__ import annotations

from openpcs.frames.document import encode_document
from openpcs.frames.split import split_tiny
from openpcs.twin.console import ConsoleLine
from openpcs.twin.devices.bme280 import BME280
from openpcs.twin.gateway_link import Stored
from openpcs.twin.radios.module import Delivery
from openpcs.twin.run import CycleReport, _compare, _judge
from openpcs.twin.sensors import NodeSensors

_FRAME = encode_document({"serial": "2C0B7E2D4A9123CD", "fields": [{"TC": 21.5}, {"BAT": 80}]})


class _Gateway:
    def __init__(self, status: str) -> None:
        self.status = status

    def deliver(self, delivery: Delivery) -> Stored:
        return Stored(1, self.status, 2 if self.status == "ok" else 0, None)


def _cycle() -> CycleReport:
    report = CycleReport(1, console=[ConsoleLine(10, "Sleeping 00:00:15:00")])
    report.deliveries.append(Delivery("XBee 802.15.4", "0013A2004133471A", _FRAME, 5))
    return report


def test_a_cycle_whose_frame_is_stored_with_its_fields_is_good() -> None:
    report = _cycle()
    _judge(report, [], {"TC", "BAT"}, _Gateway("ok"), 6)  # type: ignore[arg-type]
    assert report.problem is None


def test_a_missing_field_a_refused_frame_and_silence_are_each_said() -> None:
    lacking = _cycle()
    _judge(lacking, [], {"TC", "BAT", "HUM"}, _Gateway("ok"), 6)  # type: ignore[arg-type]
    assert lacking.problem == "the frames lack HUM; last line: Sleeping 00:00:15:00"
    duplicate = _cycle()
    _judge(duplicate, [], {"TC"}, _Gateway("duplicate"), 6)  # type: ignore[arg-type]
    assert duplicate.problem == "the gateway did not store a frame: duplicate (no reason given)"
    silent = CycleReport(2, console=[ConsoleLine(10, "XBee: the frame was not delivered")])
    _judge(silent, [], {"TC"}, None, 6)
    assert silent.problem == (
        "the radio sent nothing; the console's last line: XBee: the frame was not delivered"
    )
    garbled = _cycle()
    garbled.deliveries[0] = Delivery("XBee 802.15.4", "0013A2004133471A", b"<=>\x06junk", 5)
    _judge(garbled, [], {"TC"}, None, 6)
    assert garbled.problem is not None
    assert garbled.problem.startswith("a frame that does not decode")


def test_a_field_that_does_not_carry_what_the_sensor_measured_is_said() -> None:
    right = _cycle()
    _judge(right, [], {"TC", "BAT"}, None, 6)
    _compare(right, NodeSensors(battery=80.0))
    assert right.problem is None
    wrong = _cycle()
    _judge(wrong, [], {"TC", "BAT"}, None, 6)
    _compare(wrong, NodeSensors(battery=79.0))
    assert wrong.problem == "BAT read 80, where the sensor measured 79.0"
    # a value equal to the field's decimals is the same reading
    chip = BME280({"TC": 21.5, "HUM": 40.0, "PRES": 100_000.0})
    chip.measured = {"TC": 21.504}
    close = _cycle()
    _judge(close, [], {"TC"}, None, 6)
    _compare(close, NodeSensors(bme280=chip, battery=80.0))
    assert close.problem is None


def test_a_fitted_sensor_s_error_value_is_judged_even_if_the_chip_never_measured() -> None:
    """A program that never starts a measurement (or gets the API's -1000 for a chip it does
    not find) is judged against what the chip would have given."""
    chip = BME280({"TC": 21.5, "HUM": 40.0, "PRES": 100_000.0})
    failed = CycleReport(1, console=[ConsoleLine(10, "Sleeping 00:00:15:00")])
    frame = encode_document({"serial": "2C0B7E2D4A9123CD", "fields": [{"TC": -1000.0}]})
    failed.deliveries.append(Delivery("XBee 802.15.4", "0013A2004133471A", frame, 5))
    _judge(failed, [], {"TC"}, None, 6)
    _compare(failed, NodeSensors(bme280=chip, battery=80.0))
    assert failed.problem == "TC read -1000.0, where the sensor measured 21.5"


def test_a_tiny_frame_is_read_with_its_board_s_sensor_table() -> None:
    """Tiny frames carry no frame type: an Xtreme board's (type 7) read with the v15 table
    would say CO and O2 where the node sent TC_A and HUM_A."""
    document = {
        "serial": "2C0B7E2D4A9123CD",
        "frame_type": 7,
        "fields": [{"TC_A": 21.5}, {"HUM_A": 40.0}],
    }
    (tiny,) = split_tiny(encode_document(document), 60).parts
    report = CycleReport(1, console=[ConsoleLine(10, "Sleeping 00:30:00")])
    report.deliveries.append(Delivery("LoRaWAN RN2483", "260B1234", tiny, 5, via="lorawan"))
    _judge(report, [], {"TC_A", "HUM_A"}, None, 7)
    assert report.problem is None
    misread = CycleReport(1, console=[ConsoleLine(10, "Sleeping 00:30:00")])
    misread.deliveries = list(report.deliveries)
    _judge(misread, [], {"TC_A", "HUM_A"}, None, 6)
    assert misread.problem == "the frames lack HUM_A, TC_A; last line: Sleeping 00:30:00"
