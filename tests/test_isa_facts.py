"""The catalogue pins the lecture's and the papers' facts (sources.toml: ia32-critical, ia32-privileged, popf-silent,
s370-examples, armv7-critical, isas-lecture-verdict)."""

import pytest

from engine.virtualizability.isa import DesignError, design_from_rows, design_rows, verdict


@pytest.mark.parametrize("mnemonic", ["POPF", "PUSHF", "SGDT", "SIDT", "SLDT", "SMSW", "STR", "LAR", "LSL", "VERR", "VERW"])
def test_ia32_critical_instructions(catalogue, mnemonic):
    ins = catalogue["ia32"].instruction(mnemonic)
    assert ins.critical and not ins.privileged and ins.sensitive


@pytest.mark.parametrize("mnemonic", ["LGDT", "LIDT", "LLDT", "LTR", "HLT", "INVLPG", "RDMSR", "WRMSR", "CLTS", "LMSW"])
def test_ia32_privileged_instructions(catalogue, mnemonic):
    assert catalogue["ia32"].instruction(mnemonic).privileged


def test_ia32_critical_list_is_robin_and_irvine(catalogue):
    ia32 = catalogue["ia32"]
    critical = set(ia32.verdict().critical)
    expected = {"SGDT", "SIDT", "SLDT", "SMSW", "PUSHF", "POPF", "LAR", "LSL", "VERR", "VERW", "PUSH Sreg", "POP Sreg",
                "MOV Sreg", "CALL far", "JMP far", "INT n", "RET far", "STR"}
    assert critical == expected  # 18 mnemonics; the paper counts "17" (sources.toml: ia32-critical)
    assert "17" in ia32.counting_note and "18" in ia32.counting_note


def test_popf_is_both_control_and_behaviour_sensitive(catalogue):
    popf = catalogue["ia32"].instruction("popf")
    assert popf.control_sensitive and popf.behaviour_sensitive and popf.effect.pop == "IF"


@pytest.mark.parametrize("mnemonic", ["LPSW", "SPT", "LRA"])
def test_s370_lecture_examples_are_privileged(catalogue, mnemonic):
    ins = catalogue["s370"].instruction(mnemonic)
    assert ins.privileged and ins.sensitive


def test_s370_lra_is_behaviour_sensitive_and_lpsw_control_sensitive(catalogue):
    assert catalogue["s370"].instruction("LRA").behaviour_sensitive
    assert catalogue["s370"].instruction("LPSW").control_sensitive
    assert catalogue["s370"].instruction("SPT").control_sensitive


@pytest.mark.parametrize("isa_id, expected", [("s370", True), ("power", True), ("sparc", True), ("ia32", False), ("armv7", False)])
def test_verdicts_per_isa(catalogue, isa_id, expected):
    isa = catalogue[isa_id]
    assert isa.verdict().virtualizable is expected
    if isa.lecture_claim is not None:
        assert isa.lecture_claim is expected  # derived verdict agrees with the lecture's slide


def test_arm_status_register_access_is_critical(catalogue):
    arm = catalogue["armv7"]
    assert arm.instruction("MRS").critical and arm.instruction("CPS").critical


def test_verdict_reason_names_the_offenders(catalogue):
    v = catalogue["ia32"].verdict()
    assert "POPF" in v.reason and "⊄" in v.reason


def test_designer_fixing_every_critical_instruction_makes_ia32_virtualizable(catalogue):
    ia32 = catalogue["ia32"]
    rows = design_rows(ia32)
    for row in rows:
        if row["Control-sensitive"] or row["Behaviour-sensitive"]:
            row["Privileged"] = True
    design = design_from_rows(ia32, rows)
    assert design.verdict().virtualizable
    assert design.instruction("POPF").why == ia32.instruction("POPF").why  # catalogue text kept
    assert not ia32.verdict().virtualizable  # the catalogue itself is untouched


def test_designer_one_unprivileged_sensitive_instruction_breaks_s370(catalogue):
    rows = design_rows(catalogue["s370"])
    for row in rows:
        if row["Instruction"] == "LRA":
            row["Privileged"] = False
    design = design_from_rows(catalogue["s370"], rows)
    assert design.verdict().critical == ("LRA",)


@pytest.mark.parametrize("rows, message", [
    ([{"Instruction": "", "Privileged": True}], "needs a name"),
    ([{"Instruction": "A"}, {"Instruction": "a"}], "listed twice"),
    ([], "no instructions"),
    ([{"Instruction": "X" * 50}], "longer than 40"),
])
def test_designer_rejects_bad_rows_with_a_clear_message(catalogue, rows, message):
    with pytest.raises(DesignError, match=message):
        design_from_rows(catalogue["ia32"], rows)


def test_verdict_of_plain_list():
    assert verdict([]).virtualizable
