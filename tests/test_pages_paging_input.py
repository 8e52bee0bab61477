"""The paging page with the student's own inputs: an entry format, a memory dump, the OSTEP preset, typed reference strings."""

from streamlit.testing.v1 import AppTest

from engine.fullvirt import page_format
from tests.players import browser_player
from tests.test_pages import open_page

PAGE = "pages/s22_paging.py"
BELADY = "1,2,3,4,1,2,5,1,2,3,4,5"


def first(at: AppTest, key: str) -> str:
    """The caption of the frame player ``key`` opens at, as text (the page has three players)."""
    shown = browser_player(at, key)
    return shown.caption(shown.start)


def last(at: AppTest, key: str) -> str:
    """The caption of player ``key``'s last frame as HTML: its counters are ``name <strong>n</strong>``."""
    return browser_player(at, key).captions[-1]


def tlb_total(at: AppTest) -> str:
    """The TLB player's counters after its last frame."""
    return last(at, "tlb")


def errors(at: AppTest) -> list[str]:
    """The error messages as text: ui.escape.literal puts a word joiner after ':' and backslashes before Markdown."""
    return [e.value.replace("\u2060", "").replace("\\", "") for e in at.error]


def test_ostep_preset_walks_to_the_value():
    at = open_page(PAGE, {"tab": "own"})
    assert at.text_area(key="own_format").value.startswith("page size = 32")
    assert "Split 0xcab" in first(at, "own") and "PDBR = page 17" in first(at, "own")
    assert "Value 0x1c at physical 0x84b" in last(at, "own") and "memory references <strong>3</strong>" in last(at, "own")
    at.selectbox(key="q_own-va").select("0x2422").run()  # PDE 9 is 0x7f: not valid
    assert "Fault" in last(at, "own") and "the PDE is not valid" in last(at, "own")
    assert not errors(at) and not at.exception


def test_a_custom_format_and_memory_dump():
    at = open_page(PAGE, {"tab": "own"})
    fmt = ("page size = 16\nindex bits = 2 2\nentry size = 2\nvalid bit = 15\npfn bits = 3:0\nphysical pages = 8\n")
    # PDBR page 1; entry 3 of page 1 (bytes 6, 7) = 0x8002: valid, PFN 2; entry 1 of page 2 (bytes 2, 3) = 0x8005:
    # PFN 5; byte 9 of page 5 is 0xee. Virtual address 11 01 1001 = 0xd9 (8 bits: 2 + 2 + 4).
    pages = {1: [0] * 6 + [0x02, 0x80], 2: [0, 0, 0x05, 0x80], 5: [0] * 9 + [0xEE]}
    dump = "PDBR: 1\n" + "\n".join(f"page {n}: " + " ".join(f"{b:02x}" for b in data + [0] * (16 - len(data)))
                                   for n, data in pages.items())
    at.text_area(key="own_format").input(fmt).run()
    at.text_area(key="own_memory").input(dump).run()
    assert not errors(at), errors(at)
    at.selectbox(key="q_own-va").select("custom").run()
    at.text_input(key="own_va_text").input("d9").run()
    assert "Value 0xee at physical 0x59" in last(at, "own")
    assert any("16-byte pages, 8 physical pages, 8-bit virtual addresses split 2/2/4" in c.value for c in at.caption), [c.value for c in at.caption]


def test_bad_format_memory_and_address_keep_the_last_good_state():
    at = open_page(PAGE, {"tab": "own"})
    at.selectbox(key="q_own-va").select("custom").run()
    at.text_input(key="own_va_text").input("0x623e").run()
    assert "Value 0x07 at physical 0xfe" in last(at, "own")
    at.text_input(key="own_va_text").input("0x9zz").run()  # a bad address: the last good one stays, not the preset's
    assert any("'0x9zz' is not a virtual address" in e and "Showing the last address that worked" in e for e in errors(at))
    assert "Value 0x07 at physical 0xfe" in last(at, "own")
    at.text_area(key="own_format").input(page_format.OSTEP_FORMAT_TEXT.replace("6:0", "6-0")).run()
    assert any("line 6: write the frame number's bits as high:low" in e for e in errors(at))
    at.text_area(key="own_format").input(page_format.OSTEP_FORMAT_TEXT).run()
    at.text_area(key="own_memory").input("PDBR: 17\npage 3: 00 01").run()
    assert any("line 2: page 3 has 2 bytes; a page holds 32" in e and "Showing the last memory dump that worked" in e
               for e in errors(at))
    assert not at.exception


