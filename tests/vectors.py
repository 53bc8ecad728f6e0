"""Golden vectors built by hand from the byte layouts (not by the project's encoder).

Float bytes are IEEE-754 single precision, little-endian; ints are little-endian.
"""

SERIAL = "0123456789ABCDEF"

# One field per value kind of the standard table (type 6), as (tag, values, field hex).
FIELDS_V15 = [
    ("TST", (1700000000,), "7B 00F15365"),  # ulong32 1700000000 = 0x6553F100
    ("TC", (23.5,), "4A 0000BC41"),  # float 23.5 = 0x41BC0000
    ("BAT", (87,), "34 57"),  # uint8
    ("RSSI", (-75,), "36 B5FF"),  # int16 -75 = 0xFFB5
    ("GPS", (41.5, -0.5), "35 00002642 000000BF"),  # 2 floats
    ("ACC", (-15, 0, 1000), "3F F1FF 0000 E803"),  # 3 int16
    ("STR", ("LOW1",), "41 04 4C4F5731"),  # string: length byte + characters
    ("DATE", (24, 11, 21), "3A 18 0B 15"),  # 3 x uint8
    ("PART", (100, 65536), "49 64000000 00000100"),  # 2 x ulong32
    ("MB_IR", (17, 402, 277), "B7 1100 9201 1501"),  # the PCS guide's Modbus field (ERRATA)
    ("PM_BINH", tuple(range(1, 9)), "C0 0100 0200 0300 0400 0500 0600 0700 0800"),  # uint16[8]
]

# The whole frame carrying FIELDS_V15: '<=>', type 6, 0x5A = 90 bytes follow, serial,
# "node01", '#', sequence 5, then the fields above in order.
FRAME_V15 = (
    "3C3D3E 06 5A 0123456789ABCDEF 6E6F64653031 23 05"
    + "".join(hex_text for _, _, hex_text in FIELDS_V15)
).replace(" ", "")

# Smart Agriculture Xtreme (type 7): empty node name, sequence 255,
# TC_A (id 0) 18.5, LW (id 12) 12.5, WD (id 210, int16) 270.
FRAME_AGR_XTR = "3C3D3E 07 17 1122334455667788 23 FF 00 00009441 0C 00004841 D2 0E01".replace(
    " ", ""
)

# Smart Water Xtreme (type 8): node "w", sequence 1, EM_BGA (id 238) 2.0.
FRAME_WTR_XTR = "3C3D3E 08 10 A1A2A3A4A5A6A7A8 77 23 01 EE 00000040".replace(" ", "")

# ASCII type 0x86 with 5 fields: decimals from the table (TC 2, HUM 1, GPS 6), ';' between
# values, '-' in DATE/TIME and the GMT offset after TIME.
FRAME_ASCII = (
    b"<=>\x86\x05#0123456789ABCDEF#node01#12#"
    b"TC:23.50#HUM:48.2#GPS:41.500000;-0.500000#DATE:24-11-21#TIME:10-20-30+1#"
)

# The FIELDS_V15 frame split into 12-byte tiny frames, first fit in field order
# (sequence 5, length byte counts the 2 header bytes). PM_BINH (17 bytes) never fits.
TINY_PARTS_12 = [
    "05 0C 7B00F15365 4A0000BC41",  # TST + TC
    "05 0B 3457 36B5FF 3A180B15",  # BAT + RSSI + DATE (GPS, ACC, STR do not fit after RSSI)
    "05 0B 3500002642000000BF",  # GPS
    "05 09 3FF1FF0000E803",  # ACC
    "05 08 41044C4F5731",  # STR
    "05 0B 496400000000000100",  # PART
    "05 09 B7110092011501",  # MB_IR
]

# A small binary frame and its AES-ECB encryption (zero padding to 32 bytes), computed with
# `openssl enc -aes-N-ecb -nopad` for each key; encrypted type 96, 8 + 32 = 0x28 bytes follow.
SMALL_FRAME = (
    "3C3D3E06130123456789ABCDEF6E31230934374A0000BC41"  # node "n1", seq 9, BAT 55, TC 23.5
)
KEY_128 = "0123456789ABCDEF"
KEY_192 = "0123456789ABCDEF01234567"
KEY_256 = "0123456789ABCDEF0123456789ABCDEF"
CIPHERTEXT = {
    KEY_128: "6409FCC829CF6A9B3309380386498949AB4E5159EEA06DB850154440A7E2BCAF",
    KEY_192: "E6E9CF4CD172869DDDCBE34C570A27C652AB9D98B4208796ECE05669242F0D8F",
    KEY_256: "B06F0AB633978E2F13B7BB5AA2273BB2065FCC0C7635A91206296822973E738F",
}


def encrypted(frame_type: int, key: str) -> str:
    """The SMALL_FRAME encrypted with ``key`` as an encrypted frame of ``frame_type``."""
    return f"3C3D3E{frame_type:02X}28{SERIAL}{CIPHERTEXT[key]}"


def unhex(text: str) -> bytes:
    """Bytes of a hex string that may contain spaces."""
    return bytes.fromhex(text.replace(" ", ""))
