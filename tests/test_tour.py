"""The lecture tour (lessons/tour.toml) and presenter mode (ui/presenter.py): the loader's located messages, and every
step opened under AppTest, by bookmark and by the bar's buttons, on its page with its scenario and frame."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.core.lessons import LESSONS_DIR, LessonError
from engine.core.tour import MAX_TITLE, load_tour, parse_tour
from tests.players import browser_player
from ui import presenter
from ui.navigation import BY_TITLE, GROUPS

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TOUR = load_tour(LESSONS_DIR / "tour.toml", BY_TITLE)
SECTION_OF = {spec.title: group for group, specs in GROUPS.items() for spec in specs}


# --------------------------------------------------------------------------- the shipped tour


def test_the_tour_tells_the_whole_chapter_in_order():
    assert 20 <= len(TOUR) <= 30
    sections = [SECTION_OF[s.page][:3] for s in TOUR]
    assert sections == sorted(sections), "steps follow the lecture: 2.1 before 2.2 ... before 2.5"
    assert {"2.1", "2.2", "2.3", "2.4", "2.5"} <= set(sections)
    assert len({s.title for s in TOUR}) == len(TOUR)
    assert all(len(s.title) <= MAX_TITLE and s.note for s in TOUR)


def test_a_step_url_is_for_students_without_presenter_mode_or_a_learner_key():
    step = next(s for s in TOUR if s.page == "Trap and emulate")
    url = presenter.step_url("http://10.0.0.5:8501/", step)
    assert url.startswith("http://10.0.0.5:8501/trap-and-emulate?")
    assert "isa=" in url and "trap-frame=" in url
    assert "presenter" not in url and "learner" not in url and "tour=" not in url
    svg = presenter.qr_svg(url)
    assert svg.startswith("<svg") and "viewBox" in svg and "http" not in svg  # drawn inline, nothing fetched


# --------------------------------------------------------------------------- located messages

GOOD = {"title": "POPF fails silently", "page": "Trap and emulate", "params": {"isa": "ia32", "trap-frame": 6},
        "note": "CLI traps, POPF does not."}


def tour_of(*changed: dict) -> dict:
    """A two-step tour whose second step is GOOD with ``changed`` applied (a value of None removes the key)."""
    second = dict(GOOD, title="Second step")
    for change in changed:
        for key, value in change.items():
            if value is None:
                second.pop(key, None)
            else:
                second[key] = value
    return {"step": [dict(GOOD), second]}


@pytest.mark.parametrize("change, problem", [
    ({"title": None}, "missing required key 'title'"),
    ({"title": "  "}, "'title' must not be empty"),
    ({"title": "x" * (MAX_TITLE + 1)}, f"keep it to {MAX_TITLE}"),
    ({"title": GOOD["title"]}, "the title is already used by step #1"),
    ({"page": None}, "missing required key 'page'"),
    ({"page": "Trap and emulat"}, "page 'Trap and emulat' is not a page of the app; did you mean 'Trap and emulate'?"),
    ({"page": "Chapter 9"}, "is not a page of the app; the pages are: "),
    ({"note": None}, "missing required key 'note'"),
    ({"params": "isa=ia32"}, "'params' must be a table"),
    ({"params": {"trap-frame": 6.5}}, "params: trap-frame must be text or a whole number, found 6.5"),
    ({"params": {"isa": True}}, "params: isa must be text or a whole number, found True"),
    ({"params": {"isa": ["ia32"]}}, "params: isa must be text or a whole number"),
    ({"params": {"isa": ""}}, "params: isa must not be empty"),
    ({"params": {"Trap Frame": 6}}, "params: 'Trap Frame' is not a query name"),
    ({"params": {"tour": 3}}, "params: 'tour' is set by presenter mode itself"),
    ({"params": {"learner": "a-b-c-d"}}, "params: 'learner' is set by presenter mode itself"),
    ({"parms": {"isa": "ia32"}}, "unknown key 'parms'; a step has title, page, params, note"),
])
def test_each_mistake_names_the_file_the_step_and_the_problem(change, problem):
    with pytest.raises(LessonError) as caught:
        parse_tour(tour_of(change), "tour.toml", BY_TITLE)
    message = str(caught.value)
    assert message.startswith("tour.toml [[step]] #2"), message
    assert problem in message, message
    if "title" not in change:
        assert "(Second step)" in message, message


@pytest.mark.parametrize("data, problem", [
    ({}, "tour.toml: missing required key 'step'"),
    ({"step": []}, "tour.toml: the tour needs at least one [[step]]"),
    ({"step": "Trap and emulate"}, "tour.toml: the tour needs at least one [[step]]"),
    ({"step": [dict(GOOD), "Trap and emulate"]}, "tour.toml [[step]] #2: expected a table"),
])
def test_a_tour_without_steps_is_reported(data, problem):
    with pytest.raises(LessonError, match=problem.replace("[", r"\[").replace("]", r"\]")):
        parse_tour(data, "tour.toml", BY_TITLE)


def test_a_file_that_is_not_toml_is_reported(tmp_path):
    bad = tmp_path / "tour.toml"
    bad.write_text('[[step]]\ntitle = "Unclosed\n', encoding="utf-8")
    with pytest.raises(LessonError, match=r"tour\.toml: not valid TOML"):
        load_tour(bad, BY_TITLE)


# --------------------------------------------------------------------------- every step under AppTest


def bar_text(at: AppTest) -> str:
    return next((m.value for m in at.markdown if m.value.startswith("**Step ")), "")


def browser_player_start(index: int) -> int:
    """The frame tour step ``index`` opens its Trap and emulate player at (0-based)."""
    return int(dict(TOUR[index].params)["trap-frame"])


def shows_frame(at: AppTest, key: str, index: int) -> bool:
    """Player ``key`` shows frame ``index`` (0-based): a browser player opens at it, a server player captions it."""
    if any(f'data-key="{key}"' in e.value and "vl-player" in e.value for e in at.get("html")):
        return browser_player(at, key).start == index
    return any(m.value.startswith(f"**Frame {index + 1}/") for m in at.markdown)


def assert_on_step(at: AppTest, index: int) -> None:
    """The app shows step ``index``: no exception, no link notice, its page, its query values read by the page."""
    step = TOUR[index]
    assert not at.exception, [e.value for e in at.exception]
    notices = [i.value for i in at.info if "Link notice" in i.value]
    assert not notices, (step.title, notices)
    assert bar_text(at) == f"**Step {index + 1}/{len(TOUR)}: {step.title}**"
    shown = {name: (value if isinstance(value, str) else value[0]) for name, value in at.query_params.items()}
    assert shown.get("tour") == str(index) and shown.get("presenter") == "1"
    # The page writes back what it shows (selections, the player's frame); a value it did not take would differ.
    for name, value in step.params:
        assert shown.get(name) == value, (step.title, name, value, shown.get(name))
    for name, value in step.params:
        if name.endswith("-frame"):
            assert shows_frame(at, name.removesuffix("-frame"), int(value)), (step.title, name)
    selects = {box.key: box.value for box in at.selectbox}
    for name, value in step.params:
        if f"q_{name}" in selects:  # the step's page drew this selector, and it took the address's value
            assert selects[f"q_{name}"] == value, (step.title, name)
    assert at.session_state["presenter"] is True


@pytest.mark.parametrize("index", range(len(TOUR)), ids=[s.title for s in TOUR])
def test_a_bookmarked_step_opens_on_its_page_with_its_scenario(index):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["presenter"] = "1"
    at.query_params["tour"] = str(index)
    at.run()  # opened at Home: the bar switches to the step's page
    assert_on_step(at, index)


def test_next_and_prev_walk_the_whole_tour():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["presenter"] = "1"
    at.query_params["tour"] = "0"
    at.run()
    assert_on_step(at, 0)
    assert at.button(key="presenter_prev").disabled
    for index in range(1, len(TOUR)):
        following = TOUR[index].title
        assert any(f"Next: {following}" in c.value for c in at.caption), following
        at.button(key="presenter_next").click().run()
        assert_on_step(at, index)
    assert at.button(key="presenter_next").disabled
    assert any("Next: end of the tour" in c.value for c in at.caption)
    for index in range(len(TOUR) - 2, len(TOUR) - 6, -1):  # back over steps that share a page
        at.button(key="presenter_prev").click().run()
        assert_on_step(at, index)


def test_steps_on_the_same_page_each_show_their_own_scenario():
    """Widget state of the page would win over the address; going to a step drops it (Prev over three
    Trap and emulate steps, each with its own ISA, program and frame)."""
    first = next(i for i, s in enumerate(TOUR) if s.page == "Trap and emulate")
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"presenter": "1", "tour": str(first)})
    at.run()
    at.query_params["trap-frame"] = str(browser_player_start(first) + 1)
    at.run()  # the lecturer stepped the animation: the browser's player writes its frame into the address
    left = browser_player(at, "trap").body
    at.button(key="presenter_next").click().run()
    assert_on_step(at, first + 1)
    at.button(key="presenter_prev").click().run()
    assert_on_step(at, first)
    # A new player element (a new visit), so the browser opens it at the step's frame, not where it was left.
    assert browser_player(at, "trap").body != left and browser_player(at, "trap").start == browser_player_start(first)


def test_the_shift_arrow_buttons_step_too():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"presenter": "1", "tour": "2"})
    at.run()
    at.button(key="presenter_next_alt").click().run()
    assert_on_step(at, 3)
    at.button(key="presenter_prev_alt").click().run()
    assert_on_step(at, 2)


def test_app_wide_address_values_survive_a_step():
    """The colour theme (?theme=) is the whole app's, not the page's: a step switch keeps it."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"presenter": "1", "tour": "0", "theme": "dark"})
    at.run()
    assert_on_step(at, 0)
    at.button(key="presenter_next").click().run()
    assert_on_step(at, 1)
    assert at.query_params["theme"] in ("dark", ["dark"])


