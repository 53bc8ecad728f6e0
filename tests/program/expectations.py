"""What a program must contain for a configuration, worked out from the configuration alone."""

from __future__ import annotations

from openpcs.config.model import (
    Cellular4G,
    CloudBridge,
    Http,
    Https,
    LoRaWAN,
    Meshlium,
    ModbusConfig,
    NodeConfig,
    Sigfox,
    Sms,
    Tcp,
    Wifi,
    XBee802,
    XBee868LP,
    XBee900HP,
    XBeeZigBee3,
)
from openpcs.config.plan import FramePlan


def _bytes(hex_text: str, size: int | None = None) -> str:
    pairs = [f"0x{hex_text[i : i + 2].upper()}" for i in range(0, len(hex_text), 2)]
    if size is not None:
        pairs += ["0x00"] * (size - len(pairs))
    return "{" + ", ".join(pairs) + "}"


def radio_calls(config: NodeConfig, plan: FramePlan) -> list[str]:
    radio = config.radio
    calls: list[str] = []
    if isinstance(radio, XBee802 | XBee900HP | XBee868LP | XBeeZigBee3):
        obj = {
            "xbee_802_15_4": "xbee802",
            "xbee_900hp": "xbee900HP",
            "xbee_868lp": "xbee868LP",
            "xbee_zigbee3": "xbeeZB",
        }[radio.type]
        calls += [
            f"{obj}.setSendingRetries({radio.attempts});",
            f"{obj}.send(NODE_DESTINATION_MAC, frame.buffer, frame.length)",
        ]
        if isinstance(radio, XBee802):
            channel = radio.channel if isinstance(radio.channel, int) else int(radio.channel, 0)
            calls += [f"{obj}.setChannel(0x{channel:02X});", f"panId[2] = {_bytes(radio.pan_id)};"]
        elif isinstance(radio, XBee900HP | XBee868LP):
            calls += [
                f"channelMask[8] = {_bytes(radio.channel_mask, 8)};",
                f"{obj}.setPreambleID({radio.preamble});",
                f"panId[2] = {_bytes(radio.pan_id)};",
            ]
        else:
            calls.append(f"panId[8] = {_bytes(radio.extended_pan_id)};")
        key = "setEncryptionMode(1);" if radio.link_key else "setEncryptionMode(0);"
        calls.append(f"{obj}.{key}")
    elif isinstance(radio, LoRaWAN):
        send = "sendConfirmed" if radio.confirmed else "sendUnconfirmed"
        calls += [
            "LoRaWAN.setDeviceEUI(NODE_DEV_EUI);",
            f'LoRaWAN.setADR((char*)"{"on" if radio.adr else "off"}");',
            f"LoRaWAN.{send}({radio.port}, frame.bufferTiny, frame.lengthTiny)",
            f"uint8_t tinyLength = {plan.tiny.max_length if plan.tiny else 0};",
            "frame.setTinyLength(tinyLength);",
        ]
        if radio.band is not None:
            calls.append(f"LoRaWAN.setBand(BAND_{'JP923' if radio.band == 'as923' else 'KR920'});")
        if radio.activation == "otaa":
            calls += ["LoRaWAN.setAppEUI(NODE_APP_EUI);", "LoRaWAN.joinOTAA()"]
        else:
            calls += ["LoRaWAN.setDeviceAddr(NODE_DEV_ADDR);", "LoRaWAN.joinABP()"]
        if radio.data_rate is not None:
            calls.append(f"LoRaWAN.setDataRate({radio.data_rate});")
    elif isinstance(radio, Sigfox):
        calls += ["Sigfox.send(frame.bufferTiny, frame.lengthTiny)", "frame.setTinyLength(12);"]
    elif isinstance(radio, Cellular4G):
        calls.append(f'_4G.set_APN("{radio.apn}"')
        if radio.pin is not None:
            calls.append("_4G.enterPIN(NODE_SIM_PIN)")
    elif isinstance(radio, Wifi):
        calls.append(f'WIFI_PRO.setESSID("{radio.essid}");')
        if radio.security != "open":
            calls.append(f"WIFI_PRO.setPassword({radio.security.upper()}, NODE_RADIO_PASSWORD);")
    return calls


