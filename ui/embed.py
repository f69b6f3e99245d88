"""The embed widget: a script a company adds to its own website with one line,

    <script src="https://help.example.com/embed.js" async></script>

It adds a floating "Help" button that opens the chat page (``/?embed=1``) in a panel: an iframe from the
assistant's own address, so the conversation stays between the customer and the assistant. Options are
``data-`` attributes on the script tag (see ``docs/embedding.md``). Served by ``ui.server`` at ``/embed.js``.
"""

from __future__ import annotations

import json

from dialog.replies import DEFAULT_REPLIES, Replies

# Keys typed in the chat stay in its frame: on Escape the chat page asks the widget to close (``CLOSE_ON_ESCAPE``).
CLOSE_MESSAGE = "support-assistant:close"
CLOSE_ON_ESCAPE = f"""<script>
if (window.parent !== window) document.addEventListener("keydown", function (event) {{
  if (event.key === "Escape") window.parent.postMessage("{CLOSE_MESSAGE}", "*");
}});
</script>"""
# The chat page inside the widget (``?embed=1``; not "0" or empty) is marked before it renders (``EMBEDDED_CLASS`` on
# <html>), so its CSS keeps the page's title for screen readers only from the start: hidden after loading, the title
# shifted the page under a box the browser had already scrolled into view, and in a short frame the chat was above it.
EMBEDDED_CLASS = "chat-embedded"
MARK_EMBEDDED = f"""<script>
(function () {{
  var embed = new URLSearchParams(window.location.search).get("embed");
  if (embed && embed !== "0") document.documentElement.classList.add("{EMBEDDED_CLASS}");
}})();
</script>"""

def loading_words(replies: Replies = DEFAULT_REPLIES) -> tuple[str, str]:
    """The text that says the chat is loading (the chat page's first paint, the widget's panel before its frame has
    loaded: the replies' ``page_loading``), and its language: the replies' ``page_language``, or English while the
    text is the built-in one."""
    built_in = replies.page_loading == Replies.page_loading
    return replies.page_loading, "en" if built_in else replies.page_language


