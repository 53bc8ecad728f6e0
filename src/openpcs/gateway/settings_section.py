"""What every section of the gateway's settings is: strict (an unknown name is an error),
frozen, and silent about the values it was given when it refuses them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["SettingsSection"]


class SettingsSection(BaseModel):
    """A section of the settings."""

    # settings hold passwords and tokens: an error's text never repeats the value given
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)
