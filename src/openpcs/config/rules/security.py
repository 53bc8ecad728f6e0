"""Smart Security events and the relay in socket F (guide §2.5.5)."""

from __future__ import annotations

from collections.abc import Iterator

from openpcs.catalog.hardware import probes
from openpcs.config.issues import Issue
from openpcs.config.model import SocketName
from openpcs.config.rules.base import RuleContext, error, rule, warning

_RELAY_PROBE = "relay"
_RELAY_SOCKET: SocketName = "F"
_MAX_RELAY_TIMEOUT_S = 86_400


def _relay_fitted(context: RuleContext) -> bool:
    chosen = context.config.sockets.get(_RELAY_SOCKET)
    relay = context.config.relay
    return chosen is not None and chosen.probe == _RELAY_PROBE and (relay is None or relay.enabled)


@rule("events", "2.5.5")
def events_only_on_event_probes(context: RuleContext) -> Iterator[Issue]:
    """Event behaviour belongs to event probes; "wake up + relay" needs the relay in F."""
    known = probes()
    relay = _relay_fitted(context)
    for socket, chosen in sorted(context.config.sockets.items()):
        if chosen.event is None:
            continue
        path = f"sockets.{socket}.event"
        probe = known.get(chosen.probe)
        if probe is None:
            continue
        if not probe.events:
            yield error(path, f"{probe.name} raises no events")
        elif chosen.event == "wake_up_relay" and not relay:
            yield error(
                path,
                "'wake up + relay' needs the relay: put 'relay' in socket F and enable it",
            )


@rule("relay", "2.5.5")
def relay_settings(context: RuleContext) -> Iterator[Issue]:
    """The relay in F needs its settings and they need it; timeout mode needs a timeout > 0."""
    relay = context.config.relay
    chosen = context.config.sockets.get(_RELAY_SOCKET)
    if relay is None:
        if chosen is not None and chosen.probe == _RELAY_PROBE:
            yield error(
                "relay",
                "say how the relay switches off: mode: timeout with timeout_s, or "
                "mode: until_clear",
            )
        return
    if chosen is None or chosen.probe != _RELAY_PROBE:
        yield error("relay", "the relay settings need the relay probe in socket F")
        return
    if relay.enabled and relay.mode == "timeout":
        timeout = relay.timeout_s
        if timeout is None or timeout <= 0:
            yield error("relay.timeout_s", "in timeout mode the relay needs a timeout > 0 s")
        elif timeout > _MAX_RELAY_TIMEOUT_S:
            yield error(
                "relay.timeout_s", f"{timeout} s is more than a day ({_MAX_RELAY_TIMEOUT_S} s)"
            )
    if relay.mode == "until_clear" and relay.timeout_s is not None:
        yield warning("relay.timeout_s", "ignored: the relay stays on until all events clear")


@rule("event-power", "2.5.5")
def disabled_probes_still_raise_events(context: RuleContext) -> Iterator[Issue]:
    """A disabled event probe stays powered while another wakes the node, so it still fires."""
    known = probes()
    event_sockets = {
        socket: chosen
        for socket, chosen in context.config.sockets.items()
        if chosen.probe in known and known[chosen.probe].events
    }
    waking = sorted(s for s, c in event_sockets.items() if c.event in ("wake_up", "wake_up_relay"))
    if not waking:
        return
    for socket, chosen in sorted(event_sockets.items()):
        if chosen.event in (None, "disabled"):
            yield warning(
                f"sockets.{socket}.event",
                f"{chosen.probe} is disabled but stays powered while socket(s) "
                f"{', '.join(waking)} can wake the node, so it will still raise events",
            )