def test_leaving_the_tour_page_offers_the_way_back():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"presenter": "1", "tour": "6"})
    at.run()
    at.switch_page("pages/s25_regions.py").run()  # the lecturer opened another page from the sidebar
    assert not at.exception
    assert bar_text(at).startswith("**Step 7/")
    at.button(key="presenter_back").click().run()
    assert_on_step(at, 6)


def test_the_sidebar_toggle_turns_presenter_mode_on_and_off():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    # Not on Home: AppTest reruns Home's own file without app.py (the pages/ folder quirk of streamlit#8860).
    at.switch_page("pages/s21_rings.py").run()
    assert not bar_text(at) and not at.session_state["presenter"]
    at.sidebar.toggle(key="presenter").set_value(True).run()
    assert bar_text(at).startswith("**Step 1/")
    assert at.query_params["presenter"] in ("1", ["1"])
    at.sidebar.toggle(key="presenter").set_value(False).run()
    assert not bar_text(at)
    assert "presenter" not in at.query_params and "tour" not in at.query_params


def test_a_step_outside_the_tour_gives_a_notice_and_the_first_step():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"presenter": "1", "tour": "99"})
    at.run()
    assert not at.exception
    assert any("'tour=99' is not a step of the tour" in i.value for i in at.info)
    assert bar_text(at).startswith("**Step 1/")


def test_a_broken_tour_file_is_a_message_and_the_page_still_works(tmp_path, monkeypatch):
    broken = tmp_path / "tour.toml"
    broken.write_text('[[step]]\ntitle = "Rings"\npage = "Protection ring"\nnote = "x"\n', encoding="utf-8")
    monkeypatch.setattr(presenter, "TOUR_FILE", broken)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"presenter": "1", "tour": "0"})
    at.run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("tour.toml [[step]] #1 (Rings): page 'Protection ring' is not a page of the app; did you mean "
               "'Protection rings'?" in e for e in errors), errors
    assert at.title[0].value  # Home still renders under the message
