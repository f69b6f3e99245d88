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
- Script: a login that ends while the page is open (``staff_login_hours`` passed, **Log out** on another
  browser, a changed password) made every action answer 401, which Gradio shows as a bare "Error" over the
  outputs (over the reply box too) and nothing more. A note (``role="alert"``) now says so, with a link that
  logs in again in a new tab, after which the page works again with what was typed in it; the note goes
  with the next action that runs.
- Script: a refused action (``ui.errors``) is an error for the API and for chained steps; its warning toast says why,
  and the red "Error" Gradio draws over its outputs is hidden (a failure of the server, said in an error notice,
  keeps it).
- Script: after a server restart Gradio's page drops every click until the server answers again, then reloads
  itself. The conversation open is kept in the page's address (``ADDRESS_OPENED``; the reload opens it again)
  and a reply typed in the Inbox in the tab's ``sessionStorage``, put back in its box after the reload.
- The login page is Gradio's own and runs no script of Gradio's ``js``/``head``: see ``ui/login_page.py``.
"""

from __future__ import annotations

import copy
import json

from ui.chat import DARK_ACCENT_CSS, THEME
from ui.review_tables import INBOX_COLUMNS, INBOX_NARROW_WIDTHS, TABLE_MIN_WIDTH
from ui.review_transcript import TRANSCRIPT_CSS

REVIEW_THEME = copy.deepcopy(THEME).set(
    input_shadow_focus="0 0 0 2px *body_text_color",
    input_border_color_focus="*body_text_color",
)



def narrow_inbox_columns() -> str:
    """CSS rules giving each Inbox column its share of a narrow screen (``INBOX_NARROW_WIDTHS``), hiding the rest."""
    rules = []
    for position, name in enumerate(INBOX_COLUMNS, start=1):
        cells = f'#inbox-list :is([role="columnheader"], [role="gridcell"])[aria-colindex="{position}"]'
        share = INBOX_NARROW_WIDTHS.get(name)
        if share is None:
            rules.append(f"  {cells} {{ display: none !important; }}")
        else:
            size = f"{share}% !important"
            rules.append(f"  {cells} {{ width: {size}; min-width: {size}; max-width: {size}; flex: 0 0 {size}; }}")
    return "\n".join(rules)


REVIEW_CSS = DARK_ACCENT_CSS + TRANSCRIPT_CSS + """
/* the page's one h1, at the size of the h2 it was */
#review-header h1 { font-size: 1.375rem; margin: 0; }
/* Gradio's red "Error" badge over each output of an action that failed, while the note that the login has ended is
   shown (its requests answered 401): it covered the Inbox list, the transcript and the typed reply, and the note says
   what went wrong. A refusal's badges (REVIEW_JS marks them: ui/errors.py) are hidden too: its toast says why, and the
   outputs are as they were. Any other failure keeps its badges, so that a page that could not be brought up to date
   does not look as if it were. */
