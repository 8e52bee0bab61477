"""VirtLab: interactive lessons for the lecture chapter "Virtual Machines" (Cloud Systems).

Entry point: `streamlit run app.py`. Pages are grouped by lecture section (ui/navigation.py);
sections not built yet show their outline so students can see where the course is going.
"""

from __future__ import annotations

import streamlit as st

from ui import layout, learner, sources
from ui.navigation import GROUPS

st.set_page_config(page_title="VirtLab: Virtual Machines", page_icon="🖥️", layout="wide")
layout.style()

pages = {
    group: [st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url_path or None, default=not p.url_path) for p in specs]
    for group, specs in GROUPS.items()
}
page = st.navigation(pages, expanded=True)
learner.sync()
page.run()
sources.footnote(page.title)
