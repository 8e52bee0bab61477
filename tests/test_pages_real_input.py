"""Pages fed what students paste (issues 14 and 15): real assembler spellings on Trap and emulate, cloud
console timestamps on the pricing timeline, and inputs that are too large or out of range. Each gives the
simulation or a message, never a traceback."""

from __future__ import annotations

import pytest

from tests.test_pages import open_page

TRAP = "pages/s21_trap_emulate.py"


def _trap_with(code: str, isa: str = "ia32"):
    at = open_page(TRAP, {"isa": isa, "program": "custom"})
    at.text_area(key=f"code_{isa}_custom").set_value(code).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _mapping(at):
    return next(d.value for d in at.dataframe if "You wrote" in d.value.columns)


def test_trap_page_reads_real_spellings_and_shows_the_mapping():
    at = _trap_with("pushfd            ; save flags\ncli\nmov eax, ebx\nin al, dx\npopfd   # restore\nhlt")
    assert not at.error, [e.value for e in at.error]
    listing = next(c.value for c in at.code)
    for entry in ("PUSHF", "CLI", "MOV r32, r32", "IN", "POPF", "HLT"):
        assert entry in listing
    table = _mapping(at)  # "you wrote → catalogue entry", only for lines spelled differently
    assert list(table["You wrote"]) == ["pushfd", "mov eax, ebx", "in al, dx", "popfd"]
    assert list(table["Catalogue entry"]) == ["PUSHF", "MOV r32, r32", "IN", "POPF"]


def test_trap_page_program_that_only_pops_gives_a_message_not_a_traceback():
    at = _trap_with("POPF")
    assert any("nothing was pushed" in e.value and "PUSHF" in e.value for e in at.error)
    assert any("MOV r32, r32" in c.value or "PUSHF" in c.value for c in at.code)  # the last good program stays


@pytest.mark.parametrize("code, words", [
    ("cpuid", ["not an instruction", "Known:", "CLI"]),
    ("mov cr0, eax", ["MOV to CR0", "MOV CR3, r32"]),
    ("push eax", ["PUSH Sreg"]),
    ("mov %eax, %cr3", ["AT&T"]),
])
def test_trap_page_refuses_unknown_spellings_with_what_is_known(code, words):
    at = _trap_with(code)
    message = " ".join(e.value for e in at.error).replace("\\", "")
    for word in words:
        assert word in message, message


def test_trap_page_reads_arm_cp15_spelling():
    at = _trap_with("mcr p15, 0, r0, c2, c0, 0\ncpsid i\nmrs r0, cpsr", isa="armv7")
    assert not at.error, [e.value for e in at.error]
    assert list(_mapping(at)["Catalogue entry"]) == ["MCR p15 TTBR0", "CPS", "MRS"]
