"""The dedup window against a plain model of it: a key is a duplicate while it was last
remembered less than the window ago, whatever order lookups, forgets, seeds (of an empty or a
full window, oldest first or not) and merges come in."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from openpcs.gateway.dedup import DedupWindow

WINDOW = 10.0
keys = st.sampled_from([bytes([n]) for n in range(3)])
steps = st.lists(
    st.one_of(
        st.tuples(st.just("wait"), st.sampled_from([0.0, 0.5, 4.0, 9.5, 10.0, 25.0])),
        st.tuples(st.just("seen"), keys),
        st.tuples(st.just("forget"), keys),
        st.tuples(st.just("seed"), st.lists(st.tuples(keys, st.floats(-20, 20)), max_size=3)),
        st.tuples(st.just("merge"), st.lists(st.tuples(keys, st.floats(-20, 20)), max_size=3)),
    ),
    max_size=60,
)


@given(steps)
def test_the_window_answers_as_its_model(script: list[tuple[str, object]]) -> None:
    now = [1000.0]
    window = DedupWindow(WINDOW, clock=lambda: now[0])
    first_seen: dict[bytes, float] = {}  # the model: when each remembered key was seen
    for action, argument in script:
        if action == "wait":
            now[0] += argument  # type: ignore[operator]
        elif action == "seen":
            key = argument
            live = key in first_seen and first_seen[key] > now[0] - WINDOW  # type: ignore[index]
            assert window.seen(key) is live  # type: ignore[arg-type]
            if not live:
                first_seen[key] = now[0]  # type: ignore[index]
        elif action == "forget":
            window.forget(argument)  # type: ignore[arg-type]
            first_seen.pop(argument, None)  # type: ignore[call-overload]
        else:
            pairs: list[tuple[bytes, float]] = argument  # type: ignore[assignment]
            (window.seed if action == "seed" else window.merge)(pairs)
            for key, age in pairs:  # a key keeps its latest sighting, never later than now
                if age < WINDOW:
                    when = now[0] - max(age, 0.0)
                    first_seen[key] = max(first_seen.get(key, when), when)
        live_keys = {k for k, at in first_seen.items() if at > now[0] - WINDOW}
        if action == "seen":  # a lookup forgets what the window has passed
            assert len(window) == len(live_keys)


def test_a_long_quiet_spell_forgets_everything_at_the_next_lookup() -> None:
    now = [0.0]
    window = DedupWindow(WINDOW, clock=lambda: now[0])
    for number in range(100):
        assert not window.seen(number.to_bytes(2, "big"))
        now[0] += 0.01
    now[0] += WINDOW
    assert not window.seen(b"new")
    assert len(window) == 1
    assert not window.seen((5).to_bytes(2, "big"))
