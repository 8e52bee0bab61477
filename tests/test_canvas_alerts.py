"""ui.canvas's alerts and wrapped code: what the shadow-page-table and I/O players' frames draw in the browser."""

from ui.canvas import STYLE, Canvas


def test_alerts_are_coloured_boxes_with_markdown_and_their_icon():
    out = Canvas()
    out.success("Invariant **holds**", icon="✅")
    out.error("Invariant broken: <b>x</b>")
    out.info("note")
    out.warning("careful")
    success, error, info, warning = out.parts({})
    assert success.startswith('<div class="vl-alert vl-success">') and "✅ Invariant <strong>holds</strong>" in success
    assert 'class="vl-alert vl-error"' in error and "&lt;b&gt;x&lt;/b&gt;" in error  # raw HTML shows as typed
    assert "vl-info" in info and "vl-warning" in warning
    assert 'role="alert"' not in "".join(out.parts({}))  # the player's caption speaks each step, not the frame
    assert all(f".vl-{kind}" in STYLE for kind in ("success", "info", "warning", "error"))


def test_code_wraps_long_lines_only_when_asked():
    out = Canvas()
    out.code("a <long> line", language=None, wrap_lines=True)
    out.code("plain")
    wrapped, plain = out.parts({})
    assert wrapped == '<pre class="vl-wrap"><code>a &lt;long&gt; line</code></pre>'
    assert plain == "<pre><code>plain</code></pre>"
    assert "pre.vl-wrap" in STYLE and "pre-wrap" in STYLE
