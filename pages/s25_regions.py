"""2.5 Regions, availability zones and the data-transfer fee of a route, animated boundary by boundary."""

import streamlit as st

from engine.ec2 import regions, transfer
from engine.ec2.money import number, usd
from ui import content, layout, query
from ui.diagram import diagram
from ui.escape import literal
from ui.player import frame_table, player
from viz.ec2.ec2_map import region_map, route_graph

layout.header("2.5", "Regions and data transfer",
              "Regions are divided into availability zones: traffic inside a zone is free, crossing a boundary costs per GB.")
content.lesson("2.5", "regions")


@st.cache_resource(show_spinner=False)
def route(source: str, destination: str, gb: float, month_before: float, round_trip: bool):
    return transfer.simulate(regions.shipped(), transfer.shipped(), source, destination, gb, month_before, round_trip)


geo, fees = content.guarded(regions.shipped), content.guarded(transfer.shipped)
st.header("Regions and their availability zones")
map_slot = st.container()  # drawn once the calculator's ends are known, so they can be highlighted
ends = {transfer.INTERNET: "🌐 the internet"} | {az: f"{az} ({r.place})" for r in geo.regions for az in r.azs}
st.header("Transfer-cost calculator")
MAX_GB = 10_000_000.0


def from_link(key: str, name: str, default: float, low: float = 0.0) -> str:
    """The widget key, first filled from the URL's ``name`` (GB, a number from ``low`` to 10 million), e.g. a generated
    quiz question's amount; a malformed value gives a notice and the default."""
    if key not in st.session_state:
        raw, value = st.query_params.get(name), default
        if raw is not None:
            try:
                value = float(raw)
                if not low <= value <= MAX_GB:  # also false for nan; inf is above MAX_GB
                    raise ValueError
            except ValueError:
                st.info(f"Link notice: '{name}={literal(raw)}' is not an amount of {low:g}–{MAX_GB:,.0f} GB; "
                        f"using {default:g}.",
                        icon="🔗")
                value = default
        st.session_state[key] = value
    return key


left, right = st.columns(2)
with left:
    source = query.select("From", ends, name="from", default=geo.regions[0].azs[0])
    gb = st.number_input("Amount (GB)", min_value=transfer.MIN_GB, max_value=MAX_GB, step=50.0,  # the engine's minimum
                         format="%.3f", key=from_link("transfer_gb", "gb", 100.0, transfer.MIN_GB))
with right:
    destination = query.select("To", ends, name="to", default=geo.regions[0].azs[1])
    month = st.number_input("Internet egress already sent this month (GB)", min_value=0.0, max_value=MAX_GB, step=1000.0,
                            key=from_link("transfer_month", "month", 0.0),
                            help="Egress tiers are per month and aggregated across services.")
round_trip = st.toggle("Round trip: the receiver sends the same amount back", key="transfer_round_trip")

good = "transfer_good"
try:
    trace = route(source, destination, gb, month, round_trip)
    st.session_state[good] = (source, destination, gb, month, round_trip)
except transfer.TransferError as exc:
    st.error(f"{exc} Showing the last route that worked.", icon="✋")
    trace = route(*st.session_state.get(good, (geo.regions[0].azs[0], geo.regions[0].azs[1], 100.0, 0.0, False)))


def render(frame, out) -> None:
    s = frame.state
    diagram(route_graph(s), out)
    if s.lines:
        frame_table([{"fee": line.what, "GB": number(line.gb), "$/GB": f"{line.per_gb:g}", "cost": usd(line.cost)}
                     for line in s.lines], out)


player(trace, "route", render, client=True)
st.caption(f"Fees {fees.provenance.label} ({fees.provenance.meaning}), {fees.region} class: {fees.provenance.source}. "
           f"Simplified model: {transfer.SIMPLIFICATIONS}")

with map_slot:
    final = trace[-1].state
    diagram(region_map(geo, frozenset(w.az for w in final.waypoints if w.az)))
    t = geo.totals
    st.markdown(f"**Worldwide:** {t.text()} — {t.provenance.label}, {t.provenance.meaning}.")
    st.caption(f"Counts: {t.provenance.source}. Map: {len(geo.regions)} of the regions, {geo.provenance.label} "
               f"({geo.provenance.meaning}): {geo.provenance.source}. AWS maps AZ letters to physical zones per account. "
               "Positions follow longitude and latitude; crowded regions are pushed apart east–west. Orange: the "
               "calculator's ends.")

with st.expander("The fee table (lessons/2.5/transfer.toml)"):
    st.table([{"traffic": "inbound from the internet", "$/GB": f"{fees.inbound:g}"},
              {"traffic": "same availability zone", "$/GB": f"{fees.same_az:g}"},
              {"traffic": "between availability zones, out of the sending zone", "$/GB": f"{fees.inter_az:g}"},
              {"traffic": "between availability zones, into the receiving zone (so one way: "
                          f"${fees.inter_az_one_way:g}/GB)", "$/GB": f"{fees.inter_az:g}"},
              {"traffic": f"between regions ({fees.inter_region_note})", "$/GB": f"{fees.inter_region:g}"}]
             + [{"traffic": f"internet egress, {tier.label}", "$/GB": f"{tier.per_gb:g}"} for tier in fees.tiers])
    st.caption(f"{fees.provenance.label}: {fees.provenance.meaning}.")
