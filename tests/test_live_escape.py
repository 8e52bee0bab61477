"""Live questions show typed text and option texts through the app's one escaping rule (ui.escape.literal)."""

from markdown_it import MarkdownIt

from ui.live import safe


def test_typed_text_on_the_live_pages_is_never_a_link_image_or_markup_and_stays_on_one_line():
    md = MarkdownIt("commonmark")
    for typed in ("![x](https://example.com/a.png)", "[quiz](http://x.y)", "<b>bold</b>", "<https://example.com>"):
        shown = md.render(safe(typed))
        assert "<a " not in shown and "<img" not in shown and "<b>" not in shown, (typed, shown)
    for typed in ("see https://example.com now", "www.example.com", "a@b.com", ":red[alarm]"):  # GFM autolinks and
        assert "\u2060" in safe(typed), typed  # Streamlit's directives are broken by an invisible word joiner
    assert "\n" not in safe("two\nlines")
    assert safe(" ".join(["word"] * 500)).count("word") == 500  # a long prompt is kept whole
    assert "(3,000 characters)" in safe("x" * 3000).replace("\\", "")  # a 3,000-character run is cut, and says so
