"""Every page under streamlit.testing's AppTest: renders, controls work, bad input is handled."""

import html
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.core.quiz import load_bank
from tests.players import browser_player
from ui.navigation import GROUPS
from ui.quiz import PART_SIZE

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = [spec for specs in GROUPS.values() for spec in specs]


def open_page(file: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page(file)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def frame_text(at: AppTest, key: str) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Frame "))


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path or "home" for p in PAGES])
def test_every_page_renders_without_exception(spec):
    at = open_page(spec.file)
    assert at.title[0].value


@pytest.fixture
def server_player(monkeypatch):
    """The server's player, which pages get when Graphviz's ``dot`` is not installed (ui.player)."""
    from ui import diagram

    monkeypatch.setattr(diagram, "available", lambda: False)


def test_player_controls_move_the_frame(server_player):
    at = open_page("pages/s21_trap_emulate.py")
    assert frame_text(at, "trap").startswith("**Frame 1/")
    at.button(key="trap_next").click().run()
    assert frame_text(at, "trap").startswith("**Frame 2/")
    at.button(key="trap_next").click().run()
    at.button(key="trap_back").click().run()
    assert frame_text(at, "trap").startswith("**Frame 2/")
    at.button(key="trap_last").click().run()
    total = frame_text(at, "trap").split("/")[1].split(" ")[0]
    assert frame_text(at, "trap").startswith(f"**Frame {total}/{total}")
    assert at.button(key="trap_next").disabled
    at.button(key="trap_first").click().run()
    assert frame_text(at, "trap").startswith("**Frame 1/")
    at.slider(key="trap_slider").set_value(4).run()
    assert frame_text(at, "trap").startswith("**Frame 4/")
    assert at.query_params["trap-frame"] in ("3", ["3"])
    assert any("PUSHF" in c.value for c in at.code)  # render(frame, st) draws the same frame on the server


def test_play_button_toggles_to_pause(server_player):
    at = open_page("pages/s21_trap_emulate.py")
    at.button(key="trap_play").click().run()
    assert not at.exception
    assert at.button(key="trap_play").label.startswith("⏸")
    at.button(key="trap_play").click().run()
    assert at.button(key="trap_play").label.startswith("▶")


def test_the_browser_gets_every_frame_drawn_once_and_a_rerun_sends_the_same_player():
    at = open_page("pages/s21_trap_emulate.py", {"isa": "ia32", "program": "ia32-popf"})
    shown = browser_player(at, "trap")
    assert shown.start == 0 and len(shown) == 9
    assert [shown.caption(i).split(" —")[0] for i in (0, 8)] == ["Frame 1/9", "Frame 9/9"]
    assert "VMM emulates CLI" in shown.caption(3) and "traps 1" in shown.caption(3)
    assert "Guest program" in shown.frame_text(0) and "PUSHF" in shown.frame_text(0)
    assert "<svg" in shown.frames[0] and "Real CPU" in shown.frame_text(0)  # the diagram, laid out on the server
    assert "DIFFERS" in shown.frame_text(8) and "Where equivalence broke" in shown.frame_text(8)
    assert not re.search(r"<[/\w!]", shown.body.split("<script>")[1].split("</script>")[0])  # the sanitiser would drop such a script
    at.run()
    assert browser_player(at, "trap").body == shown.body  # Streamlit keeps the element: the browser keeps its frame
    at.selectbox(key="q_isa").set_value("s370").run()
    assert browser_player(at, "trap").body != shown.body


def test_frame_and_scenario_come_from_the_url():
    at = open_page("pages/s21_trap_emulate.py", {"isa": "s370", "trap-frame": "2"})
    assert at.selectbox(key="q_isa").value == "s370"
    assert browser_player(at, "trap").start == 2


@pytest.mark.parametrize("query, notice", [
    ({"isa": "vax"}, "'isa=vax' is not one of"),
    ({"trap-frame": "abc"}, "'trap-frame=abc' is not a whole number"),
    ({"trap-frame": "999"}, "outside"),
])
def test_malformed_link_falls_back_with_a_notice(query, notice):
    at = open_page("pages/s21_trap_emulate.py", query)
    assert any(notice in i.value for i in at.info)
    assert browser_player(at, "trap").start == 0


