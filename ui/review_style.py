"""How the staff pages (and their login page) look and read to assistive technology: the theme, the CSS and
the small script Gradio runs on load.

- Theme: the chat page's (text and primary buttons at WCAG AA contrast: Gradio's Soft indigo labels and
  buttons are 4.27:1 and 4.46:1; the open tab and a chosen radio button too, in the dark mode as well, whose
  accent colour the CSS sets), with a focused text box or drop-down ringed in the text's colour (the
  theme's own focus shadow cannot be seen). The theme is served to the login page too; the CSS is not.
- Script: Gradio's Markdown has no ARIA parameters, so the status lines (what a search found, what an
  upload did) are made polite live regions here, for screen readers to announce without moving focus;
  and a group of radio buttons (a ``fieldset`` whose label is a ``span``, not a ``legend``) gets its label
  as its name, so "up" is read as an answer to "Your thumbs", and its buttons one ``name`` (Gradio gives each its
  own), so that the browser makes them one group: one Tab stop, arrow keys choose. A conversation opened from a
  list is said in a live region of its own (``OPENED_SAID_ID``, written by ``opened_in``).
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
from ui.review_tables import (
    INBOX_COLUMNS, INBOX_NARROW_WIDTHS, INBOX_PHONE_WIDTHS, OUT_OF_HOURS, PHONE_MAX_WIDTH, TABLE_MIN_WIDTH, column_shares,
)
from ui.review_transcript import TRANSCRIPT_CSS

REVIEW_THEME = copy.deepcopy(THEME).set(
    input_shadow_focus="0 0 0 2px *body_text_color",
    input_border_color_focus="*body_text_color",
    # a radio button's edge at 3:1 or more on its fill and its label (WCAG 1.4.11): it was neutral-100 on white, 1.1:1,
    # and neutral-600 on the dark mode's neutral-800 fill (1.9:1) in a neutral-600 label
    checkbox_border_color="*neutral_500", checkbox_border_color_hover="*neutral_600",
    checkbox_border_color_dark="*neutral_300", checkbox_border_color_hover_dark="*neutral_200",
)



# the Inbox as built for rules with support hours, and without (its "without-hours" class: no "Out of hours" column,
# ui/review.py), each with its columns
INBOX_LAYOUTS = {
    "#inbox-list:not(.without-hours)": INBOX_COLUMNS,
    "#inbox-list.without-hours": [name for name in INBOX_COLUMNS if name != OUT_OF_HOURS],
}


def narrow_inbox_columns(shares: dict[str, int] = INBOX_NARROW_WIDTHS) -> str:
    """CSS rules giving each Inbox column its share of a narrow screen (``shares``, in % of the list's width), hiding
    the rest, for each of ``INBOX_LAYOUTS`` (a column it lacks gives its share to another: ``column_shares``)."""
    return "\n".join(_inbox_column_rules(table, columns, shares) for table, columns in INBOX_LAYOUTS.items())


def _inbox_column_rules(table: str, columns: list[str], shares: dict[str, int]) -> str:
    """``narrow_inbox_columns`` for the Inbox ``table`` (a CSS selector) with ``columns``."""
    shares = column_shares(shares, columns)
    rules = []
    for position, name in enumerate(columns, start=1):
        cells = f'{table} :is([role="columnheader"], [role="gridcell"])[aria-colindex="{position}"]'
        share = shares.get(name)
        if share is None:
            rules.append(f"  {cells} {{ display: none !important; }}")
        else:
            size = f"{share}% !important"
            rules.append(f"  {cells} {{ width: {size}; min-width: {size}; max-width: {size}; flex: 0 0 {size}; }}")
    return "\n".join(rules)


REVIEW_CSS = DARK_ACCENT_CSS + TRANSCRIPT_CSS + """
/* a radio button with the focus is ringed in the text's colour (it had no outline, and a border a shade darker), with a
   band of the page's colour between ring and button: the chosen one's label is indigo, on which the ring alone was 1.9:1 */
.gradio-container input[type="radio"]:focus-visible { outline: 2px solid var(--body-text-color); outline-offset: 2px;
  box-shadow: 0 0 0 2px var(--background-fill-primary); }
/* the page's one h1, at the size of the h2 it was */
#review-header h1 { font-size: 1.375rem; margin: 0; }
/* and on one line: on a phone who is logged in and Log out go below it (at 390 px the title had 130 px of the row and
   read "Convers/ation review") */
#review-header { min-width: max-content !important; max-width: 100%%; }
/* Gradio's red "Error" badge over each output of an action that failed, while the note that the login has ended is
   shown (its requests answered 401): it covered the Inbox list, the transcript and the typed reply, and the note says
   what went wrong. A refusal's badges (REVIEW_JS marks them: ui/errors.py) are hidden too: its toast says why, and the
   outputs are as they were. Any other failure keeps its badges, so that a page that could not be brought up to date
   does not look as if it were. */
body:has(#review-login-ended) [data-testid="status-tracker"]:has(> .error, .error) { display: none !important; }
[data-testid="status-tracker"][data-refused="yes"]:has(.error) { display: none !important; }
/* the Analytics charts of turns, drawn PLOT_HEIGHT high (ui/analytics.py): Gradio gives a chart with a height 100 %% of its
   block's under the block's label, and the block cut off its bottom 36 px (the x axis's dates and title); in a column
   the chart takes what the label leaves */
:is(#analytics-volume, #analytics-intents) { display: flex; flex-direction: column; align-items: flex-start; }
:is(#analytics-volume, #analytics-intents) > .vega-embed { flex: 1 1 0; min-height: 0; align-self: stretch; }
/* who is logged in, at the right beside Log out; on a phone below the title, on two lines if need be (at 320 px it was a
   column 4 px wide, a letter a line, and Log out as tall: the row's height) */
#review-user { text-align: right; align-self: center; min-width: min(9rem, 100%%) !important; }
#review-logout { align-self: center; }
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
/* a phone: three columns (INBOX_PHONE_WIDTHS), each cell on one line, a longer first message cut with "…" (the
   transcript has it whole): with five, "Waiting" read "Wa/it/in/g" at 390 px and a conversation took five lines */
@media (max-width: %(phone)dpx) {
%(phone_columns)s
  #inbox-list [role="gridcell"] :is(span, div, p), #inbox-list [role="gridcell"] {
    white-space: nowrap !important; overflow: hidden; text-overflow: ellipsis; }
}
""" % {
    "min_width": TABLE_MIN_WIDTH, "narrow": narrow_inbox_columns(), "phone": PHONE_MAX_WIDTH,
    "phone_columns": narrow_inbox_columns(INBOX_PHONE_WIDTHS),
}

LOGIN_ENDED_ID = "review-login-ended"
LOGIN_ENDED = (
    "Your staff login has ended (it expired, or you logged out elsewhere), so that was not done. "
    '<a href="./" target="_blank" rel="noopener">Log in again</a> in a new tab, then do it again here: '
    "what you typed on this page is still here."
)

INBOX_DRAFT_KEY = "support-assistant-inbox-draft"  # sessionStorage: [conversation id, reply typed], over a reload
# how long after a load the Inbox draft waits for its conversation to reopen (ms): seconds on a busy server
RESTORE_MS = 60_000

OPENED_SAID_ID = "review-opened-said"  # the live region that says a conversation opened (``opened_in``)
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
    groupRadios();
  };
  // Gradio names each radio button on its own ("radio-7"), again whenever the choice changes: each was a Tab stop of
  // its own, arrow keys did nothing and a screen reader said "1 of 1". The buttons of one fieldset share one name
  // here, which makes them one group for the browser (one Tab stop, arrow keys choose).
  let radioGroups = 0;
  const groupRadios = () => {
    document.querySelectorAll('fieldset:has(input[type="radio"])').forEach((group) => {
      if (!group.dataset.radioGroup) group.dataset.radioGroup = `review-radio-group-${++radioGroups}`;
      group.querySelectorAll('input[type="radio"]').forEach((input) => {
        if (input.name !== group.dataset.radioGroup) input.name = group.dataset.radioGroup;
      });
    });
  };
  mark();
  new MutationObserver(mark).observe(document.body, { childList: true, subtree: true });  // tabs render late

  // where the opening of a conversation is said (``opened_in``): Enter on a row of a list opened it below the list
  // and a screen reader said nothing. A live region is announced only if it was in the page before its text changed.
  const said = document.createElement("div");
  said.id = %s;
  said.className = "sr-only";
  said.setAttribute("role", "status");
  document.body.append(said);
  new MutationObserver(groupRadios).observe(document.body, { attributes: true, attributeFilter: ["name"], subtree: true });

  // the open conversation's row in its list (the list's data-opened, set as it opens: ``opened_in``) is marked
  // aria-current, and so highlighted: after a click nothing showed which conversation the transcript was. Looked for
  // again as the lists are drawn again (a search, the Inbox's refresh), which may change a cell's text only. A list
  // drawn after its conversation opened (the Inbox's tab, opened from a link or a reload: Gradio draws a tab as it is
  // first shown) gets its data-opened here, from window.reviewOpened (``opened_in``).
  window.reviewOpened = window.reviewOpened || {};
  const markOpened = () => {
    Object.entries(window.reviewOpened).forEach(([id, opened]) => {
      const list = document.getElementById(id);
      if (list && list.dataset.opened !== opened) list.dataset.opened = opened;
    });
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
""" % (json.dumps(list(STATUS_IDS)), json.dumps(OPENED_SAID_ID), json.dumps(LOGIN_ENDED_ID), json.dumps(LOGIN_ENDED), json.dumps(INBOX_DRAFT_KEY), RESTORE_MS)

# The conversation just opened (a hidden box's value) as the page's address, ``/review/?conversation=ID``: a reload
# (Gradio's own, after a server restart) opens it again (ReviewPage.open_linked), in the Inbox while a person has it.
ADDRESS_OPENED = """(opened) => {
  const url = new URL(window.location.href);
  if (opened) url.searchParams.set("conversation", opened); else url.searchParams.delete("conversation");
  window.history.replaceState(window.history.state, "", url);
}"""


def opened_in(list_id: str) -> str:
    """``ADDRESS_OPENED``, and the conversation kept as the open one of the list ``list_id`` (its row highlighted by
    REVIEW_JS, a list's own: the Conversations tab and the Inbox may each have one open), its opening said to screen
    readers (REVIEW_JS's live region ``OPENED_SAID_ID``)."""
    return """(opened) => {
  (%s)(opened);
  const id = %s, list = document.getElementById(id), said = document.getElementById(%s);
  window.reviewOpened = window.reviewOpened || {};
  window.reviewOpened[id] = opened || "";  // for a list not drawn yet (REVIEW_JS's markOpened)
  if (list) list.dataset.opened = opened || "";
  if (window.reviewMarkOpened) window.reviewMarkOpened();
  if (said && opened) said.textContent = `Conversation ${opened} opened below.`;
}""" % (ADDRESS_OPENED, json.dumps(list_id), json.dumps(OPENED_SAID_ID))
