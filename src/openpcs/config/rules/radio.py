"""Radio parameters (guide §2.11): XBee, 4G, WiFi, LoRaWAN."""

from __future__ import annotations

from collections.abc import Iterator

from openpcs.catalog.devices import lorawan
from openpcs.config.issues import Issue
from openpcs.config.model import (
    Cellular4G,
    LoRaWAN,
    Wifi,
    XBee802,
    XBee868LP,
    XBee900HP,
    XBeeZigBee3,
)
from openpcs.config.rules.base import RuleContext, error, rule, warning
from openpcs.config.rules.formats import is_hex, is_ipv4, is_netmask, secret_text

_MAC_PREFIX = "0013A200"
_ATTEMPTS = (1, 10)
_LINK_KEY_LENGTH = 16
_LORAWAN_PORTS = (1, 223)
_WEP_DIGITS = {"wep64": 10, "wep128": 26}
_WPA_LENGTH = (8, 63)
_ESSID_LENGTH = 32
_PIN_DIGITS = (4, 8)

XBee = XBee802 | XBee900HP | XBee868LP | XBeeZigBee3


def _xbee_common(radio: XBee) -> Iterator[Issue]:
    mac = radio.mac
    if not is_hex(mac, 16):
        yield error("radio.mac", f"the destination MAC is 16 hex digits, not {mac!r}")
    elif not mac.upper().startswith(_MAC_PREFIX):
        yield error("radio.mac", f"XBee MAC addresses start with {_MAC_PREFIX}")
    low, high = _ATTEMPTS
    if not low <= radio.attempts <= high:
        yield error("radio.attempts", f"sending attempts are {low}..{high}")
    key = secret_text(radio.link_key)
    if key is not None and (len(key) != _LINK_KEY_LENGTH or not key.isascii()):
        yield error("radio.link_key", "the AES-128 link key is exactly 16 ASCII characters")


def _channel_number(channel: int | str) -> int | None:
    """A number as YAML reads it (``0x0C`` or ``12``), or text in hex with its ``0x``."""
    if isinstance(channel, int):
        return channel
    text = channel.strip().lower()
    if not text.startswith("0x"):
        return None  # "17" could be decimal or hex: ask for 0x17 or 23
    digits = text[2:]
    return int(digits, 16) if digits and is_hex(digits, len(digits)) else None


def _mask(path: str, value: str, digits: int, low: str, high: str) -> Iterator[Issue]:
    if not is_hex(value, digits):
        yield error(path, f"the channel mask is {digits} hex digits, not {value!r}")
    elif not int(low, 16) <= int(value, 16) <= int(high, 16):
        yield error(path, f"the channel mask goes from {low} to {high}")


def _xbee(context: RuleContext, radio: XBee) -> Iterator[Issue]:
    yield from _xbee_common(radio)
    spec = context.radio
    if isinstance(radio, XBeeZigBee3):
        if not is_hex(radio.extended_pan_id, 16):
            yield error("radio.extended_pan_id", "the extended PAN ID is 16 hex digits")
    elif not is_hex(radio.pan_id, 4):
        yield error("radio.pan_id", f"the PAN ID is 4 hex digits (0000-FFFF), not {radio.pan_id!r}")
    if isinstance(radio, XBee802):
        region = spec.regions[radio.region]
        channel = _channel_number(radio.channel)
        if region.channels is not None:
            low, high = region.channels
            if channel is None:
                yield error(
                    "radio.channel",
                    f"write the channel as a number (0x0C or 12), not {radio.channel!r}",
                )
            elif not low <= channel <= high:
                yield error(
                    "radio.channel",
                    f"{region.name} uses channels 0x{low:02X}-0x{high:02X} ({low}-{high}), "
                    f"not 0x{channel:02X}",
                )
    if isinstance(radio, XBee900HP | XBee868LP | XBeeZigBee3) and spec.channel_mask is not None:
        mask = spec.channel_mask
        yield from _mask("radio.channel_mask", radio.channel_mask, mask.digits, mask.min, mask.max)
    if isinstance(radio, XBee900HP | XBee868LP) and spec.preamble is not None:
        low, high = spec.preamble
        if not low <= radio.preamble <= high:
            yield error("radio.preamble", f"the preamble is {low}..{high}")


def _cellular(radio: Cellular4G) -> Iterator[Issue]:
    if not radio.apn or not radio.apn.isascii() or not radio.apn.isprintable():
        yield error("radio.apn", "give the operator's APN (printable ASCII)")
    for name in ("login", "password"):
        text = secret_text(getattr(radio, name))
        if text and (not text.isascii() or not text.isprintable()):
            yield error(f"radio.{name}", "must be printable ASCII")
    pin = secret_text(radio.pin)
    low, high = _PIN_DIGITS
    if pin and not (pin.isdigit() and low <= len(pin) <= high):
        yield error("radio.pin", f"the SIM PIN is {low} to {high} digits")