def destination_calls(config: NodeConfig) -> list[str]:
    destination = config.destination
    over_4g = isinstance(config.radio, Cellular4G)
    if not isinstance(config.radio, Cellular4G | Wifi) or destination is None:
        return []
    calls: list[str] = []
    if isinstance(destination, Http | Https | Tcp | Meshlium | CloudBridge):
        calls.append(f'char destinationHost[] = "{destination.host}";')
    if isinstance(destination, Http):
        calls.append(
            f"_4G.http(Wasp4G::HTTP_GET, destinationHost, {destination.port}, resourceBuffer)"
            if over_4g
            else 'WIFI_PRO.getURL((char*)"http", destinationHost, destinationPort, resourceBuffer)'
        )
    elif isinstance(destination, Https):
        calls.append(
            "_4G.manageSSL(Wasp4G::CONNECTION_1, Wasp4G::SSL_ACTION_STORE"
            if over_4g
            else 'printString("AT+iCA=", SOCKET0);'
        )
        calls += ["BEGIN CERTIFICATE", "if (!installCertificate())"]
    elif isinstance(destination, Tcp):
        calls.append(
            f"_4G.openSocketClient(Wasp4G::CONNECTION_1, Wasp4G::TCP, destinationHost, "
            f"{destination.port})"
            if over_4g
            else "WIFI_PRO.setTCPclient(destinationHost, destinationPort)"
        )
    elif isinstance(destination, Sms):
        calls += [f'char destinationPhone[] = "{destination.phone}";', "_4G.sendSMS("]
    elif isinstance(destination, Meshlium):
        calls.append(
            '"GET /getpost_frame_parser.php\\?frame="'
            if over_4g
            else 'WIFI_PRO.sendFrameToMeshlium((char*)"https"'
        )
    elif isinstance(destination, CloudBridge):
        calls += ["Authorization: Bearer ", "NODE_CLOUD_API_KEY", f"GET {destination.path}"]
    return calls


def option_calls(config: NodeConfig, plan: FramePlan) -> list[str]:
    seconds = config.sleep.total_seconds()
    days, rest = divmod(seconds, 86400)
    calls = [
        f'#define SLEEP_TIME "{days:02d}:{rest // 3600:02d}:{rest % 3600 // 60:02d}:'
        f'{rest % 60:02d}"',
        "frame.setID(NODE_NAME);",
        "frame.createFrame(BINARY);",
    ]
    if config.watchdog is not None and config.watchdog.enabled:
        minutes = config.watchdog.minutes
        calls.append(
            f"RTC.setWatchdog({minutes});"
            if minutes < 1440
            else f"RTC.setAlarm2({minutes // 1440}, {minutes % 1440 // 60}, {minutes % 60}, "
            "RTC_OFFSET, RTC_ALM2_MODE2);"
        )
    if config.battery_warning is not None and config.battery_warning.enabled:
        high, middle, low = config.battery_warning.thresholds
        calls.append(
            f"(battery < {low}) ? 3 : (battery < {middle}) ? 2 : (battery < {high}) ? 1 : 0"
        )
    if 96 in plan.sent_types or 100 in plan.sent_types:
        key = config.encryption.key.get_secret_value() if config.encryption.key else ""
        calls += [
            f"frame.encryptionToCloud({'ENABLED' if 100 in plan.sent_types else 'DISABLED'});",
            f"frame.encryptFrame(AES_{len(key) * 8}, NODE_AES_KEY)",
        ]
    if 103 in plan.sent_types:
        calls += [
            "frame.encryptFrameHw(CLOUD_KEY_SLOT);",
            "eeprom.saveKey(CLOUD_KEY_SLOT",
            "memcmp(answer, NODE_CLOUD_KEY_CHECK, 16) == 0",
        ]
    if isinstance(config.industrial, ModbusConfig):
        for read in config.industrial.reads:
            calls += [
                f"modbus.setSlaveAddress({read.slave});",
                f"modbus.readInputRegisters({read.start_register}, {read.count})",
                f"(int)({read.slave + 256 * read.start_register})",
            ]
    if config.gps is not None and config.gps.enabled:
        calls.append(f"GPS.waitForSignal({config.gps.timeout_s}UL)")
    if config.radiation is not None:
        calls.append(f"getRadiationInt({config.radiation.measuring_period_ms}L)")
    if plan.frame_type in (7, 8):
        kind = "AGR_XTR" if plan.frame_type == 7 else "WTR_XTR"
        calls.append(f"frame.setFrameType(INFORMATION_FRAME_{kind});")
    return calls


def expected_calls(config: NodeConfig, plan: FramePlan) -> list[str]:
    """Every snippet the sketch must contain."""
    return radio_calls(config, plan) + destination_calls(config) + option_calls(config, plan)