def test_a_pasted_ostep_problem_offers_its_addresses():
    at = open_page(PAGE, {"tab": "own"})
    text = at.text_area(key="own_memory").value + "Virtual Address 0fc4: Translates To What Physical Address?\n"
    at.text_area(key="own_memory").input(text).run()
    assert "0x0fc4" in at.selectbox(key="q_own-va").options[-2]
    at.selectbox(key="q_own-va").select("0x0fc4").run()
    assert "Fault" in last(at, "own") and "the PTE is not valid" in last(at, "own")


def type_references(at: AppTest, text: str, entries: int, policy: str) -> AppTest:
    at.selectbox(key="tlb_pattern").select("refs").run()
    at.text_input(key="tlb_refs").input(text).run()
    at.select_slider(key="tlb_entries").set_value(entries).run()
    at.selectbox(key="tlb_policy").select(policy).run()
    return at


def test_a_typed_reference_string_shows_beladys_anomaly():
    at = open_page(PAGE, {"mode": "teaching", "tab": "tlb"})
    type_references(at, BELADY, 3, "FIFO")
    assert "misses <strong>9</strong>" in tlb_total(at)
    table = next(d.value for d in at.dataframe if "Hit or miss" in d.value.columns)
    assert "".join(table["Hit or miss"].str[0]) == "mmmmmmmhhmmh"
    at.select_slider(key="tlb_entries").set_value(4).run()
    assert "misses <strong>10</strong>" in tlb_total(at)
    at.selectbox(key="tlb_policy").select("OPT").run()
    assert "misses <strong>6</strong>" in tlb_total(at)
    assert not errors(at) and not at.exception


def test_reference_string_as_addresses_and_a_bad_one():
    at = open_page(PAGE, {"mode": "teaching", "tab": "tlb"})
    type_references(at, "0x0010 0x0120 0x01ff 0x0010", 2, "LRU")
    at.radio(key="tlb_unit").set_value("address").run()
    assert "misses <strong>2</strong>" in tlb_total(at)  # pages 0, 1, 1, 0
    at.text_input(key="tlb_refs").input("0x0010 zz").run()
    assert any("reference 2: 'zz' is not an address" in e and "Showing the last reference string that worked" in e
               for e in errors(at))
    assert "misses <strong>2</strong>" in tlb_total(at) and not at.exception


def test_random_replacement_takes_a_seed():
    from engine.fullvirt.paging import TEACHING
    from engine.fullvirt.tlb import parse_references, reference_space, run_stats

    text = "0 1 2 3 0 1 2 3 0 1 2 3 4 5 0 1"
    accesses = parse_references(TEACHING, text)
    at = type_references(open_page(PAGE, {"mode": "teaching", "tab": "tlb"}), text, 3, "random")
    shown = set()
    for seed in (1, 2, 3, 4):
        at.number_input(key="tlb_seed").set_value(seed).run()
        misses = run_stats(reference_space(TEACHING, accesses), accesses, 3, "random", seed).misses
        assert f"misses <strong>{misses}</strong>" in tlb_total(at)
        shown.add(misses)
    assert len(shown) > 1 and not at.exception  # other seeds, other victims


def test_another_table_memory_or_reference_string_redraws_the_players():
    """The browser players keep their drawn frames while the trace's scenario stays the same; the engines name a walk
    by its address and a TLB run by its length, so the page names each by its inputs too (pages/s22_paging.keyed)."""
    at = open_page(PAGE, {"mode": "teaching", "tab": "tlb", "tlb-entries": "3", "tlb-policy": "FIFO"})
    at.selectbox(key="tlb_pattern").select("refs").run()  # the default string: 12 references
    default = tlb_total(at)
    at.text_input(key="tlb_refs").input(BELADY).run()  # 12 references too
    assert "misses <strong>9</strong>" in tlb_total(at) and tlb_total(at) != default
    walked = last(at, "walk")
    table = at.text_area(key="mappings_teaching").value
    assert "Physical address 0x1342" in walked and "0x0100 -> 0x1300" in table  # the preset's first address
    at.text_area(key="mappings_teaching").input(table.replace("0x0100 -> 0x1300", "0x0100 -> 0x7700")).run()
    assert not errors(at) and "Physical address 0x7742" in last(at, "walk")  # the same address through another table
    value = last(at, "own")
    memory = at.text_area(key="own_memory").value
    at.text_area(key="own_memory").input(memory.replace("PDBR: 17", "PDBR: 18")).run()
    assert not errors(at) and last(at, "own") != value  # the same address in another memory
