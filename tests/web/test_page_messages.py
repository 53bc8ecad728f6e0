"""A page's notice says a refusal in words: the field by its label, a configuration path as
the YAML writes it, the message alone where the form has that one field."""

from __future__ import annotations

import pytest

from openpcs.web.errors import Refused
from openpcs.web.page_render import page_message


@pytest.mark.parametrize(
    ("refused", "said"),
    [
        (Refused("at least 8 characters", "password"), "Password: at least 8 characters"),
        (Refused("is registered already", "serial"), "Serial ID: is registered already"),
        (Refused("not a Waspmote API tree", "api_dir"), "not a Waspmote API tree"),
        (Refused("line 3: no serial", "csv"), "line 3: no serial"),
        (
            Refused("not a node configuration: extra", "radio.xbee_868lp.channel"),
            "radio.xbee_868lp.channel: not a node configuration: extra",
        ),
        (Refused("a configuration is a JSON object"), "a configuration is a JSON object"),
    ],
)
def test_a_refusal_names_its_field_as_the_page_does(refused: Refused, said: str) -> None:
    assert page_message(refused) == said
