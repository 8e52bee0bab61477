"""VirtLab: interactive lessons for the lecture chapter "Virtual Machines" (Cloud Systems).

Entry point: `streamlit run app.py`. Pages are grouped by lecture section (ui/navigation.py);
sections not built yet show their outline so students can see where the course is going.
"""

from __future__ import annotations

import copy

import streamlit as st

if __name__ != "__main__":
    # `streamlit run app.py` finds this `app` and imports the file once, before any browser connects; every visit then
    # runs the file as __main__ (below). Because a folder named pages/ sits beside this file, Streamlit would otherwise
    # treat the process's first visit as an old-style pages/ app: a first visit to a deep link such as
    # /trap-and-emulate found no page of that name and showed "Page not found" over the right page (streamlit#8860).
    # st.navigation clears this flag on its first call; clearing it here, before the first visit, is the same step.
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    app = st.App(__file__)

    # Import the app's own modules (and with them altair, pandas, SQLAlchemy) now, and move everything imported into
    # the garbage collector's permanent generation. A full collection holds the interpreter lock while it walks every
    # tracked object, and all sessions wait: with the ~150,000 objects of the imports in its walk, a pass took up to
    # 115 ms while another student's heavy scheduling run was drawn (bench/bench_sched_worst.py). Frozen objects are
    # never walked; nothing imported here is garbage.
    import gc
    import importlib
    import pkgutil

    for _package in ("engine", "viz", "ui"):
        for _module in pkgutil.walk_packages(importlib.import_module(_package).__path__, f"{_package}."):
            importlib.import_module(_module.name)
    gc.collect()
    gc.freeze()
else:
    from ui import layout, learner, presenter, sources, theme
    from ui.navigation import GROUPS

    st.set_page_config(page_title="VirtLab: Virtual Machines", page_icon="🖥️", layout="wide")
    layout.style()

    @st.cache_resource(show_spinner=False)
    def page_templates() -> dict[str, list[st.Page]]:
        """The pages, made once per process: st.Page resolves its file's real path, 13 % of the server's script-run
        time while 200 phones voted (py-spy on bench/bench_live.py)."""
        return {group: [st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url_path or None, default=not p.url_path)
                        for p in specs]
                for group, specs in GROUPS.items()}

    # Each run gets its own copies: st.navigation marks the chosen page as callable and running it clears the mark, so
    # sessions must not share the objects.
    pages = {group: [copy.copy(p) for p in made] for group, made in page_templates().items()}
    page = st.navigation(pages, expanded=True)
    learner.sync()
    presenter.bar(page)  # presenter mode: the lecture tour's bar above the page (lessons/tour.toml)
    theme.control()  # the sidebar's light / dark / projector switch (?theme=), the page's CSS, the charts' look
    page.run()
    sources.footnote(page.title)
