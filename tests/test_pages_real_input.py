"""Pages fed what students paste (issues 14 and 15): real assembler spellings on Trap and emulate, cloud
console timestamps on the pricing timeline, and inputs that are too large or out of range. Each gives the
simulation or a message, never a traceback."""

from __future__ import annotations

import pytest

from tests.players import browser_player
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
    listing = browser_player(at, "trap").frame_text(0)  # the player's listing, in its first frame
    for entry in ("PUSHF", "CLI", "MOV r32, r32", "IN", "POPF", "HLT"):
        assert entry in listing
    table = _mapping(at)  # "you wrote → catalogue entry", only for lines spelled differently
    assert list(table["You wrote"]) == ["pushfd", "mov eax, ebx", "in al, dx", "popfd"]
    assert list(table["Catalogue entry"]) == ["PUSHF", "MOV r32, r32", "IN", "POPF"]


OBJDUMP = """
k.o:     file format elf32-i386


Disassembly of section .text:

00000000 <crit>:
   0:\t9c                   \tpushf
   1:\tfa                   \tcli
   2:\ta1 36 00 00 00       \tmov    eax,ds:0x36
   f:\t9d                   \tpopf
  13:\t0f 22 d8             \tmov    cr3,eax
  16:\t0f 01 15 3a 00 00 00 \tlgdtd  ds:0x3a
  28:\t66 8c d0             \tmov    ax,ss
  2b:\tea 32 00 00 00 08 00 \tjmp    0x8:0x32

00000032 <next>:
  34:\tcb                   \tretf
\t...
"""  # objdump -d -M intel of a routine assembled with GNU as (tests/test_trap_spellings.py builds the whole one)


def test_trap_page_reads_a_pasted_objdump_listing():
    at = _trap_with(OBJDUMP)
    assert not at.error, [e.value for e in at.error]
    table = _mapping(at)
    assert list(table["Catalogue entry"]) == ["MOV r32, r32", "MOV CR3, r32", "LGDT", "MOV Sreg", "JMP far", "RET far"]
    assert list(table["You wrote"])[2] == "lgdtd ds:0x3a"
    listing = browser_player(at, "trap").frame_text(0)
    assert "JMP far" in listing and "PUSHF" in listing and "POPF" in listing


def test_trap_page_program_that_only_pops_gives_a_message_not_a_traceback():
    at = _trap_with("POPF")
    assert any("nothing was pushed" in e.value and "PUSHF" in e.value for e in at.error)
    listing = browser_player(at, "trap").frame_text(0)
    assert "MOV r32, r32" in listing or "PUSHF" in listing  # the last good program stays


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


# ------------------------------------------------------------------------------------------- pricing timeline

PRICING = "pages/s25_pricing.py"


def _timeline_with(text: str):
    at = open_page(PRICING)
    at.text_area(key="timeline_61-minutes").set_value(text).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _bill_table(at):
    return next(d.value for d in at.dataframe if "how the times were read" in d.value.columns)


def test_pricing_bills_aws_timestamps_and_midnight():
    at = _timeline_with("web t2.small 2026-03-01T23:30:00Z-2026-03-02T00:30:00Z\n"
                        "batch t2.small 2026-03-01T22:45:10+01:00-2026-03-03T08:00:00+01:00")
    assert not at.error, [e.value for e in at.error]
    table = _bill_table(at)
    assert list(table["used"]) == ["1:00", "1 d 9:14:50"]
    assert list(table["billed per started hour"].str.split(" h").str[0]) == ["1", "34"]
    at = _timeline_with("night t2.small 23:30-0:30")
    assert _bill_table(at)["how the times were read"][0].startswith("crosses midnight")
    assert any("not on the clock" in c.value for c in at.caption)  # the convention is said


@pytest.mark.parametrize("text, words", [
    ("\n".join(f"vm{i} t2.small 0:00-1:00" for i in range(20_000)), ["more than 100 runs"]),
    ("vm1 t2.small 0:00-" + "9" * 5000 + ":00", ["8,784 hours"]),
    ("vm1 t2.small 0:00-1:00\nvm2 t2.small 2026-03-01T23:30:00Z-2026-03-02T00:30:00Z", ["mixes"]),
])
def test_pricing_refuses_huge_or_mixed_timelines_with_one_message(text, words):
    at = _timeline_with(text)
    assert len(at.error) == 1
    message = at.error[0].value.replace("\\", "")
    for word in words:
        assert word in message, message
    assert len(message) < 600  # the echoed text is cut, not 5,000 digits
    assert _bill_table(at)["VM"][0] == "vm1"  # the last timeline that worked (the preset) is still billed


# ------------------------------------------------------------------------------------------- resource plan

RESOURCES = "pages/s24_resources.py"


def _plan_with(text: str):
    at = open_page(RESOURCES)
    key = next(t.key for t in at.text_area if t.key and t.key.startswith("plan_"))
    at.text_area(key=key).set_value(text).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_many_refused_plan_lines_give_one_summary_box():
    at = _plan_with("host disk=10 mem=4 pcpus=2\n" + "\n".join(f"vm{i} disk=100 mem=1 vcpus=1" for i in range(37)))
    boxes = [e.value for e in at.error]
    assert len(boxes) == 1, boxes
    assert boxes[0].startswith("37 operations refused; the first 3:")


def test_a_plan_of_10000_lines_is_refused_with_one_message():
    at = _plan_with("host disk=10 mem=4 pcpus=2\n" + "\n".join(f"vm{i} disk=1 mem=1 vcpus=1" for i in range(10_000)))
    boxes = [e.value.replace("\\", "") for e in at.error]
    assert len(boxes) == 1 and "more than 60 operations" in boxes[0], boxes


def test_a_link_to_a_program_that_cannot_run_gives_a_notice():
    at = open_page(TRAP, {"isa": "ia32", "program": "custom", "code": "POPF"})
    notice = " ".join(i.value for i in at.info).replace("\\", "")
    assert "Link notice" in notice and "nothing was pushed" in notice
    at = open_page(TRAP, {"isa": "ia32", "program": "custom", "code": "pushfd\ncli\npopfd"})
    assert not at.info and list(_mapping(at)["Catalogue entry"]) == ["PUSHF", "POPF"]
