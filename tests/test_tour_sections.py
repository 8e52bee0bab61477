"""Tour steps that open further down their page (tour.toml's ``section``): the loader checks the field, and every
section names a heading its page really draws (the browser test checks the landing itself)."""

from __future__ import annotations

import pytest

from engine.core.lessons import LESSONS_DIR, LessonError
from engine.core.tour import MAX_SECTION, load_tour, parse_tour
from tests.test_pages import open_page
from ui.navigation import BY_TITLE

TOUR = load_tour(LESSONS_DIR / "tour.toml", BY_TITLE)
SECTIONED = [s for s in TOUR if s.section]


def _one(**step) -> dict:
    return {"step": [{"title": "A step", "page": "I/O virtualization", "note": "Say this.", **step}]}


def test_a_section_is_optional_text_of_bounded_length():
    assert parse_tour(_one(), "tour.toml", BY_TITLE)[0].section == ""
    assert parse_tour(_one(section=" Summary "), "tour.toml", BY_TITLE)[0].section == "Summary"
    with pytest.raises(LessonError, match=r"\[\[step\]\] #1 \(A step\).*'section' must not be empty"):
        parse_tour(_one(section=""), "tour.toml", BY_TITLE)
    with pytest.raises(LessonError, match="names a heading of the page"):
        parse_tour(_one(section="x" * (MAX_SECTION + 1)), "tour.toml", BY_TITLE)


def test_the_tour_lands_on_sections_instead_of_asking_to_scroll():
    assert len(SECTIONED) >= 5
    assert not [s.title for s in TOUR if "scroll" in s.note.lower()], "a note still asks the lecturer to scroll"


@pytest.mark.parametrize("step", SECTIONED, ids=[s.title for s in SECTIONED])
def test_every_section_is_a_heading_of_its_page(step):
    at = open_page(BY_TITLE[step.page].file, step.query())
    headings = [h.value for h in at.header] + [h.value for h in at.subheader] + [h.value for h in at.title]
    assert step.section in headings, (step.title, headings)
