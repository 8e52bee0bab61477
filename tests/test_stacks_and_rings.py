from engine.virtualizability.rings import LAYOUTS_BY_ID
from engine.virtualizability.vmm_stack import DESIGNS, simulate_path


def test_type_ii_path_is_longer_than_type_i():
    t1, t2 = simulate_path(DESIGNS["type1"]), simulate_path(DESIGNS["type2"])
    assert t1[-1].counters["hops"] < t2[-1].counters["hops"]
    assert t1[-1].counters["privilege_transitions"] < t2[-1].counters["privilege_transitions"]
    assert "host_os" in t2[-1].state.visited and "host_os" not in t1[-1].state.visited


def test_disk_read_starts_and_ends_at_the_app_and_reaches_the_hardware():
    for design in DESIGNS.values():
        trace = simulate_path(design)
        assert trace[0].state.at == "app" and trace[-1].state.at == "app"
        assert "hw" in trace[-1].state.visited
        assert trace[0].state.hop is None


def test_lecture_pros_and_cons():
    assert "efficient" in DESIGNS["type1"].pros[0].lower() and "driver" in DESIGNS["type1"].cons[0].lower()
    assert "driver" in DESIGNS["type2"].pros[0].lower() and "overhead" in DESIGNS["type2"].cons[0].lower()
    assert DESIGNS["type1"].also_known_as == "bare-metal / native hypervisor"
    assert DESIGNS["type2"].also_known_as == "hosted virtualization"


def test_rings():
    native, bt, xen32, xen64, vtx = (LAYOUTS_BY_ID[k] for k in ("native", "bt", "xen32", "xen64", "vtx"))
    assert (native.guest_kernel_ring, native.guest_app_ring, native.vmm_ring) == (0, 3, None)
    assert (bt.guest_kernel_ring, bt.vmm_ring) == (1, 0)
    assert (xen32.guest_kernel_ring, xen32.guest_app_ring, xen32.vmm_ring) == (1, 3, 0)
    assert xen64.guest_kernel_ring == 3
    assert (vtx.guest_kernel_ring, vtx.cpu_mode) == (0, "VMX root / non-root")
    assert vtx.occupants()[0] == ["VMM (root mode)", "guest kernel (non-root)"]
