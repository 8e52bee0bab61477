"""The binary-translation page with what students paste (issue 14): their own code, never the preset."""

from pathlib import Path

from tests.players import browser_player
from tests.test_pages import open_page

LISTINGS = Path(__file__).parent / "listings"
PAGE = "pages/s22_binary_translation.py"


def custom_page(code: str, **widgets):
    at = open_page(PAGE, {"program": "custom"})
    for key, value in widgets.items():
        widget = at.radio(key=key) if key.startswith("fmt_") else at.selectbox(key=key)
        widget.set_value(value).run()
    at.text_area(key="bt_code_custom").input(code).run()
    assert not at.exception
    return at


def classified(at) -> list[tuple[str, str]]:
    table = next(d.value for d in at.dataframe if "Ends unit" in d.value.columns)
    return list(zip(table["Instruction"], zip(table["Decision"], table["Ends unit"])))


def test_a_pasted_objdump_listing_shows_its_own_classification():
    at = custom_page((LISTINGS / "kernel32.objdump.txt").read_text())
    assert not at.error
    rows = dict(classified(at))
    assert len(rows) >= 20
    assert rows["cli"] == rows["mov cr3, eax"] == rows["lgdt [eax]"] == ("privileged: traps", "")
    assert rows["pushfd"] == ("critical: VMM call", "")
    assert rows["iretd"] == ("critical: VMM call", "yes")  # and it ends the translation unit
    assert rows["call panic"] == ("control transfer", "yes")
    assert rows["push ebx"] == ("innocuous", "")
    assert "mov ecx, 10" not in rows  # nothing of the preset
    # the run goes as far as the listing allows and says where control left it
    assert "Control leaves the listing: 'call panic'" in browser_player(at, "bt").caption(-1)  # its last frame
    assert any("How the run ends: Control leaves the listing" in c.value for c in at.caption)


def test_a_64_bit_listing_is_decoded_as_64_bit_and_says_why():
    at = custom_page((LISTINGS / "kernel64.objdump.txt").read_text())
    rows = dict(classified(at))
    assert rows["mov cr3, rdi"] == ("privileged: traps", "") and rows["iretq"] == ("critical: VMM call", "yes")
    assert any("Decoded as 64-bit x86-64 code" in c.value and "elf64-x86-64" in c.value for c in at.caption)


def test_the_mode_selector_decodes_hex_as_64_bit():
    at = custom_page("0f 22 df 0f 01 f8", fmt_custom="hex", bits_custom="64")
    assert [i for i, _ in classified(at)] == ["mov cr3, rdi", "swapgs"]


def test_a_run_that_cannot_go_on_still_shows_the_students_code():
    at = custom_page("again:\n    inc eax\n    jmp again")
    assert not at.error
    assert [i for i, _ in classified(at)] == ["inc eax", "jmp again"]
    assert any("The run stopped: the program did not halt" in c.value for c in at.caption)
    assert any("No cost comparison for this code" in i.value for i in at.info)


def test_at_and_t_syntax_is_refused_with_the_command_to_run():
    at = custom_page("   0:\t55\tpush   %ebp\n   1:\t89 e5\tmov    %esp,%ebp")
    (error,) = at.error
    assert "AT\\&T syntax" in error.value and "objdump -d -M intel FILE" in error.value  # escaped Markdown
    assert "Showing the last code that worked" in error.value


def test_an_instruction_on_no_list_is_shown_as_not_in_the_catalogue():
    at = custom_page("cpuid\nrdtsc\nhlt")
    assert [d for _, (d, _) in classified(at)] == ["not in the catalogue", "not in the catalogue", "privileged: traps"]


def test_an_xxd_dump_is_read_as_machine_code():
    at = custom_page("00000000: 9cfa 0f22 d89d f4                        ...\"...", fmt_custom="hex")
    assert not at.error
    assert [i for i, _ in classified(at)] == ["pushfd", "cli", "mov cr3, eax", "popfd", "hlt"]
