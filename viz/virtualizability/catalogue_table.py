"""Rows for the instruction-catalogue tables (plain dicts, so they are testable without a server)."""

from __future__ import annotations

from engine.virtualizability.isa import ISA, Instruction


def instruction_rows(instructions: tuple[Instruction, ...]) -> list[dict[str, object]]:
    return [
        {"Instruction": i.mnemonic, "Class": i.category, "Privileged": i.privileged, "Control-sensitive": i.control_sensitive,
         "Behaviour-sensitive": i.behaviour_sensitive, "Critical": i.critical, "Why": i.why, "Group": i.group, "Source": i.source}
        for i in instructions
    ]


def verdict_rows(isas: dict[str, ISA]) -> list[dict[str, object]]:
    rows = []
    for isa in isas.values():
        v = isa.verdict()
        lecture = {True: "qualifies", False: "does not qualify", None: "—"}[isa.lecture_claim]
        rows.append({"ISA": isa.name, "Catalogued": len(isa.instructions), "Sensitive": len(v.sensitive),
                     "Privileged": len(v.privileged), "Critical": len(v.critical),
                     "Verdict (derived)": "virtualizable" if v.virtualizable else "not virtualizable", "Lecture says": lecture})
    return rows