def test_trap_editor_bad_program_keeps_last_good_one():
    at = open_page("pages/s21_trap_emulate.py", {"isa": "ia32", "program": "custom"})
    editor = at.text_area[0]
    editor.input("CLI\nPOPFF").run()
    assert not at.exception
    assert any("Did you mean POPF" in e.value for e in at.error)
    assert "PUSHF" in browser_player(at, "trap").frame_text(0)  # the last good program is still shown
    at.text_area[0].input("").run()
    assert any("empty" in e.value for e in at.error)
    at.text_area[0].input("LGDT\nSGDT").run()
    assert not at.error
    assert "SGDT" in browser_player(at, "trap").frame_text(0)


def test_vmm_types_two_players_step_independently():
    at = open_page("pages/s21_vmm_types.py", {"type2-frame": "1"})  # type II one step on, type I not
    type1, type2 = browser_player(at, "type1"), browser_player(at, "type2")
    assert (type1.start, len(type1)) == (0, 8) and (type2.start, len(type2)) == (1, 10)
    assert type1.caption(type1.start).startswith("Frame 1/8") and type2.caption(type2.start).startswith("Frame 2/10")
    assert "vlp-compact" in type1.body and "vlp-compact" in type2.body  # icon-only controls, side by side
    assert '"1×" selected>1×</option>' in type1.body  # the speed's short form fits half the width


def test_isa_designer_shows_the_verdict_of_the_preset():
    at = open_page("pages/s21_isa_designer.py", {"preset": "s370"})
    assert at.success and "An efficient VMM can be built" in at.success[0].value
    assert not at.exception


def test_instruction_classes_switch_isa():
    at = open_page("pages/s21_instructions.py")
    assert "not virtualizable" in at.error[0].value
    at.selectbox(key="q_isa").select("sparc").run()
    assert "virtualizable" in at.success[0].value


def test_rings_layout_choice():
    at = open_page("pages/s21_rings.py", {"layout": "xen32"})
    assert any(m.value.startswith("**Paravirtualization (Xen, x86-32).**") for m in at.markdown)
    table = at.table[0].value
    xen = table[table["Set-up"] == "Paravirtualization (Xen, x86-32)"].iloc[0]
    assert (xen["Guest kernel"], xen["Guest apps"], xen["VMM"]) == ("ring 1", "ring 3", "ring 0")


