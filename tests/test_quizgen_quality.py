"""Generated questions a student cannot game: 200 variants per generator, each answerable, explained, balanced."""

from __future__ import annotations

from collections import Counter, defaultdict
from statistics import mean
from urllib.parse import parse_qs, urlsplit

import pytest

from engine.core.quiz import Question, grade
from engine.quizgen import registry
from ui.navigation import GROUPS

SECTIONS = ("2.1", "2.2", "2.3", "2.4", "2.5")
VARIANTS = 200
URL_PATHS = {p.url_path for specs in GROUPS.values() for p in specs if p.url_path}
BANK_SIZES = {"2.1": 22, "2.2": 30, "2.3": 34, "2.4": 19, "2.5": 14}  # the sizes before the rewrite: never fewer


@pytest.fixture(scope="module")
def variants(catalogue) -> dict[str, list[Question]]:
    return {gid: [gen.make(seed, catalogue) for seed in range(VARIANTS)] for gid, gen in registry().items()}


def link_params(link: str) -> tuple[str, dict[str, str]]:
    """(page url path, query values) of a generated question's simulator link; each value given once."""
    parts = urlsplit(link)
    query = parse_qs(parts.query, keep_blank_values=True)
    assert all(len(v) == 1 for v in query.values()), link
    return parts.path.lstrip("/"), {k: v[0] for k, v in query.items()}


def _number_forms(value: float) -> set[str]:
    return {f"{value:g}", f"{value:,g}", f"{value:.2f}", f"{value:.1f}", f"{value:,.0f}", f"{value:.4f}", str(round(value)),
            f"{value:.3g}", f"{value:.4g}"}


@pytest.mark.parametrize("gen_id", sorted(registry()))
def test_every_variant_is_answerable_and_explained(variants, gen_id):
    for q in variants[gen_id]:
        text = q.explanation + " " + " ".join(q.solution)
        if q.kind == "numeric":
            assert any(form in text for form in _number_forms(q.value)), (q.id, q.value, text[:300])
        elif q.kind in ("single", "multiple"):
            assert all(a in text for a in q.answer) or (q.kind == "multiple" and "none" in text.lower()), (q.id, q.answer)
        assert grade(q, _right_response(q)).correct, q.id


def _right_response(q: Question):
    if q.kind == "numeric":
        return f"{q.value!r}"
    if q.kind == "single":
        return q.answer[0]
    return list(q.answer)


@pytest.mark.parametrize("gen_id", sorted(registry()))
def test_every_variant_has_a_worked_solution_and_a_simulator_link(variants, gen_id):
    for q in variants[gen_id]:
        assert len(q.solution) >= 2, q.id
        path = q.link.split("?")[0].lstrip("/")
        assert q.link.startswith("/") and path in URL_PATHS, (q.id, q.link)


@pytest.mark.parametrize("gen_id", sorted(registry()))
def test_no_fixed_option_is_right_more_often_than_chance_plus_ten_percent(variants, gen_id):
    offered: Counter[str] = Counter()
    right: Counter[str] = Counter()
    sizes: dict[str, list[int]] = defaultdict(list)
    for q in variants[gen_id]:
        if q.kind not in ("single", "multiple"):
            continue
        for o in q.options:
            offered[o] += 1
            sizes[o].append(len(q.options))
            right[o] += o in q.answer
    for option, n in offered.items():
        if n < VARIANTS // 5:  # an option made for one variant, not a fixed one
            continue
        chance = mean(1 / k for k in sizes[option]) if variants[gen_id][0].kind == "single" else 0.5
        assert right[option] / n <= chance + 0.10, (gen_id, option, right[option], n)


@pytest.mark.parametrize("gen_id", sorted(registry()))
def test_variants_vary_and_are_deterministic(catalogue, variants, gen_id):
    gen = registry()[gen_id]
    assert [gen.make(s, catalogue) for s in range(5)] == variants[gen_id][:5]
    assert len({q.prompt for q in variants[gen_id]}) >= 6
