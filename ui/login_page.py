"""The staff login page: Gradio's own form, given what it lacks for browsers and assistive technology.

Gradio serves the login form without the review app's ``js`` or ``head`` (its page holds no configuration
before a login), and the form has no page title (WCAG 2.4.2), no landmark, an ``h2`` as its only heading,
and fields that do not say which is the user name and which the password (WCAG 1.3.5; password managers
guess).
``MarkTheLoginPage`` adds a short script to the ``<head>`` of ``GET /review/`` that, while a password field
is shown, sets the title, makes the heading level 1 and the form the main landmark, marks the fields
``username`` and ``current-password``, announces "Incorrect Credentials" (Gradio shows it as plain text)
through an alert region and puts back the user name Gradio empties after a wrong password. A login refused for
too many failures (429, ``ui/web_guards.py``) is said in the server's words (*Too many failed logins. Try again in
15 minute(s).*) in place of the last "Incorrect Credentials", which the form left standing, also under the right
password. Once logged in
the page has no password field and the script does nothing.

Gradio also writes the review app's API description (``window.gradio_api_info``: every staff function,
its parameters and example calls) into that page before anyone has logged in, although ``/review/config``
and ``/review/gradio_api/info`` answer 401 then; the middleware takes it out of the login page, so the
staff functions are described only to staff.
"""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp

from ui.html_rewrite import RewriteHtmlPage

LOGIN_TITLE = "Staff login · Conversation review"

LOGIN_HEAD = """<script>
(function () {
  let announcer = null, typedName = "";
  const said = new WeakSet();
  const mark = function () {
    const password = document.querySelector('input[type="password"]');
    if (!password) return;
    if (!document.title) document.title = %s;
    password.setAttribute("autocomplete", "current-password");
    const name = document.querySelector('input[type="text"]');
    const heading = document.querySelector("h2");
    if (heading && !document.querySelector("h1")) {
      heading.setAttribute("aria-level", "1");
      heading.parentElement.setAttribute("role", "main");
    }
    if (!announcer) {  // a live region present before the error appears, so that it is announced
      announcer = document.createElement("div");
      announcer.setAttribute("role", "alert");
      announcer.style.cssText = "position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)";
      document.body.appendChild(announcer);
    }
    if (name && !name.hasAttribute("autocomplete")) {
      name.setAttribute("autocomplete", "username");
      name.addEventListener("input", function () { if (name.value) typedName = name.value; });
    }
    const error = document.querySelector("p.creds");
    if (error && !said.has(error)) {
      said.add(error);
      announcer.textContent = error.textContent.trim();
      if (name && !name.value && typedName) {  // Gradio empties the user name after a wrong password
        name.value = typedName;
        name.dispatchEvent(new Event("input", { bubbles: true }));
      }
    }
  };
  new MutationObserver(mark).observe(document.documentElement, { childList: true, subtree: true });

  // a login refused for too many failures (429) changed nothing on the form: the last "Incorrect Credentials"
  // stayed, also under the right password, which is not checked then; say the server's sentence instead
  const fetched = window.fetch;
  window.fetch = async function (...args) {
    const response = await fetched.apply(this, args);
    const url = String((args[0] && args[0].url) || args[0]).split("?")[0];
    if (/(^|\\/)login\\/?$/.test(url)) {
      let note = document.getElementById("login-throttled");
      if (response.status === 429) {
        let detail = "Too many failed logins. Try again later.";
        try { detail = (await response.clone().json()).detail || detail; } catch (error) {}
        if (!note) {
          note = document.createElement("p");
          note.id = "login-throttled";
          note.className = "creds";
          const place = document.querySelector("p.auth") || document.querySelector("h2");
          if (place) place.after(note); else document.body.prepend(note);
        }
        note.textContent = detail;
        document.querySelectorAll("p.creds:not(#login-throttled)").forEach((p) => { p.style.display = "none"; });
        if (announcer) announcer.textContent = detail;
      } else if (note) {
        note.remove();
        document.querySelectorAll("p.creds").forEach((p) => { p.style.display = ""; });
      }
    }
    return response;
  };
})();
</script>""" % json.dumps(LOGIN_TITLE)


# the login page's configuration, and the API description Gradio puts beside it (JSON with "<" escaped, so
# the first "</script>" ends it)
_LOGIN_CONFIG = re.compile(rb'window\.gradio_config\s*=\s*\{"auth_required":\s*true')
_API_INFO = re.compile(rb"<script>\s*window\.gradio_api_info\s*=.*?</script>", re.DOTALL)


def without_api_description(page: bytes) -> bytes:
    """The page without Gradio's API description when it is the login form (a logged-in page keeps it)."""
    return _API_INFO.sub(b"", page) if _LOGIN_CONFIG.search(page) else page


class MarkTheLoginPage(RewriteHtmlPage):
    """ASGI middleware: ``LOGIN_HEAD`` added before ``</head>`` of the HTML answer to ``GET {path}/``, and the
    API description taken out of it while it is the login form."""

    def __init__(self, app: ASGIApp, path: str = "/review") -> None:
        super().__init__(app, path.rstrip("/") + "/")
        self.snippet = LOGIN_HEAD.encode()

    def rewrite(self, body: bytes) -> bytes:
        return without_api_description(body).replace(b"</head>", self.snippet + b"</head>", 1)