EMBED_JS = r"""/* Support assistant chat widget. Options: data-label, data-title, data-position (right|left),
   data-width, data-height, data-color, data-open. See docs/embedding.md. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__supportAssistantWidget) return;
  window.__supportAssistantWidget = true;

  var o = script.dataset;
  var chatUrl = new URL("./?embed=1", script.src).href;  // the chat page beside this script
  var side = o.position === "left" ? "left" : "right";
  var color = o.color && window.CSS && CSS.supports("color", o.color) ? o.color : "#2563eb";  // a typo: the default, not a clear bar
  var label = o.label || __LABEL__;
  var title = o.title || __TITLE__;
  var cssSize = function (value, fallback) {  // "400", "400px", "30rem", "90vw" and the like; anything else: default
    value = (value || "").trim();
    if (/^\d+(\.\d+)?$/.test(value)) return value + "px";
    return /^\d+(\.\d+)?(px|rem|em|vw|vh|%)$/.test(value) ? value : fallback;
  };
  var width = cssSize(o.width, "400px");
  var height = cssSize(o.height, "640px");

  // phones upright, and short windows (a phone on its side, or its on-screen keyboard open): the panel fills the
  // screen, or it would leave the chat a strip too short to show an answer above the question box
  var FULL_SCREEN = "(max-width:480px),(max-height:480px)";
  var css =
    "#sa-launcher{position:fixed;bottom:20px;" + side + ":20px;z-index:2147483000;border:0;border-radius:999px;" +
    "padding:12px 20px;font:600 16px/1.2 system-ui,sans-serif;color:#fff;cursor:pointer;" +
    "box-shadow:0 4px 14px rgba(0,0,0,.25)}" +
    "#sa-launcher:focus-visible,#sa-close:focus-visible{outline:3px solid #111;outline-offset:2px}" +
    "#sa-launcher:focus-visible{box-shadow:0 0 0 2px #fff,0 4px 14px rgba(0,0,0,.25)}" +  // white between: seen on dark sites too
    "#sa-panel{position:fixed;bottom:84px;" + side + ":20px;z-index:2147483001;display:none;flex-direction:column;" +
    "width:min(" + width + ",calc(100vw - 40px));height:min(" + height + ",calc(100vh - 110px));background:#fff;" +
    "border-radius:12px;overflow:hidden;box-shadow:0 10px 40px rgba(0,0,0,.3)}" +
    "#sa-panel.sa-open{display:flex}" +
    "#sa-bar{display:flex;align-items:center;justify-content:space-between;padding:8px 8px 8px 14px;color:#fff;" +
    "font:600 15px/1.2 system-ui,sans-serif}" +
    "#sa-close{border:0;background:transparent;color:#fff;font-size:24px;line-height:1;width:40px;height:40px;cursor:pointer}" +
    "#sa-close:focus-visible{outline-color:#fff;outline-offset:-4px}" +  // on the bar's colour, like the ×
    "#sa-frame{flex:1;width:100%;border:0;position:relative;z-index:1}" +  // over the loading text until it paints
    "#sa-loading{position:absolute;left:0;right:0;top:45%;margin:0;padding:0 16px;text-align:center;color:#444;" +
    "font:15px/1.4 system-ui,sans-serif}" +
    "@media (pointer:coarse){#sa-launcher{min-height:44px}#sa-close{width:44px;height:44px}}" +  // a finger's size
    "@media " + FULL_SCREEN + "{#sa-panel{inset:0;width:100%;height:100%;border-radius:0}" +
    "#sa-panel.sa-open~#sa-launcher{display:none}}";
  if (document.adoptedStyleSheets && typeof CSSStyleSheet.prototype.replaceSync === "function") {
    // a constructed sheet: a site whose Content-Security-Policy refuses inline <style> still applies it
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
  } else {
    var style = document.createElement("style");
    style.textContent = css;
    document.head.appendChild(style);
  }

  var panel = document.createElement("div");
  panel.id = "sa-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);
  var bar = document.createElement("div");
  bar.id = "sa-bar";
  bar.style.background = color;
  var heading = document.createElement("span");
  heading.textContent = title;
  var close = document.createElement("button");
  close.id = "sa-close";
  close.type = "button";
  close.setAttribute("aria-label", __CLOSE__);
  close.textContent = "\u00d7";
  bar.appendChild(heading);
  bar.appendChild(close);
  panel.appendChild(bar);
  // seen behind the frame (transparent until the chat page paints, which then says it is loading itself) on a slow
  // connection, where the panel was a title bar on white; removed once the frame has loaded
  var loading = document.createElement("p");
  loading.id = "sa-loading";
  loading.lang = __LOADING_LANG__;
  loading.textContent = __LOADING__;

  var launcher = document.createElement("button");
  launcher.id = "sa-launcher";
  launcher.type = "button";
  launcher.style.background = color;
  launcher.textContent = label;
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "sa-panel");

  // On a phone the open panel covers the whole page: it is then a modal dialog, and the page behind it is
  // made inert (Tab, clicks and screen readers stay in the chat) until it closes or the screen widens.
  var fullScreen = window.matchMedia(FULL_SCREEN);
  var madeInert = [];
  function shutOutPage() {
    var modal = panel.classList.contains("sa-open") && fullScreen.matches;
    panel.setAttribute("aria-modal", String(modal));
    madeInert.forEach(function (element) { element.inert = false; });
    madeInert = [];
    if (!modal) return;
    Array.prototype.forEach.call(document.body.children, function (element) {
      if (element !== panel && element !== launcher && !element.inert && element.tagName !== "SCRIPT") {
        element.inert = true;
        madeInert.push(element);
      }
    });
  }
  if (fullScreen.addEventListener) fullScreen.addEventListener("change", shutOutPage);

  var frame = null;
  function setOpen(open) {
    if (open && !frame) {  // the chat loads on first open, not with the company's page
      frame = document.createElement("iframe");
      frame.id = "sa-frame";
      frame.title = title;
      frame.src = chatUrl;
      frame.setAttribute("allow", "clipboard-write");
      frame.addEventListener("load", function () { loading.remove(); });
      panel.appendChild(loading);
      panel.appendChild(frame);
    }
    panel.classList.toggle("sa-open", open);
    launcher.setAttribute("aria-expanded", String(open));
    shutOutPage();
    (open ? frame : launcher).focus();
  }
  launcher.addEventListener("click", function () { setOpen(!panel.classList.contains("sa-open")); });
  close.addEventListener("click", function () { setOpen(false); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && panel.classList.contains("sa-open")) setOpen(false);
  });
  window.addEventListener("message", function (event) {  // Escape pressed inside the chat (CLOSE_MESSAGE)
    if (frame && event.source === frame.contentWindow && event.origin === new URL(chatUrl).origin &&
        event.data === "support-assistant:close" && panel.classList.contains("sa-open")) setOpen(false);
  });

  function mount() {
    document.body.appendChild(panel);
    document.body.appendChild(launcher);
    if (o.open === "true") setOpen(true);
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
"""


def widget_script(replies: Replies = DEFAULT_REPLIES) -> str:
    """The widget's script with the replies' words as its defaults: the button (``widget_button``), the title
    bar (``page_title``), the close button's name for screen readers (``widget_close``) and the text shown while the
    chat loads (``loading_words``)."""
    loading, language = loading_words(replies)
    words = {
        "__LABEL__": replies.widget_button, "__TITLE__": replies.page_title, "__CLOSE__": replies.widget_close,
        "__LOADING_LANG__": language, "__LOADING__": loading,
    }
    script = EMBED_JS
    for mark, text in words.items():
        script = script.replace(mark, json.dumps(text))
    return script