body:has(#review-login-ended) [data-testid="status-tracker"]:has(> .error, .error) { display: none !important; }
[data-testid="status-tracker"][data-refused="yes"]:has(.error) { display: none !important; }
/* who is logged in, at the right beside Log out */
#review-user { text-align: right; align-self: center; }
/* the note that the login has ended (REVIEW_JS): above everything, dark on light amber in both modes */
#review-login-ended { position: fixed; top: 0; left: 0; right: 0; z-index: 10000; padding: .75rem 1rem;
  background: #fff4d6; color: #3d2c00; border-bottom: 2px solid #a36b00; font-size: 1rem; text-align: center; }
#review-login-ended a { color: #3d2c00; background: #fff4d6; font-weight: bold; }  /* the banner's, said for the colour check */
/* the conversation list and the Inbox: their columns' shares (ui/review_tables.py) of a table at least this wide, so
   that no word breaks in two (at 800 px "Handoff" read "Han/dof/f", a time "2026-/12-04", a model "extra/ctive");
   narrower, the table scrolls sideways. Gradio takes a share of the width its table's viewport has. */
#review-list .virtual-table-viewport, #inbox-list .virtual-table-viewport { min-width: %(min_width)dpx; }
#review-list .upload-container, #inbox-list .upload-container { overflow-x: auto; }
/* the open conversation's row (REVIEW_JS marks it aria-current), dark on light indigo in both modes */
:is(#review-list, #inbox-list) [role="row"][aria-current="true"] [role="gridcell"] {
  background: #e0e7ff !important; color: #1e1b4b !important; font-weight: 600; box-shadow: inset 0 -2px 0 #3730a3; }
/* a narrower screen shows the Inbox without its times of handoff (Waiting says how long) and session ids (the
   transcript has them), the other columns filling the box (INBOX_NARROW_WIDTHS; Gradio's own widths, in px, are
   shares of the 1,180 px it is drawn at otherwise): at 800 px Needs a reply was a scroll away */
@media (max-width: 1000px) {
  #inbox-list .virtual-table-viewport { min-width: 0; }
  #inbox-list .virtual-body, #inbox-list table { width: 100%% !important; }
  #inbox-list table { table-layout: fixed; }
%(narrow)s
}
""" % {"min_width": TABLE_MIN_WIDTH, "narrow": narrow_inbox_columns()}

LOGIN_ENDED_ID = "review-login-ended"
LOGIN_ENDED = (
    "Your staff login has ended (it expired, or you logged out elsewhere), so that was not done. "
    '<a href="./" target="_blank" rel="noopener">Log in again</a> in a new tab, then do it again here: '
    "what you typed on this page is still here."
)

INBOX_DRAFT_KEY = "support-assistant-inbox-draft"  # sessionStorage: [conversation id, reply typed], over a reload
# how long after a load the Inbox draft waits for its conversation to reopen (ms): seconds on a busy server
RESTORE_MS = 60_000

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

  // the open conversation's row in its list (the list's data-opened, set as it opens: ``opened_in``) is marked
  // aria-current, and so highlighted: after a click nothing showed which conversation the transcript was. Looked for
  // again as the lists are drawn again (a search, the Inbox's refresh), which may change a cell's text only.
  const markOpened = () => {
    document.querySelectorAll("[data-opened]").forEach((list) => {
      const header = [...list.querySelectorAll('[role="columnheader"]')].find((h) => h.textContent.trim().startsWith("Session"));
      const column = header && header.getAttribute("aria-colindex");
      list.querySelectorAll('[role="row"]').forEach((row) => {
        const cell = column && row.querySelector(`[role="gridcell"][aria-colindex="${column}"]`);
        const open = Boolean(cell && list.dataset.opened && cell.textContent.trim() === list.dataset.opened);
        if (open && row.getAttribute("aria-current") !== "true") row.setAttribute("aria-current", "true");
        else if (!open && row.hasAttribute("aria-current")) row.removeAttribute("aria-current");
      });
    });
  };
  window.reviewMarkOpened = markOpened;
  new MutationObserver(markOpened).observe(document.body, { childList: true, subtree: true, characterData: true });

  // a refused action (ui/errors.py) ends in an error sent without a notice (its warning toast said why), over whose
  // outputs Gradio still draws its red "Error": an output's status that turns to error with no error notice shown is
  // marked data-refused="yes", which the CSS hides. A failure of the server comes with its notice: "no", kept. The
  // mark goes as the status changes again (the next action on that output).
  const markRefused = () => {
    const failureSaid = Boolean(document.querySelector('[data-testid="toast-body"].error'));
    document.querySelectorAll('[data-testid="status-tracker"]').forEach((tracker) => {
      if (!tracker.querySelector(".error")) tracker.removeAttribute("data-refused");
      else if (!tracker.hasAttribute("data-refused")) tracker.setAttribute("data-refused", failureSaid ? "no" : "yes");
    });
  };
  new MutationObserver(markRefused).observe(document.body, { childList: true, subtree: true });

  // a login that ended: the page's requests answer 401, which Gradio shows as a bare "Error"
  const noteId = %s, noteText = %s;
  const fetched = window.fetch;
  window.fetch = async (...args) => {
    const response = await fetched(...args);
    const url = String((args[0] && args[0].url) || args[0]);
    if (url.includes("/gradio_api/") && response.status === 401 && !document.getElementById(noteId)) {
      const note = document.createElement("div");
      note.id = noteId;
      note.setAttribute("role", "alert");
      note.innerHTML = noteText;
      document.body.prepend(note);
    } else if (url.includes("/gradio_api/queue/join") && response.ok) {
      document.getElementById(noteId)?.remove();  // logged in again (in another tab): this action ran
    }
    return response;
  };

  // Gradio reloads the page by itself once a server that went away (a restart) answers again, and drops every
  // click until then: the reply typed in the Inbox is kept from the page's leaving to its next load, for the
  // conversation in the address (ADDRESS_OPENED keeps it there, and the reload opens it again)
  const draftKey = %s, reply = () => document.querySelector("#inbox-reply textarea");
  const addressed = () => new URLSearchParams(window.location.search).get("conversation") || "";
  let pending = null;  // the draft read at this load, until it is back in its box
  try { pending = JSON.parse(sessionStorage.getItem(draftKey) || "null"); sessionStorage.removeItem(draftKey); } catch (error) {}
  if (!Array.isArray(pending) || pending[0] !== addressed()) pending = null;
  window.addEventListener("pagehide", () => {
    try {
      const typed = reply() ? reply().value : "";
      const kept = typed.trim() && addressed() ? [addressed(), typed] : pending;  // left before the box was built: kept
      if (kept) sessionStorage.setItem(draftKey, JSON.stringify(kept)); else sessionStorage.removeItem(draftKey);
    } catch (error) {}  // storage refused: nothing kept
  });
  const putBack = (box, text) => { box.value = text; box.dispatchEvent(new Event("input", { bubbles: true })); };
  // the opening of the conversation can empty the box after the draft is back (its reply box reset arrives later on
  // a busy server): for 20 s, until staff press a key or click anything (Send empties the box), it gets the draft again
  let acted = false;
  const keep = (text, until) => {
    const box = reply();
    if (!box || acted || Date.now() > until) return;
    if (!box.value) putBack(box, text);
    setTimeout(() => keep(text, until), 200);
  };
  // looked for until RESTORE_MS after the load, while the address names the draft's conversation: one that does not
  // reopen in the Inbox (handed back meanwhile, erased) opens in the list or nowhere, and was looked for every 100 ms
  // for as long as the page stayed open. Given up, the draft is still kept if the page is left before staff type.
  const restoreUntil = Date.now() + %s;
  const restore = () => {  // once the reopened conversation shows beside its box (seconds on a busy server)
    const box = reply(), shown = document.querySelector("#inbox-transcript");
    if (!pending) return;
    if (box && box.offsetParent && shown && shown.textContent.trim()) {
      if (!box.value) {
        const text = pending[1];
        putBack(box, text);
        for (const kind of ["keydown", "pointerdown"]) document.addEventListener(kind, () => { acted = true; }, { once: true, capture: true });
        keep(text, Date.now() + 20000);
      }
      pending = null;
    } else if (Date.now() < restoreUntil && pending[0] === addressed()) setTimeout(restore, 100);
  };
  restore();
}
""" % (json.dumps(list(STATUS_IDS)), json.dumps(LOGIN_ENDED_ID), json.dumps(LOGIN_ENDED), json.dumps(INBOX_DRAFT_KEY), RESTORE_MS)

# The conversation just opened (a hidden box's value) as the page's address, ``/review/?conversation=ID``: a reload
# (Gradio's own, after a server restart) opens it again (ReviewPage.open_linked), in the Inbox while a person has it.
ADDRESS_OPENED = """(opened) => {
  const url = new URL(window.location.href);
  if (opened) url.searchParams.set("conversation", opened); else url.searchParams.delete("conversation");
  window.history.replaceState(window.history.state, "", url);
}"""


def opened_in(list_id: str) -> str:
    """``ADDRESS_OPENED``, and the conversation kept as the open one of the list ``list_id`` (its row highlighted by
    REVIEW_JS, a list's own: the Conversations tab and the Inbox may each have one open)."""
    return """(opened) => {
  (%s)(opened);
  const list = document.getElementById(%s);
  if (list) list.dataset.opened = opened || "";
  if (window.reviewMarkOpened) window.reviewMarkOpened();
}""" % (ADDRESS_OPENED, json.dumps(list_id))
