"""Locust users for the load benchmark (bench/load/run.py starts them; see docs/reliability.md).

- ``Participant`` walks the real path of a personal link, like a phone without JavaScript:
  open the link, agree, answer every page (a random valid answer to each question) and
  submit, following the server's redirects. Each user takes the next unused token from
  ``LOAD_TOKENS``. A connection error or a 502/503/504 is retried after a pause, as a person
  presses "reload"; anything else unexpected is an error. What the server confirmed (a
  redirect after a page was sent) is written to ``LOAD_RESULTS`` at the end, with the tokens
  that reached the "Thank you" page, so run.py can check the database against it.
- ``Baseline`` posts to the bare insert endpoint of baseline_app.py.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

from locust import HttpUser, constant, events, task
from locust.exception import StopUser

TOKENS = (
    [t for t in Path(os.environ.get("LOAD_TOKENS", "tokens.txt")).read_text().split() if t]
    if os.environ.get("LOAD_TARGET", "participant") == "participant"
    else []
)
RETRYABLE = {502, 503, 504}
RESULTS = {"completed": [], "confirmed": {}, "retries": 0, "hard_errors": [], "gave_up": 0, "unknown": []}
_next = {"index": 0, "active": 0}


# The tags a form is made of, and their attributes. The pages come from our own templates (well
# formed, attributes always quoted), so a scan with two expressions reads them; a full HTML parser
# cost Locust more CPU per page than the server spends answering it, on the same two cores.
TAG = re.compile(r"<(/?)(form|input|textarea|select|option|button)\b([^>]*)>")
ATTRIBUTE = re.compile(r'([\w:-]+)(?:="([^"]*)")?')


def read_forms(page: str) -> dict[str, dict]:
    """The fields of the forms on a page: {action: {"fields": [...], "buttons": [...]}}."""
    forms: dict[str, dict] = {}
    form = select = None
    for closing, tag, text in TAG.findall(page):
        if closing:
            form, select = (None, None) if tag == "form" else (form, None if tag == "select" else select)
            continue
        a = {m[1]: None if m[2] is None else unescape(m[2]) for m in ATTRIBUTE.finditer(text)}
        if tag == "form":
            form = forms.setdefault(a.get("action", ""), {"fields": [], "buttons": []})
        elif form is None:
            continue
        elif tag == "input":
            form["fields"].append((a.get("type", "text"), a.get("name"), a.get("value", ""), a))
        elif tag == "textarea":
            form["fields"].append(("textarea", a.get("name"), "", a))
        elif tag == "select":
            select = {"name": a.get("name"), "options": []}
            form["fields"].append(("select", a.get("name"), select, a))
        elif tag == "option" and select is not None and a.get("value"):
            select["options"].append(a["value"])
        elif tag == "button":
            form["buttons"].append((a.get("name"), a.get("value")))
    return forms


def answers_for(fields) -> tuple[dict[str, object], dict[str, object]]:
    """The form data to send (hidden fields kept) and the answers chosen, by question."""
    data: dict[str, object] = {}
    choices: dict[str, list[str]] = {}
    for kind, name, value, attrs in fields:
        if not name:
            continue
        if kind == "hidden":
            data[name] = value
        elif kind in ("radio", "checkbox"):
            choices.setdefault(name, []).append(value)
        elif kind == "textarea" or kind == "text":
            data[name] = random.choice(["Всё хорошо", "Больше встреч", "Спасибо наставнику"])
        elif kind == "number":
            data[name] = attrs.get("min", "1")
        elif kind == "select" and value["options"]:
            data[name] = random.choice(value["options"])
    for name, values in choices.items():
        data[name] = random.choice(values)
    answers = {k: v for k, v in data.items() if k not in ("instrument", "page", "csrf_token", "review", "then")}
    return data, answers


@dataclass(frozen=True)
class Step:
    """One post of the walk: where, under which name in the statistics, what, and the answers it holds."""

    url: str
    name: str
    data: dict[str, object]
    answers: dict[str, object] = field(default_factory=dict)


def walk(here: str, page: str | None) -> Generator[Step, str | None, str]:
    """A participant's path through a personal link, shared by the load run and server_cpu.py.

    Starts from the page the link opened. Yields each post to make (consent, then every page with a
    random valid answer to each question; the last page's "next" leads to the review page, whose
    "submit" ends it); the driver posts it, follows the redirect to the link and sends the page it
    got back (None when the server never answered).
    Returns how it ended: "completed" (the "Thank you" page), "no answer" (the server never answered,
    so whether the last post took effect is unknown) or "unexpected" (any other page).
    """
    for _step in range(40):
        if page is None:
            return "no answer"
        forms = read_forms(page)
        if f"{here}/consent" in forms:
            page = yield Step(f"{here}/consent", "consent", {"decision": "agree"})
            continue
        form = forms.get(here)
        if form is None or not any(name == "instrument" for _k, name, _v, _a in form["fields"]):
            return "completed" if "Спасибо" in page or "Thank you" in page else "unexpected"
        data, answers = answers_for(form["fields"])
        actions = [value for name, value in form["buttons"] if name == "action"]
        data["action"] = "submit" if "submit" in actions else "next"
        page = yield Step(here, f"page ({data['action']})", data, answers)
    return "unexpected"


class Participant(HttpUser):
    wait_time = constant(0)

    def on_start(self):
        _next["active"] += 1

    def request(self, method: str, url: str, name: str, **kwargs):
        """One request, retried on a connection error or a 502/503/504 like a person reloading."""
        for attempt in range(60):
            try:
                with self.client.request(method, url, name=name, catch_response=True, **kwargs) as response:
                    if response.status_code in RETRYABLE or response.status_code == 0:
                        response.failure(f"retryable {response.status_code}")
                    elif response.status_code >= 400:
                        response.failure(f"status {response.status_code}")
                        RESULTS["hard_errors"].append(f"{method} {name} {response.status_code}")
                        return response
                    else:
                        response.success()
                        return response
            except Exception as err:  # a reset connection while a worker is killed
                RESULTS["hard_errors"].append(f"{method} {name} raised {err!r}")
                return None
            RESULTS["retries"] += 1
            time.sleep(min(0.2 * (attempt + 1), 2))
        RESULTS["gave_up"] += 1
        return None

    @task
    def take_the_survey(self):
        if _next["index"] >= len(TOKENS):  # every link is used: the last user out ends the run
            _next["active"] -= 1
            if _next["active"] == 0:
                self.environment.runner.quit()
            raise StopUser()
        token = TOKENS[_next["index"]]
        _next["index"] += 1
        self.client.cookies.clear()
        here = f"/s/{token}"
        opened = self.request("GET", here, "open link")
        confirmed = RESULTS["confirmed"].setdefault(token, {})
        steps = walk(here, None if opened is None else opened.text)
        try:
            step = next(steps)
            while True:
                posted = self.request("POST", step.url, step.name, data=step.data, allow_redirects=False)
                page = None
                if posted is not None and posted.status_code == 302:
                    if step.answers:  # the server confirmed these answers
                        confirmed.setdefault(step.data["instrument"], {}).update(step.answers)
                    got = self.request("GET", here, "next page")
                    page = None if got is None else got.text
                step = steps.send(page)
        except StopIteration as end:
            if end.value == "completed":
                RESULTS["completed"].append(token)
            elif end.value == "no answer":  # whether the last step took effect is unknown
                RESULTS["unknown"].append(token)


class Baseline(HttpUser):
    wait_time = constant(0)

    @task
    def insert(self):
        self.client.post("/insert", name="insert one row")


@events.test_stop.add_listener
def _write_results(environment, **_kwargs):
    path = os.environ.get("LOAD_RESULTS")
    if path:
        Path(path).write_text(json.dumps(RESULTS, ensure_ascii=False), encoding="utf-8")
