from engine.fullvirt.io_levels import IO_LEVELS, SOURCES
from engine.virtualizability.vmm_stack import simulate_path


def final(level: str):
    return simulate_path(IO_LEVELS[level])[-1]


def test_lower_interception_costs_more_vmm_entries():
    syscall, driver, ioop = (final(k).counters for k in ("syscall", "driver", "ioop"))
    assert syscall["vmm_entries"] <= driver["vmm_entries"] < ioop["vmm_entries"]
    assert syscall["privilege_transitions"] < driver["privilege_transitions"] < ioop["privilege_transitions"]


def test_system_call_level_bypasses_the_guest_kernel():
    assert "guest_os" not in final("syscall").state.visited
    assert "guest_os" in final("driver").state.visited and "guest_os" in final("ioop").state.visited


def test_device_driver_level_pros_and_cons_are_the_lectures():
    driver = IO_LEVELS["driver"]
    assert "Natural point for virtualization." in driver.pros
    assert any("reverse engineering" in p for p in driver.pros)
    assert driver.cons == ("Requires knowledge of the guest's device driver interface.",)
    assert SOURCES["driver"] == "Lecture slide 'I/O Virtualization at Device Driver Level'"


def test_every_level_reads_the_disk_and_returns_to_the_app():
    for level in IO_LEVELS.values():
        trace = simulate_path(level)
        assert "hw" in trace[-1].state.visited and trace[-1].state.at == "app"
