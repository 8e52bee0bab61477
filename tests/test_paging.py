"""MMU and page tables: the real shifts and PTE bits, walk lengths, faults, A/D bits and spec validation."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.fullvirt.paging import (
    FLAG_BITS, IA32, MODES, TEACHING, X86_64, PageFault, PageTableError, Pte, decode_entry, encode_entry, parse_mappings,
    split, translate, walk,
)

X64_SPEC = """
# small, 2 MiB and 1 GiB pages
0x00400000 -> 0x0012F000 P RW U
0x00401000 -> 0x00130000 P U          # read-only user page
0x00402000 -> 0x00131000 P RW         # supervisor page
0x00403000 -> 0x00132000 P U NX
0x00404000 -> 0x00133000 RW U         # not present
0x00600000 -> 0x00800000 P RW PS      # 2 MiB
0x40000000 -> 0x80000000 P RW PS      # 1 GiB
0xFFFF800000000000 -> 4096 P RW
"""
IA32_SPEC = "0x00400000 -> 0x0012F000 P RW U\n0x00800000 -> 0x01000000 P RW PS  # 4 MiB\n"


@pytest.fixture(scope="module")
def x64():
    return parse_mappings(X86_64, X64_SPEC)


@pytest.fixture(scope="module")
def ia32():
    return parse_mappings(IA32, IA32_SPEC)


def test_shifts_match_linux_and_the_sdm():
    assert X86_64.shifts == (39, 30, 21, 12)  # sources.toml: x86-64-paging
    assert IA32.shifts == (22, 12)  # sources.toml: ia32-paging
    assert TEACHING.shifts == (12, 8) and TEACHING.va_bits == 16 and TEACHING.entries(0) == 16
    assert [X86_64.entries(level) for level in range(4)] == [512] * 4 and X86_64.entry_size == 8
    assert [IA32.entries(level) for level in range(2)] == [1024] * 2 and IA32.entry_size == 4
    assert X86_64.leaf_size(2) == 2 << 20 and X86_64.leaf_size(1) == 1 << 30 and IA32.leaf_size(0) == 4 << 20
    assert set(MODES) == {"teaching", "ia32", "x86_64"} and "simplification" in TEACHING.note


def test_split_cuts_the_address_into_fields():
    va = (3 << 39) | (5 << 30) | (7 << 21) | (11 << 12) | 0xABC
    parts = split(X86_64, va)
    assert parts.fields == (3, 5, 7, 11) and parts.offset == 0xABC
    assert split(IA32, 0x00403123).fields == (1, 3) and split(IA32, 0x00403123).offset == 0x123
    assert split(TEACHING, 0xA5C3).fields == (0xA, 0x5) and split(TEACHING, 0xA5C3).offset == 0xC3


def test_pte_bits_are_the_real_ones():
    assert FLAG_BITS == {"P": 0, "RW": 1, "US": 2, "A": 5, "D": 6, "PS": 7, "NX": 63}
    value = encode_entry(X86_64, Pte(0x12F000, frozenset({"P", "RW", "US", "NX"})))
    assert value == 0x12F000 | 0b111 | 1 << 63
    assert decode_entry(X86_64, value) == Pte(0x12F000, frozenset({"P", "RW", "US", "NX"}))
    with pytest.raises(PageTableError, match="NX does not exist"):
        encode_entry(IA32, Pte(0x1000, frozenset({"P", "NX"})))
    with pytest.raises(PageTableError, match="not a page-aligned"):
        encode_entry(IA32, Pte(0x1001, frozenset({"P"})))


@pytest.mark.parametrize("mode, va, references", [
    ("ia32", 0x00400010, 2), ("ia32", 0x00812345, 1),
    ("x86_64", 0x00400010, 4), ("x86_64", 0x00612345, 3), ("x86_64", 0x40012345, 2),
])
def test_walk_lengths(x64, ia32, mode, va, references):
    space = x64 if mode == "x86_64" else ia32
    trace = walk(space, va)
    assert trace[-1].counters["memory_references"] == references
    assert trace[-1].counters["data_references"] == 1
    assert [f.state.phase for f in trace] == ["split"] + ["read"] * references + ["done"]
    assert translate(space, va) == (trace[-1].state.physical, references)


def test_physical_address_is_frame_plus_offset(x64, ia32):
    assert translate(x64, 0x00400ABC)[0] == 0x0012FABC
    assert translate(x64, 0x00612345)[0] == 0x00812345  # 2 MiB page: 21-bit offset
    assert translate(x64, 0x7FFF_FFFF)[0] == 0xBFFF_FFFF  # 1 GiB page: 30-bit offset
    assert translate(x64, 0xFFFF8000_00000010)[0] == 0x1010  # canonical high half
    assert translate(ia32, 0x00BFFFFF)[0] == 0x013FFFFF


def test_entry_addresses_are_base_plus_index_times_entry_size(x64):
    steps = walk(x64, 0x00400123)[-1].state.steps
    assert steps[0].table == x64.cr3 == X86_64.table_region
    for step in steps:
        assert step.address == step.table + step.index * 8


def test_cpu_sets_accessed_and_dirty_bits(x64):
    a, d = 1 << FLAG_BITS["A"], 1 << FLAG_BITS["D"]
    write = walk(x64, 0x00400000, "write")
    leaf = write[-1].state.steps[-1]
    assert leaf.written == leaf.value | a | d
    assert all(s.written == s.value | a for s in write[-1].state.steps[:-1])
    assert write[-1].state.space.read(leaf.address) & d
    assert not x64.read(leaf.address) & a  # the input space is unchanged: frames are snapshots
    read_leaf = walk(x64, 0x00400000, "read")[-1].state.steps[-1]
    assert read_leaf.written == read_leaf.value | a
    assert "sets A and D" in write[-2].explanation


@pytest.mark.parametrize("va, access, user, reason, level", [
    (0x00404000, "read", False, "not-present", 3),
    (0x00405000, "read", False, "not-present", 3),
    (0x10000000, "read", False, "not-present", 2),
    (0x8000000000, "read", False, "not-present", 0),
    (0x00401000, "write", True, "read-only", 3),
    (0x00402000, "read", True, "supervisor", 3),
    (0x00403000, "exec", True, "nx", 3),
    (0x00600000, "read", True, "supervisor", 2),
])
def test_faults_name_the_check_and_the_level(x64, va, access, user, reason, level):
    trace = walk(x64, va, access, user)
    fault = trace[-1].state.fault
    assert isinstance(fault, PageFault) and (fault.reason, fault.level) == (reason, level)
    assert trace[-1].state.phase == "fault" and trace[-1].counters["data_references"] == 0
    assert "#PF, vector 14" in trace[-1].explanation and "CR2" in trace[-1].explanation
    assert X86_64.level_names[level] in trace[-1].explanation
    assert translate(x64, va, access, user) == (fault, level + 1)


def test_user_read_of_read_only_page_and_exec_of_normal_page_succeed(x64):
    assert translate(x64, 0x00401000, "read", True)[0] == 0x00130000
    assert translate(x64, 0x00400000, "exec", True)[0] == 0x0012F000


def test_parse_is_deterministic_and_accepts_decimal_and_aliases():
    a = parse_mappings(TEACHING, "0x1200 -> 0x0300 P R/W U/S\n# comment\n4864 -> 1024 p w u")
    b = parse_mappings(TEACHING, "0x1200 -> 0x0300 P RW US\n0x1300 -> 0x0400 P RW US")
    assert a.tables == b.tables and a.cr3 == 0xE000
    assert translate(a, 0x1342) == (0x0442, 2)


@pytest.mark.parametrize("mode, text, message", [
    (X86_64, "0x1000 -> 0x2000 P RW Q", "line 1: unknown flag 'Q'"),
    (IA32, "0x1000 -> 0x2000 P NX", "line 1: unknown flag 'NX' \\(NX does not exist"),
    (TEACHING, "0x10000 -> 0x0200 P", "line 1: .*outside the 16-bit address space"),
    (TEACHING, "0x1000 -> 0x10000 P", "line 1: physical frame 0x10000 is outside"),
    (X86_64, "0x1001 -> 0x2000 P", "line 1: virtual page 0x1001 is not aligned to the 4 KiB"),
    (X86_64, "0x1000 -> 0x2010 P", "line 1: physical frame 0x2010 is not aligned"),
    (X86_64, "0x00201000 -> 0x00400000 P PS", "line 1: PS needs both addresses aligned to 1 GiB \\(PDPT level\\) or 2 MiB"),
    (IA32, "0x00400000 -> 0x00200000 P PS", "line 1: PS needs both addresses aligned to 4 MiB"),
    (TEACHING, "0x1000 -> 0x0200 P PS", "line 1: PS \\(large page\\) is not available in Teaching"),
    (X86_64, "0x0000800000000000 -> 0x1000 P", "line 1: .*not canonical: bits 63:48 must equal bit 47"),
    (X86_64, "0x1000 -> 0x2000 P\n\n0x1000 -> 0x3000 P", "line 3: virtual page .* is already mapped on line 1"),
    (X86_64, "0x200000 -> 0x400000 P PS\n0x201000 -> 0x3000 P", "line 2: .* lies inside the 2 MiB page mapped on line 1"),
    (X86_64, "0x201000 -> 0x3000 P\n0x200000 -> 0x400000 P PS", "line 2: the 2 MiB page .* overlaps smaller pages mapped from line 1"),
    (X86_64, "0x1000 -> 0xFF00000000 P", "line 1: frame .* reserves for the page tables"),
    (X86_64, "0x1000 0x2000 P", "line 1: expected '<virtual page> -> <physical frame> <flags>'"),
    (X86_64, "0x1000 -> 0xZZ P", "line 1: physical frame address '0xZZ' is not a hex"),
    (X86_64, "# nothing\n", "No mappings"),
])
def test_bad_specs_name_the_line(mode, text, message):
    with pytest.raises(PageTableError, match=message):
        parse_mappings(mode, text)


def test_walk_rejects_a_non_canonical_address(x64):
    with pytest.raises(PageTableError, match="not canonical"):
        walk(x64, 0x0001_0000_0000_0000)
    with pytest.raises(PageTableError, match="access 'jump'"):
        translate(x64, 0x1000, "jump")


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 0x7FFF_FFFF), st.sampled_from(["read", "write", "exec"]), st.booleans())
def test_walk_trace_agrees_with_translate(va, access, user):
    space = parse_mappings(X86_64, X64_SPEC)
    trace = walk(space, va, access, user)
    result, references = translate(space, va, access, user)
    end = trace[-1].state
    assert references == trace[-1].counters["memory_references"] == len(end.steps)
    assert result == (end.fault if end.fault else end.physical)
    counts = [f.counters["memory_references"] for f in trace]
    assert counts == sorted(counts)


# --------------------------------------------------------------------------- the student's own format (OSTEP preset)

from pathlib import Path  # noqa: E402

from engine.core.lessons import LESSONS_DIR  # noqa: E402
from engine.fullvirt import page_format as pf  # noqa: E402


@pytest.fixture(scope="module")
def ostep():
    preset = pf.load_format_preset(LESSONS_DIR / "2.2" / "paging.toml")
    fmt = pf.parse_format(preset.format_text)
    return fmt, pf.parse_memory(fmt, preset.memory_text)


def test_ostep_preset_is_the_homework_format():
    fmt = pf.OSTEP  # sources.toml: ostep-multilevel
    assert (fmt.page_size, fmt.physical_pages, fmt.va_bits, fmt.index_bits) == (32, 128, 15, (5, 5))
    assert (fmt.entry.size, fmt.entry.valid_bit, fmt.entry.pfn_high, fmt.entry.pfn_low) == (1, 7, 6, 0)
    assert fmt.shifts == (10, 5) and fmt.entry_names == ("PDE", "PTE")


@pytest.mark.parametrize("va, reads, physical, value, fault", [
    # 0x0cab = 00011 00101 01011: PDE 3 at 17*32+3 = 0x223 holds 0xa8 (valid, PFN 40); PTE 5 at 40*32+5 = 0x505 holds
    # 0xc2 (valid, PFN 66); physical 66*32 + 11 = 0x84b, where page 66's byte 11 is 0x1c.
    (0x0CAB, [(0x223, 0xA8), (0x505, 0xC2)], 0x84B, 0x1C, None),
    # 0x623e = 11000 10001 11110: PDE 24 at 0x238 = 0xdd (PFN 93); PTE 17 at 93*32+17 = 0xbb1 = 0x87 (PFN 7);
    # physical 7*32 + 30 = 0xfe, page 7's byte 30 is 0x07.
    (0x623E, [(0x238, 0xDD), (0xBB1, 0x87)], 0xFE, 0x07, None),
    # 0x0cc0: PDE 3, PTE 6 at 0x506 = 0x82 (PFN 2), offset 0: physical 0x40, page 2's byte 0 is 0x03.
    (0x0CC0, [(0x223, 0xA8), (0x506, 0x82)], 0x40, 0x03, None),
    # 0x2422 = 01001 00001 00010: PDE 9 at 0x229 is 0x7f, bit 7 clear: fault after one reference.
    (0x2422, [(0x229, 0x7F)], None, None, "PDE is not valid"),
    # 0x0fc4 = 00011 11110 00100: PDE 3 valid, PTE 30 at 40*32+30 = 0x51e is 0x7f: fault after two references.
    (0x0FC4, [(0x223, 0xA8), (0x51E, 0x7F)], None, None, "PTE is not valid"),
])
def test_ostep_translations_checked_by_hand(ostep, va, reads, physical, value, fault):
    fmt, memory = ostep
    result = pf.translate(fmt, memory, va)
    assert [(r.address, r.value) for r in result.reads] == reads
    assert (result.physical, result.value) == (physical, value)
    assert (fault is None and result.fault is None) or fault in result.fault
    trace = pf.walk(fmt, memory, va)
    assert len(trace) == 1 + len(reads) + 1  # the split, a frame per entry read, the value or the fault
    assert trace[-1].counters["memory_references"] == len(reads) + (value is not None)
    if value is not None:
        assert trace[-1].event == f"Value {value:#04x} at physical {physical:#x}"


def test_a_custom_format_with_wider_entries_and_three_levels():
    fmt = pf.parse_format("page_size = 256\nindex bits = 2/3/4\nentry size = 2\nvalid bit = 0\npfn bits = 15:8\n"
                          "physical pages = 16")
    assert fmt.va_bits == 17 and fmt.level_names == ("Page directory", "Level 2 table", "Page table")
    page = lambda data: " ".join(f"{b:02x}" for b in data + [0] * (256 - len(data)))  # noqa: E731
    # PDBR 1; entry 1 of page 1 (bytes 2,3) = 0x0201: valid, PFN 2; entry 2 of page 2 = 0x0301 -> page 3;
    # entry 5 of page 3 (bytes 10, 11) = 0x0401 -> frame 4; byte 0x17 of page 4 is 0xab. Little-endian entries.
    memory = pf.parse_memory(fmt, "PDBR: 1\n" + "\n".join([
        f"page 1: {page([0, 0, 0x01, 0x02])}", f"page 2: {page([0] * 4 + [0x01, 0x03])}",
        f"page 3: {page([0] * 10 + [0x01, 0x04])}", f"page 4: {page([0] * 0x17 + [0xAB])}"]))
    va = (1 << 15) | (2 << 12) | (5 << 8) | 0x17
    result = pf.translate(fmt, memory, va)
    assert (result.physical, result.value, len(result.reads)) == (0x417, 0xAB, 3)
    assert pf.translate(fmt, memory, va ^ (1 << 15)).fault.startswith("the PDE is not valid")  # entry 0: all zero


def test_a_pasted_ostep_problem_is_read_whole():
    text = ("ARG seed 5\nARG allocated 64\n\npage   3: " + " ".join(["7f"] * 31 + ["85"]) + "\n"
            "PDBR: 3  (decimal) [This means the page directory is held in this page]\n"
            "Virtual Address 7c2a: Translates To What Physical Address (And Fetches what Value)? Or Fault?\n")
    memory = pf.parse_memory(pf.OSTEP, text)
    assert memory.pdbr == 3 and memory.asked == (0x7C2A,) and memory.pages[3][31] == 0x85
    result = pf.translate(pf.OSTEP, memory, 0x7C2A)  # PDE 31 -> page 5, which is not listed: reads as 00, not valid
    assert [r.address for r in result.reads] == [3 * 32 + 31, 5 * 32 + 1] and "PTE is not valid" in result.fault


@pytest.mark.parametrize("text, message", [
    (pf.OSTEP_FORMAT_TEXT.replace("= 32", "= 30"), "line 2: page size 30 must be a power of two"),
    (pf.OSTEP_FORMAT_TEXT.replace("valid bit = 7", "valid bit = 8"), "line 5: valid bit 8 is outside a 1-byte entry"),
    (pf.OSTEP_FORMAT_TEXT.replace("6:0", "7:0"), "line 6: the frame number's bits 7:0 include the valid bit 7"),
    (pf.OSTEP_FORMAT_TEXT.replace("5 5", "6 5"), "line 3: a table of 2\\^6 = 64 entries of 1 byte\\(s\\) needs 64 bytes"),
    (pf.OSTEP_FORMAT_TEXT.replace("6:0", "6-0"), "line 6: write the frame number's bits as high:low"),
    ("pages = 3\n", "line 1: expected '<key> = <value>' with a key from page size"),
    (pf.OSTEP_FORMAT_TEXT.replace("physical pages = 128\n", ""), "missing 'physical pages'"),
])
def test_format_errors_name_the_line_and_what_was_expected(text, message):
    with pytest.raises(pf.FormatError, match=message):
        pf.parse_format(text)


@pytest.mark.parametrize("text, message", [
    ("page 1: 00 01\n", "line 1: page 1 has 2 bytes; a page holds 32"),
    ("PDBR: 200\n", "line 1: PDBR 200 is not a physical page number \\(0 to 127\\)"),
    ("PDBR: 1\npage 1: " + " ".join(["zz"] * 32), "line 2: 'zz' is not a byte"),
    ("PDBR: 1\nhello", "line 2: expected 'page <n>: <32 hex bytes>' or 'PDBR: <page number>'; got 'hello'"),
    ("page 1: " + " ".join(["00"] * 32), "no base register: add a line 'PDBR: <page number"),
    ("PDBR: 1\npage 128: " + " ".join(["00"] * 32), "line 2: page 128 is outside physical memory"),
])
def test_memory_dump_errors_name_the_line(text, message):
    with pytest.raises(pf.FormatError, match=message):
        pf.parse_memory(pf.OSTEP, text)


@pytest.mark.parametrize("text, expected", [("0x611c", 0x611C), ("611c", 0x611C), (" 7FFF ", 0x7FFF)])
def test_addresses_are_hex_with_or_without_0x(text, expected):
    assert pf.parse_address(pf.OSTEP, text) == expected


@pytest.mark.parametrize("text, message", [("0x8000", "'0x8000' is outside the 15-bit virtual address space"),
                                           ("0x9zz", "'0x9zz' is not a virtual address: write it in hex"),
                                           ("", "is not a virtual address")])
def test_bad_addresses_quote_what_was_typed(text, message):
    with pytest.raises(pf.FormatError, match=message):
        pf.parse_address(pf.OSTEP, text)