def answer(at: AppTest, q, response, attempt: int = 0) -> AppTest:
    """Fill question ``q``'s widgets for try ``attempt`` with ``response`` (as engine.core.quiz.grade takes it) and submit."""
    key = f"answer_{q.id}_{attempt}"
    bank = [] if q.generator else [b.id for b in load_bank(q.section)]
    if q.id in bank and at.selectbox(key="q_part").value != str(bank.index(q.id) // PART_SIZE + 1):
        at.selectbox(key="q_part").select(str(bank.index(q.id) // PART_SIZE + 1)).run()  # the part that holds q
    if q.kind == "single":
        at.radio(key=key).set_value(response)
    elif q.kind == "multiple":
        for i, option in enumerate(q.options):
            at.checkbox(key=f"{key}__{i}").set_value(option in response)
    elif q.kind == "numeric":
        at.text_input(key=key).input(response)
    elif q.kind == "order":
        for i, item in enumerate(response):
            at.selectbox(key=f"{key}__{i}").set_value(item)
    else:
        for i, cell in enumerate(response):
            at.radio(key=f"{key}__{i}").set_value(cell)
    label = "Check answer" if attempt == 0 else "Check my second try"
    return at.button(key=f"FormSubmitter:form_{q.id}_{attempt}-{label}").click().run()


def right_response(q):
    if q.kind == "numeric":
        return f"{q.value!r}"
    return q.answer[0] if q.kind == "single" else list(q.answer)


def wrong_option(q) -> str:
    return next(o for o in q.options if o not in q.answer)


def test_quiz_wrong_first_try_gets_why_not_and_hint_then_second_try_then_solution():
    from engine.core.quiz import load_bank

    q = next(q for q in load_bank("2.1") if q.kind == "single")
    at = open_page("pages/s21_quiz.py")
    answer(at, q, wrong_option(q))
    feedback = next(e.value for e in at.error if "one more try" in e.value)
    assert q.why_not_for(wrong_option(q)) in feedback and q.hint in feedback
    assert q.explanation not in feedback  # the solution is not given away
    answer(at, q, q.answer[0], attempt=1)
    assert any(s.value.startswith("Correct on the second try") for s in at.success)
    assert any(q.explanation in i.value and "Lecture slide" in i.value for i in at.info)
    assert at.metric[0].value == "0 / 1"  # the first try is what counts


def test_quiz_solution_on_request_ends_the_question():
    from engine.core.quiz import load_bank

    q = next(q for q in load_bank("2.1") if q.kind == "single")
    at = open_page("pages/s21_quiz.py")
    answer(at, q, wrong_option(q))
    at.button(key=f"reveal_{q.id}").click().run()
    assert any(q.explanation in i.value for i in at.info)
    assert not [r for r in at.radio if r.key.startswith(f"answer_{q.id}_")]  # no more tries


def test_a_long_bank_is_shown_in_parts_and_a_link_opens_the_part_of_its_question():
    from engine.core.quiz import load_bank

    bank = load_bank("2.3")
    assert len(bank) > PART_SIZE
    at = open_page("pages/s23_quiz.py")
    assert sum(1 for m in at.markdown if m.value.startswith("**Question ")) == PART_SIZE
    later = bank[PART_SIZE + 1]
    linked = open_page("pages/s23_quiz.py", {"question": later.id})
    assert linked.selectbox(key="q_part").value == "2"
    assert any(m.value.startswith(f"**Question {PART_SIZE + 2}.**") for m in linked.markdown)


def test_quiz_empty_submission_is_not_graded():
    from engine.core.quiz import load_bank

    q = next(q for q in load_bank("2.1") if q.kind == "single")
    at = open_page("pages/s21_quiz.py")
    at.button(key=f"FormSubmitter:form_{q.id}_0-Check answer").click().run()
    assert any("Choose an answer first" in w.value for w in at.warning)
    assert not at.error and not at.metric  # no grade, no score
    answer(at, q, q.answer[0])
    assert any(s.value.startswith("Correct.") for s in at.success) and at.metric[0].value == "1 / 1"


def test_quiz_options_are_shuffled_per_learner_and_reproducible_from_the_link():
    from engine.core.quiz import display_order, load_bank

    bank = [q for q in load_bank("2.1")[:PART_SIZE] if q.kind == "single"]  # the first part of the bank is shown
    at = open_page("pages/s21_quiz.py", {"order": "42"})
    shown = {q.id: tuple(at.radio(key=f"answer_{q.id}_0").options) for q in bank}
    assert all(shown[q.id] == display_order(q, 42) for q in bank)
    assert any(shown[q.id] != q.options for q in bank)
    again = open_page("pages/s21_quiz.py", {"order": "42"})
    assert all(tuple(again.radio(key=f"answer_{q.id}_0").options) == shown[q.id] for q in bank)


def test_multiple_choice_partial_credit_shows_in_the_score():
    from engine.core.quiz import load_bank

    q = next(q for q in load_bank("2.1") if q.kind == "multiple" and len(q.answer) >= 2)
    at = open_page("pages/s21_quiz.py")
    answer(at, q, list(q.answer[:1]))
    assert any("Partly right" in e.value for e in at.error)
    points = float(at.metric[0].value.split(" / ")[0])
    assert 0 < points < 1


@pytest.mark.parametrize("typed, shown", [("forty", "cannot be read as a number"), ("", "Type a number first")])
def test_numeric_input_that_cannot_be_read_gets_a_message(typed, shown):
    from engine.core.quiz import load_bank

    q = next(q for q in load_bank("2.1") if q.kind == "numeric")
    at = open_page("pages/s21_quiz.py")
    answer(at, q, typed)
    assert any(shown in w.value for w in at.warning) and not at.metric


def test_numeric_answer_written_with_thousands_separator_or_percent_is_read():
    from engine.core.quiz import load_bank

    q = next(q for s in ("2.1", "2.2", "2.3", "2.4", "2.5") for q in load_bank(s) if q.kind == "numeric" and q.value >= 1000)
    at = open_page(f"pages/s{q.section.replace('.', '')}_quiz.py")
    answer(at, q, f"{q.value:,.10g}")
    assert any(s.value.startswith("Correct.") for s in at.success), q.id


def test_generated_question_new_variant_and_grading():
    at = open_page("pages/s21_quiz.py", {"gen": "trap-count", "seed": "5"})
    from engine.virtualizability.isa import load_catalogue
    from engine.core.lessons import LESSONS_DIR
    from engine.quizgen import registry

    q = registry()["trap-count"].make(5, load_catalogue(LESSONS_DIR / "isas"))
    answer(at, q, f"{q.value:g}")
    assert any(s.value.startswith("Correct.") for s in at.success)
    assert any(q.explanation in i.value for i in at.info)
    assert any("Generated practice" == m.label and m.value == "1 / 1" for m in at.metric)
    assert any(m.label.startswith("Lecture material") and m.value == "—" for m in at.metric)
    at.button(key="variant_2.1").click().run()
    assert at.query_params["seed"] not in ("5", ["5"])


def test_progress_page_offers_downloads_after_an_answer():
    at = open_page("pages/s21_quiz.py")
    from engine.core.quiz import load_bank

    q = next(q for q in load_bank("2.1") if q.kind == "single")
    answer(at, q, q.answer[0])
    at.switch_page("pages/progress.py")
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table.loc[0, "Lecture material"] == "1 / 1 (100 %)"
    assert [b.label for b in at.get("download_button")] == ["⬇ Download CSV", "⬇ Download JSON"]


def test_switching_isa_switches_to_its_presets_and_restarts_the_player():
    at = open_page("pages/s21_trap_emulate.py", {"trap-frame": "2"})
    assert browser_player(at, "trap").start == 2
    at.selectbox(key="q_isa").select("s370").run()
    assert not at.exception
    assert at.selectbox(key="q_program").value == "s370-timer"
    assert browser_player(at, "trap").start == 0 and len(browser_player(at, "trap")) == 13  # the timer program


# --------------------------------------------------------------------------- links of generated 2.1 questions

def open_link(link: str) -> AppTest:
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(link)
    files = {p.url_path: p.file for p in PAGES}
    at = open_page(files[parts.path.lstrip("/")], {k: v[0] for k, v in parse_qs(parts.query).items()})
    assert not any("Link notice" in i.value for i in at.info), [i.value for i in at.info]
    return at


def generated(gen_id: str, seed: int):
    from engine.core.lessons import LESSONS_DIR
    from engine.quizgen import registry
    from engine.virtualizability.isa import load_catalogue

    return registry()[gen_id].make(seed, load_catalogue(LESSONS_DIR / "isas"))


@pytest.mark.parametrize("gen_id, seed, event", [
    ("which-trap", 3, "Line 1: MCR p15 SCTLR traps"),
    ("which-silent", 39, "Line 2: PUSHF runs without trapping"),  # IA-32: CLI, then PUSHF pushes the real IF
    ("which-silent", 3, "Line 2: LDM ^ runs directly"),  # ARMv7: critical, its effect not modelled
    ("trap-count", 3, "Program finished"),
])
def test_generated_program_question_link_opens_its_program_at_its_frame(gen_id, seed, event):
    from urllib.parse import parse_qs, urlsplit

    q = generated(gen_id, seed)
    query = {k: v[0] for k, v in parse_qs(urlsplit(q.link).query).items()}
    at = open_link(q.link)
    assert at.selectbox(key="q_isa").value == query["isa"] and at.selectbox(key="q_program").value == "custom"
    assert at.text_area[0].value == query["code"]
    listing = q.prompt.split("```\n")[1].split("\n```")[0].splitlines()
    player = browser_player(at, "trap")
    index = int(query["trap-frame"])
    assert player.start == index  # the browser opens the link at its frame
    shown = "\n".join(html.unescape(c) for c in re.findall(r"<pre><code>(.*?)</code></pre>", player.frames[index], re.S))
    for line in listing:
        number, label = line.split(": ", 1)
        assert f"{int(number):>2}  {label}" in shown, (line, shown)
    assert player.caption(index).startswith(f"Frame {index + 1}/")
    assert event in player.caption(index)
    if gen_id == "trap-count":
        assert f"traps {q.value:g}" in player.caption(index)
        assert f"traps <strong>{q.value:g}</strong>" in player.captions[index]


def test_generated_classify_link_shows_its_instruction():
    q = generated("classify", 3)
    at = open_link(q.link)
    mnemonic = q.prompt.split("**")[1]
    assert any(m.value.startswith(f"**{mnemonic}** on ") and f"class **{q.answer[0]}**" in m.value for m in at.markdown)


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_verdict_link_shows_its_isa_and_verdict(seed):
    q = generated("verdict", seed)
    at = open_link(q.link)
    if q.answer[0].startswith("Yes"):
        assert at.success and "An efficient VMM can be built" in at.success[0].value
    else:
        rows = [[cell.strip() for cell in row.strip("|").split("|")] for row in q.prompt.splitlines() if row.startswith("| OP")]
        critical = [name for name, privileged, *sensitive in rows if privileged == "no" and "yes" in sensitive]
        assert at.error and "No efficient trap-and-emulate VMM" in at.error[0].value
        assert all(name in at.error[0].value for name in critical) and critical


# --------------------------------------------------------------------------- section 2.2

def test_binary_translation_steps_and_bad_code():
    at = open_page("pages/s22_binary_translation.py", {"program": "loop"})
    bt = browser_player(at, "bt")
    assert bt.start == 0 and bt.caption(0).startswith("Frame 1/")
    assert "Translate" in bt.caption(1) or "translat" in bt.caption(1).lower()
    assert bt.caption(len(bt) - 1).startswith(f"Frame {len(bt)}/{len(bt)} — ")  # every frame drawn, the last too
    assert not at.exception
    at.selectbox(key="q_program").select("custom").run()
    at.text_area(key="bt_code_custom").input("mov eax, ebx\nfrobnicate eax").run()
    assert not at.exception
    assert any("line 2" in e.value and "Showing the last code that worked" in e.value for e in at.error)
    at.radio(key="fmt_custom").set_value("hex").run()
    at.text_area(key="bt_code_custom").input("9c fa 9d zz").run()
    assert any("hex" in e.value.lower() for e in at.error)
    at.text_area(key="bt_code_custom").input("9c fa 9d f4").run()
    assert not at.error
    guest = frame_tables(browser_player(at, "bt").frames[1])[0]["Guest"]
    assert guest[0].startswith("pushf")  # decoded by capstone: 9c is pushf (pushfd in 32-bit code)


def test_paging_walk_custom_address_and_bad_table():
    at = open_page("pages/s22_paging.py", {"mode": "x86_64", "ex": "1"})
    walk = browser_player(at, "walk")
    last = len(walk) - 1
    assert "Physical address" in walk.caption(last)
    assert "page-table references <strong>3</strong>" in walk.captions[last]
    at.selectbox(key="q_ex").select("custom").run()
    at.text_input(key="va_x86_64").input("0x0000800000000000").run()  # not canonical
    assert any("not canonical" in e.value for e in at.error)
    at.text_area(key="mappings_x86_64").input("0x1000 -> 0x2000 P QQ").run()
    assert any("QQ" in e.value and "Showing the last page table that worked" in e.value for e in at.error)
    assert not at.exception


def test_paging_tlb_controls():
    at = open_page("pages/s22_paging.py", {"mode": "teaching"})
    at.selectbox(key="tlb_policy").select("FIFO").run()
    at.number_input(key="tlb_switch").set_value(10).run()
    assert not at.exception
    tlb = browser_player(at, "tlb")
    assert "flushes <strong>3</strong>" in tlb.captions[len(tlb) - 1]  # after the last access


def test_shadow_invariant_holds_on_every_frame():
    at = open_page("pages/s22_shadow.py")
    shadow = browser_player(at, "shadow")
    total = int(shadow.caption(0).split("/")[1].split(" ")[0])
    assert total == len(shadow) > 1
    for i in range(total):
        assert '<div class="vl-alert vl-success"><p>✅ Invariant holds' in shadow.frames[i], i
        assert "Invariant broken" not in shadow.frame_text(i), i
    assert shadow.caption(total - 1).startswith(f"Frame {total}/{total}") and "CR3" in shadow.caption(total - 1)


def test_io_levels_switch_and_step():
    at = open_page("pages/s22_io.py", {"level": "syscall", "io-frame": "4"})
    io = browser_player(at, "io")
    assert io.start == 4 and io.caption(io.start).startswith("Frame 5/5")
    assert "Steps of the read" in io.frame_text(4) and '<pre class="vl-wrap">' in io.frames[4]  # wrapped in its column
    at.selectbox(key="q_level").select("ioop").run()
    io = browser_player(at, "io")
    assert io.start == 0 and io.caption(0).startswith("Frame 1/11")  # another level starts at its first frame


def test_quiz_22_generated_question():
    at = open_page("pages/s22_quiz.py", {"gen": "walk", "seed": "3"})
    from engine.virtualizability.isa import load_catalogue
    from engine.core.lessons import LESSONS_DIR
    from engine.quizgen import registry

    q = registry()["walk"].make(3, load_catalogue(LESSONS_DIR / "isas"))
    answer(at, q, right_response(q))
    assert any(s.value.startswith("Correct.") for s in at.success)


def open_generated_link(gen_id: str, seed: int):
    """Open a generated 2.2 question's simulator link as a student would: its page with its query."""
    from urllib.parse import parse_qsl, urlsplit

    from engine.core.lessons import LESSONS_DIR
    from engine.quizgen import registry
    from engine.virtualizability.isa import load_catalogue

    q = registry()[gen_id].make(seed, load_catalogue(LESSONS_DIR / "isas"))
    parts = urlsplit(q.link)
    spec = next(p for p in PAGES if p.url_path == parts.path.lstrip("/"))
    at = open_page(spec.file, dict(parse_qsl(parts.query)))
    assert not any("Link notice" in i.value for i in at.info), [i.value for i in at.info]
    assert not at.error, [e.value for e in at.error]
    return q, at


def frame_tables(markup: str) -> list[dict[str, list[str]]]:
    """The tables of a browser player's frame (ui.canvas HTML), each as {column: [cell text, ...]}."""
    from tests.players import text

    tables = []
    for table in re.findall(r"<table\b.*?</table>", markup, re.S):
        head, body = table.split("</thead>") if "</thead>" in table else ("", table)
        columns = [text(c) for c in re.findall(r"<th\b[^>]*>(.*?)</th>", head, re.S)]
        rows = [[text(c) for c in re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, re.S)]
                for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", body, re.S)]
        tables.append({c: [row[i] for row in rows if i < len(row)] for i, c in enumerate(columns)})
    return tables


def test_generated_walk_link_opens_its_table_and_address_at_the_answer():
    q, at = open_generated_link("translate", 0)  # a kernel write of 0xc249 through the question's own table
    assert at.text_area(key="mappings_teaching").value == "0x6200 -> 0x5200 P RW\n0xc200 -> 0x9200 P RW\n0x6b00 -> 0x8c00 P US"
    assert at.text_input(key="va_teaching").value == "0xc249" and at.selectbox(key="access_teaching").value == "write"
    walk = browser_player(at, "walk")
    assert walk.start == 3 and walk.caption(walk.start).startswith("Frame 4/4 — Physical address 0x9249.")
    assert q.answer == ("0x9249",)


def test_generated_tlb_link_opens_its_reference_string_at_the_last_access():
    q, at = open_generated_link("tlb-hits", 3)  # pages 2, 4, 3, 4, 0, 4, 0, 3 through 2 entries, LRU
    assert at.selectbox(key="tlb_pattern").value == "refs" and at.text_input(key="tlb_refs").value == "2 4 3 4 0 4 0 3"
    assert at.select_slider(key="tlb_entries").value == 2 and at.selectbox(key="tlb_policy").value == "LRU"
    tlb = browser_player(at, "tlb")
    assert tlb.start == 8 and tlb.caption(tlb.start).startswith("Frame 9/9 — Access 8: 0x0300 TLB miss.")
    assert f'<p class="vlp-counters">hits <strong>{q.value:g}</strong> · misses <strong>5</strong>' in tlb.captions[8]


def test_generated_shadow_link_opens_its_scenario_at_the_answer():
    q, at = open_generated_link("shadow", 0)  # the reviewer's case: no shadow entry before the write, then a read
    assert at.selectbox(key="q_scenario").value == "custom"
    shadow = browser_player(at, "shadow")
    assert shadow.start == 3 and shadow.caption(3).startswith("Frame 4/4 — Hidden page fault on page 0x28.")
    assert "host frame 0x68" in shadow.caption(3) and q.answer == ("host frame 0x68, read-write",)
    assert "Invariant holds" in shadow.frame_text(3)


def test_generated_unit_link_opens_its_listing_at_the_translation():
    q, at = open_generated_link("unit", 0)
    assert at.selectbox(key="q_program").value == "custom"
    assert at.text_area(key="bt_code_custom").value == "sgdt [eax]\nsmsw eax\nadd eax, 4\nmov ds, ax\ncli"
    bt = browser_player(at, "bt")
    assert bt.start == 1 and bt.caption(1).startswith("Frame 2/7 — Translate unit 0x1000 (cache miss).")
    unit = next(t for t in frame_tables(bt.frames[1]) if "Guest" in t)  # the frame's table (ui.player.frame_table)
    assert unit["Guest"][:5] == list(q.options[:5]) and "privileged: traps" in unit["Decision"]  # as the browser shows


# --------------------------------------------------------------------------- section 2.3

def test_xen_rejected_update_and_batching():
    at = open_page("pages/s23_xen.py", {"xen": "foreign-frame-rejected"})
    memory = browser_player(at, "mem")
    caption = memory.caption(len(memory) - 1)  # the last frame's counters
    assert "rejected 1" in caption and "applied 0" in caption
    fault = browser_player(at, "pf")
    assert "Xen entries 1" in fault.caption(len(fault) - 1)
    assert "Xen entries 0" in browser_player(at, "sys").caption(len(browser_player(at, "sys")) - 1)


def test_hypercall_choice_and_split_driver():
    at = open_page("pages/s23_hypercalls.py", {"hypercall": "event_channel_op", "device": "net"})
    assert "hypercall 32" in browser_player(at, "hcall").caption(1)  # the second frame
    ring = browser_player(at, "ring")
    assert ring.caption(len(ring) - 1).startswith(f"Frame {len(ring)}/{len(ring)} — ")


def test_vtx_bad_controls_keep_last_good_and_hlt_exiting_toggles_exits():
    at = open_page("pages/s23_vtx.py", {"vtx": "cpuid-hlt"})
    shown = browser_player(at, "vtx")
    before = shown.caption(len(shown) - 1)
    at.text_area(key="vmcs_cpuid-hlt").input("pin: external-interrupt exiting\nprimary: HLT exiting").run()
    shown = browser_player(at, "vtx")
    after = shown.caption(len(shown) - 1)
    assert "VM exits" in before and "VM exits" in after and before != after  # HLT now exits too; CPUID exited either way
    at.text_area(key="vmcs_cpuid-hlt").input("primary: frobnicate exiting").run()
    assert any("Showing the last VMCS and workload that worked" in e.value for e in at.error)
    at.text_area(key="work_cpuid-hlt").input("cpuid x").run()
    assert not at.exception


def test_ept_page_walk_size_and_dma_toggle():
    at = open_page("pages/s23_ept.py")
    at.slider(key="ept_n").set_value(5).run()
    at.slider(key="ept_m").set_value(5).run()
    assert any("**35**" in m.value for m in at.markdown)
    walk = browser_player(at, "nested")
    assert "35 references" in walk.caption(len(walk) - 1)
    at.radio(key="dma_target").set_value("VM2").run()
    at.toggle(key="dma_iommu").set_value(False).run()
    dma = browser_player(at, "dma")
    assert "corrupted 1" in dma.caption(len(dma) - 1)


def test_xen_hypercall_builder_bad_input_and_rejection():
    at = open_page("pages/s23_xen.py", {"xen": "custom"})
    at.text_area(key="xen_requests").input("5 8 ->").run()
    assert any("Showing the last requests that worked" in e.value for e in at.error)
    at.selectbox(key="xen_domain").select("DomU2").run()
    assert not at.exception
    memory = browser_player(at, "mem")
    assert "rejected" in memory.caption(len(memory) - 1)


def test_every_lesson_page_ends_with_a_collapsed_sources_footnote():
    from engine.core.lessons import LESSONS_DIR
    from engine.core.sources import for_page, load_sources

    at = open_page("pages/s23_vtx.py")
    entries = for_page(load_sources(LESSONS_DIR / "sources.toml"), "VT-x and the VMCS")
    footnote = next(e for e in at.expander if e.label.startswith("📚 Sources for this page"))
    assert footnote.label.endswith(f"({len(entries)})")
    text = footnote.markdown[0].value
    assert all(e.source.replace("$", r"\$")[:40] in text for e in entries)
    assert "[S]" not in text and "[V]" not in text


# --------------------------------------------------------------------------- 2.3 generated questions open their simulator

def _s23_open_link(q, file: str) -> AppTest:
    """Open a generated question's link as the browser would, and check the page took it without a notice."""
    from urllib.parse import parse_qs, urlsplit

    at = open_page(file, {k: v[0] for k, v in parse_qs(urlsplit(q.link).query).items()})
    assert not any("Link notice" in i.value for i in at.info), [i.value for i in at.info]
    return at


def test_generated_exit_question_opens_its_vmcs_and_instruction_on_the_vtx_page(catalogue):
    from urllib.parse import parse_qs, urlsplit

    from engine.quizgen import registry

    for seed in (2, 5):  # one exit (32: WRMSR by the MSR bitmap), one without (port 0x80's bit clear)
        q = registry()["exit"].make(seed, catalogue)
        params = {k: v[0] for k, v in parse_qs(urlsplit(q.link).query).items()}
        at = _s23_open_link(q, "pages/s23_vtx.py")
        assert at.selectbox(key="q_vtx").value == "custom"
        assert params["controls"] in [t.value for t in at.text_area]
        assert params["workload"] in [t.value for t in at.text_area]
        player = browser_player(at, "vtx")
        shown = player.caption(player.start)
        assert shown.startswith("Frame 3/") and f"Line 1: {params['workload']}" in shown
        if q.answer == ("no VM exit",):
            assert ": no exit.</strong>" in player.captions[player.start]
        else:
            reason, name = q.answer[0].split(": ", 1)
            assert f"VM exit {reason} ({name})" in shown


def test_generated_2d_walk_question_opens_its_walk_on_the_ept_page(catalogue):
    from engine.assisted import nested_paging
    from engine.quizgen import registry

    q = registry()["2d-walk"].make(1, catalogue)  # a 3-level guest on a 2-level EPT
    at = _s23_open_link(q, "pages/s23_ept.py")
    total = nested_paging.references(3, 2)
    assert (at.slider(key="ept_n").value, at.slider(key="ept_m").value) == (3, 2)
    walk = browser_player(at, "nested")
    assert walk.start == len(walk) - 1 == total + 1
    assert walk.captions[walk.start].startswith(f"<p><strong>Frame {total + 2}/{total + 2} — {total} references.</strong>")


def test_generated_mmu_question_opens_its_request_on_the_xen_page_at_the_check(catalogue):
    from engine.quizgen import registry

    q = registry()["mmu"].make(5, catalogue)  # DomU2 asks to map DomU1's frame 23: check (b) rejects it
    assert q.answer == ("Xen rejects it",)
    at = _s23_open_link(q, "pages/s23_xen.py")
    assert at.selectbox(key="q_xen").value == "custom"
    caller = q.prompt.split(" calls mmu_update")[0].split()[-1]
    assert [s.value for s in at.selectbox if s.label == "Calling domain"] == [caller]
    memory = browser_player(at, "mem")
    assert memory.start == 3 and memory.caption(memory.start).startswith("Frame 4/5 — Xen rejects request 1.")


def test_generated_batch_question_opens_its_updates_on_the_xen_page_at_the_last_frame(catalogue):
    import re

    from engine.quizgen import registry

    q = registry()["batch"].make(0, catalogue)  # 60 updates, 16 per hypercall: 4 hypercalls, 8 transitions
    at = _s23_open_link(q, "pages/s23_xen.py")
    k = int(re.search(r"batches (\d+)", q.prompt).group(1))
    assert [n.value for n in at.number_input if n.label == "Updates per hypercall"] == [k]
    memory = browser_player(at, "mem")
    total = len(memory)
    assert memory.start == total - 1
    assert memory.caption(memory.start).startswith(f"Frame {total}/{total} — Return to the guest.")
    assert "guest↔Xen transitions 8 · applied 60" in memory.caption(memory.start)
    assert q.value == 8