def _wifi(radio: Wifi) -> Iterator[Issue]:
    if not 1 <= len(radio.essid) <= _ESSID_LENGTH:
        yield error("radio.essid", f"the ESSID is 1 to {_ESSID_LENGTH} characters")
    password = secret_text(radio.password)
    if radio.security == "open":
        if password:
            yield warning("radio.password", "ignored: an open network takes no password")
    elif password is None:
        yield error("radio.password", f"{radio.security.upper()} needs a password")
    elif radio.security in _WEP_DIGITS:
        digits = _WEP_DIGITS[radio.security]
        if not is_hex(password, digits):
            yield error("radio.password", f"a {radio.security.upper()} key is {digits} hex digits")
    else:
        low, high = _WPA_LENGTH
        if not low <= len(password) <= high:
            yield error("radio.password", f"a WPA/WPA2 password is {low} to {high} characters")
    ip = radio.ip
    if ip.method == "static":
        for name in ("address", "dns", "gateway"):
            value = getattr(ip, name)
            if value is None or not is_ipv4(value):
                yield error(f"radio.ip.{name}", "a static setup needs a valid IPv4 address here")
        if ip.netmask is None or not is_netmask(ip.netmask):
            yield error("radio.ip.netmask", "a static setup needs a netmask such as 255.255.255.0")
    elif any(getattr(ip, name) for name in ("address", "dns", "gateway", "netmask")):
        yield warning("radio.ip", "ignored: DHCP sets the address, DNS, gateway and netmask")


_ABP_KEYS = {"dev_eui": 16, "dev_addr": 8, "nwk_skey": 32, "app_skey": 32}
_OTAA_KEYS = {"dev_eui": 16, "app_eui": 16, "app_key": 32}


def _sub_band(radio: LoRaWAN) -> Iterator[Issue]:
    """A hopping module (US915, AU915) is told which sub-band its gateway listens on."""
    region = lorawan().regions[radio.region]
    if radio.sub_band is None:
        return
    if region.sub_bands is None:
        yield warning(
            "radio.sub_band",
            f"ignored: the {radio.region.upper()} module uses its region's channels; sub-bands "
            "are for US915 and AU915",
        )
    elif not 1 <= radio.sub_band <= region.sub_bands:
        yield error(
            "radio.sub_band",
            f"the sub-band is 1..{region.sub_bands} (channels 0-7 are sub-band 1, 8-15 "
            f"sub-band 2 …); the gateway's sub-band is usually {region.default_sub_band}",
        )


def _lorawan(radio: LoRaWAN) -> Iterator[Issue]:
    low, high = _LORAWAN_PORTS
    if not low <= radio.port <= high:
        yield error("radio.port", f"the LoRaWAN port is {low}..{high}")
    region = lorawan().regions[radio.region]
    if radio.data_rate is not None and radio.data_rate not in region.max_payload:
        rates = ", ".join(f"DR{rate}" for rate in region.max_payload)
        yield error("radio.data_rate", f"the {radio.region.upper()} module offers {rates}")
    yield from _sub_band(radio)
    if region.session == "rejoin":
        yield warning(
            "radio.dev_eui",
            "the JP/KR module joins with its own hardware DevEUI (it ignores this one; "
            "WaspLoRaWAN setDeviceEUI()): register the EUI it prints on USB at start-up; it "
            "also joins OTAA every cycle, a join request and answer each time (count them "
            "against the network's fair-use limits)"
            if radio.activation == "otaa"
            else "the JP/KR module keeps its own hardware DevEUI (it ignores this one; "
            "WaspLoRaWAN setDeviceEUI())",
        )
    if region.bands and radio.band is None:
        choices = " or ".join(region.bands)
        yield error("radio.band", f"the {radio.region.upper()} module needs its band: {choices}")
    elif radio.band is not None and radio.band not in region.bands:
        yield warning("radio.band", f"ignored: the {radio.region.upper()} module has one band")
    needed = _ABP_KEYS if radio.activation == "abp" else _OTAA_KEYS
    for name, digits in needed.items():
        value = secret_text(getattr(radio, name))
        if value is None:
            yield error(
                f"radio.{name}", f"{radio.activation.upper()} needs {name} ({digits} hex digits)"
            )
        elif not is_hex(value, digits):
            yield error(f"radio.{name}", f"{name} is {digits} hex digits")
    unused = (set(_ABP_KEYS) | set(_OTAA_KEYS)) - set(needed)
    for name in sorted(unused):
        if getattr(radio, name) is not None:
            yield warning(f"radio.{name}", f"ignored with {radio.activation.upper()} activation")


@rule("radio", "2.11")
def radio_settings(context: RuleContext) -> Iterator[Issue]:
    """The settings of each radio, as guide §2.11 describes them."""
    radio = context.config.radio
    if isinstance(radio, XBee802 | XBee900HP | XBee868LP | XBeeZigBee3):
        yield from _xbee(context, radio)
    elif isinstance(radio, Cellular4G):
        yield from _cellular(radio)
    elif isinstance(radio, Wifi):
        yield from _wifi(radio)
    elif isinstance(radio, LoRaWAN):
        yield from _lorawan(radio)
