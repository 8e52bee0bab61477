"""Which player a page gets: the browser's, or the server's for traces too long to send whole and without dot."""

from streamlit.testing.v1 import AppTest

from tests.players import browser_player
from tests.test_pages import open_page
from ui import player

TRAP = "pages/s21_trap_emulate.py"


def test_a_trace_longer_than_the_browser_bound_is_stepped_on_the_server(monkeypatch):
    monkeypatch.setattr(player, "BROWSER_FRAMES", 3)
    at = open_page(TRAP)
    assert not [h for h in at.get("html") if "vl-player" in h.value]
    at.button(key="trap_next").click().run()
    assert any(m.value.startswith("**Frame 2/") for m in at.markdown)


def test_a_session_keeps_only_the_last_drawn_players(monkeypatch):
    monkeypatch.setattr(player, "KEPT_PLAYERS", 1)
    at = open_page(TRAP)
    assert len(browser_player(at, "trap")) > 3
    at.switch_page("pages/s25_instances.py")
    at.run()
    assert list(at.session_state["player_browser_drawn"]) == ["credits"]


def test_a_trace_with_the_same_name_but_other_frames_is_drawn_again():
    def script():
        import streamlit as st

        from engine.core.trace import Trace, TraceBuilder
        from ui.player import player

        builder = TraceBuilder("same-name")
        for step in range(3):
            builder.add(st.session_state.get("value", 0) + step, f"step {step}")
        trace: Trace = builder.build()
        player(trace, "demo", lambda frame, out: out.markdown(f"value **{frame.state}**"), client=True)

    at = AppTest.from_function(script, default_timeout=30)
    at.run()
    assert "value 2" in browser_player(at, "demo").frame_text(2)
    at.session_state["value"] = 10
    at.run()
    assert "value 12" in browser_player(at, "demo").frame_text(2)


def test_turning_presenter_mode_on_redraws_a_players_chart_with_the_larger_text():
    import json

    from viz import theme

    at = open_page("pages/s25_instances.py")

    def sizes() -> set[int]:
        return {json.loads(e.proto.spec)["config"]["axis"]["labelFontSize"] for e in at.get("vega_lite_chart")
                if "vlp_frame" in e.proto.spec}  # the player's chart (it filters by the slider's frame)

    assert sizes() == {round(theme.LABEL_PX * theme.SIZES["normal"])}
    at.session_state["presenter"] = True
    at.run()
    assert sizes() == {round(theme.LABEL_PX * theme.SIZES["presenter"])}


def test_a_shared_drawing_serves_every_session_with_the_same_inputs(monkeypatch):
    made = []

    class Counting(player.Drawn):
        def __init__(self, trace, *args):
            made.append(trace.scenario)
            super().__init__(trace, *args)

    monkeypatch.setattr(player, "Drawn", Counting)
    player._shared_drawing.clear()

    first, second = open_page("pages/s24_scheduling.py"), open_page("pages/s24_scheduling.py")
    assert len(made) == 1  # the second session got the first one's drawing
    assert browser_player(first, "sched").captions == browser_player(second, "sched").captions
    assert browser_player(first, "sched").body != browser_player(second, "sched").body  # each its own visit


def test_frames_with_different_layouts_are_shown_by_the_server_player():
    def script():
        from engine.core.trace import TraceBuilder
        from ui.player import player

        builder = TraceBuilder("layouts")
        for step in range(3):
            builder.add(step, f"step {step}")

        def render(frame, out):
            if frame.state == 1:  # only this frame has a chart
                out.vega_lite_chart({"mark": "bar", "data": {"values": [{"a": 1}]}})
            out.markdown(f"frame **{frame.state}**")

        player(builder.build(), "demo", render, client=True)

    at = AppTest.from_function(script, default_timeout=30)
    at.run()
    assert not at.exception and not [h for h in at.get("html") if "vl-player" in h.value]
    at.button(key="demo_next").click().run()
    assert not at.exception and len(at.get("vega_lite_chart")) == 1
