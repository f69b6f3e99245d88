"""How the staff pages (and their login page) look and read to assistive technology: the theme, the CSS and
the small script Gradio runs on load.

- Theme: the chat page's (text and primary buttons at WCAG AA contrast: Gradio's Soft indigo labels and
  buttons are 4.27:1 and 4.46:1; the open tab and a chosen radio button too, in the dark mode as well, whose
  accent colour the CSS sets), with a focused text box or drop-down ringed in the text's colour (the
  theme's own focus shadow cannot be seen). The theme is served to the login page too; the CSS is not.
- Script: Gradio's Markdown has no ARIA parameters, so the status lines (what a search found, what an
  upload did) are made polite live regions here, for screen readers to announce without moving focus;
  and a group of radio buttons (a ``fieldset`` whose label is a ``span``, not a ``legend``) gets its label
  as its name, so "up" is read as an answer to "Your thumbs".
- The login page is Gradio's own and runs no script of Gradio's ``js``/``head``: see ``ui/login_page.py``.
"""

from __future__ import annotations

import copy
import json

from ui.chat import DARK_ACCENT_CSS, THEME
from ui.review_transcript import TRANSCRIPT_CSS

REVIEW_THEME = copy.deepcopy(THEME).set(
    input_shadow_focus="0 0 0 2px *body_text_color",
    input_border_color_focus="*body_text_color",
)

REVIEW_CSS = DARK_ACCENT_CSS + TRANSCRIPT_CSS + """
/* the page's one h1, at the size of the h2 it was */
#review-header h1 { font-size: 1.375rem; margin: 0; }
"""

# status lines announced when they change (elem_ids of gr.Markdown components)
STATUS_IDS = ("review-status", "inbox-status", "kb-summary", "kb-outcome")

REVIEW_JS = """
() => {
  const ids = %s;
  const mark = () => {
    ids.forEach((id) => {
      const element = document.getElementById(id);
      if (element && element.getAttribute("role") !== "status") {
        element.setAttribute("role", "status");
        element.setAttribute("aria-live", "polite");
      }
    });
    // a group of radio buttons is named by its label, as a <legend> would name it
    document.querySelectorAll("fieldset:not([aria-label])").forEach((group) => {
      const label = group.querySelector('[data-testid="block-info"]');
      if (label) group.setAttribute("aria-label", label.textContent.trim());
    });
  };
  mark();
  new MutationObserver(mark).observe(document.body, { childList: true, subtree: true });  // tabs render late
}
""" % json.dumps(list(STATUS_IDS))
