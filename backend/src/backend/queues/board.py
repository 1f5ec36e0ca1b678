"""The hall display board: one server-rendered page with a little script, no bundle. It follows the
hall's stream (``EventSource`` reconnects by itself and sends ``Last-Event-ID``), shows the numbers
being called and their counters, and speaks each call (``speechSynthesis``, zh-CN) when the screen's
browser allows sound."""

from __future__ import annotations

import html
import json

from backend.queues.model import Hall

_PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__ · 叫号屏</title>
<style>
body { margin: 0; font-family: "Noto Sans CJK SC", sans-serif; background: #0b1d33; color: #fff; }
header { padding: 1rem 2rem; font-size: 2rem; background: #12355b; }
#now { padding: 2rem; font-size: 5rem; text-align: center; min-height: 7rem; }
#now .counter { display: block; font-size: 2.5rem; color: #ffd166; }
table { width: 100%; border-collapse: collapse; font-size: 2rem; }
td { padding: .5rem 2rem; border-top: 1px solid #24507f; }
#status { position: fixed; bottom: .5rem; right: 1rem; font-size: 1rem; color: #8fb3d9; }
</style>
</head>
<body>
<header>__TITLE__</header>
<div id="now" aria-live="assertive"></div>
<table><tbody id="calls"></tbody></table>
<div id="status">connecting</div>
<script>
const HALL = __HALL__;
const calls = document.getElementById("calls");
const now = document.getElementById("now");
const status = document.getElementById("status");
const shown = [];
function say(text) {
  if (!("speechSynthesis" in window)) return;
  const u = new SpeechSynthesisUtterance(text);
  u.lang = "zh-CN";
  window.speechSynthesis.speak(u);
}
function render() {
  calls.replaceChildren(...shown.slice(1, 9).map(c => {
    const tr = document.createElement("tr");
    tr.dataset.ticket = c.label;
    for (const text of [c.label, c.counter]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  }));
  const c = shown[0];
  now.replaceChildren();
  if (!c) return;
  now.dataset.ticket = c.label;
  now.append(c.label);
  const counter = document.createElement("span");
  counter.className = "counter";
  counter.textContent = c.counter;
  now.append(counter);
}
const source = new EventSource(`/api/v1/queue/halls/${HALL}/events`);
source.onopen = () => { status.textContent = "live"; };
source.onerror = () => { status.textContent = "reconnecting"; };
source.onmessage = (message) => {
  const event = JSON.parse(message.data);
  if (!event.called) return;
  const c = event.called;
  const index = shown.findIndex(s => s.label === c.label);
  if (index >= 0) shown.splice(index, 1);
  shown.unshift(c);
  shown.length = Math.min(shown.length, 20);
  render();
  say(c.announcement);
};
</script>
</body>
</html>
"""


def page(hall: Hall) -> str:
    return _PAGE.replace("__TITLE__", html.escape(hall.name)).replace("__HALL__", json.dumps(str(hall.id)))
