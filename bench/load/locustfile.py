"""The simulated people of the load test (run by bench/load/run.py, not alone).

- respondents (200): open one of their country's areas, read it, and type in a field of their
  own with autosave (the form posted whole with Accept: application/json, as the page's script
  does); a save that fails (503 while the database restarts, a lost connection) is kept and
  sent again, as the script keeps it on the device; every acknowledged save is recorded;
- coordinators (10): the rounds list, the open round's page, the review list and a submission;
- analysts (5): the dashboards of the closed round and a country, and scorecard downloads.

LOAD_PLAN names the JSON plan written by the seeding; LOAD_OUT the folder for the records.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from pathlib import Path

from locust import HttpUser, between, constant, events, task

from bench.load.formparse import area_form

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
OUT = Path(os.environ["LOAD_OUT"])
MODE = os.environ.get("LOAD_MODE", "mixed")  # mixed | area | bare
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ACKS: list[dict] = []
REQUESTS: list[tuple[float, str, int, str, float]] = []
READY: list[float] = []  # when every user of the run had signed in
USERS = int(os.environ.get("LOAD_USERS", "0"))
_signed_in = itertools.count(1)
_respondents = itertools.count()
_staff = itertools.count()


@events.request.add_listener
def record_request(request_type, name, response_time, response_length, response, exception, **_):
    status = getattr(response, "status_code", 0) or 0
    error = type(exception).__name__ if exception else ""
    if isinstance(exception, Exception) and "status" in str(exception):
        error = ""  # a failure we marked ourselves: the status says it
    REQUESTS.append((time.time(), name, status, error, response_time))


@events.test_stop.add_listener
def write_records(**_):
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"acks-{MODE}.json").write_text(json.dumps(ACKS))
    (OUT / f"ready-{MODE}.json").write_text(json.dumps(READY))
    with (OUT / f"requests-{MODE}.jsonl").open("w") as handle:
        for entry in REQUESTS:
            handle.write(json.dumps(entry) + "\n")


class SignedIn(HttpUser):
    abstract = True

    def sign_in(self, email: str) -> None:
        page = self.client.get("/login", name="/login")
        token = CSRF.search(page.text).group(1)
        self.client.post(
            "/login",
            data={"csrf_token": token, "email": email, "password": PLAN["password"]},
            name="/login [POST]",
        )
        if next(_signed_in) == USERS:
            READY.append(time.time())


class Respondent(SignedIn):
    fixed_count = 200
    wait_time = between(2, 8)  # typing between two autosaves

    def on_start(self) -> None:
        self.me = PLAN["respondents"][next(_respondents) % len(PLAN["respondents"])]
        self.sign_in(self.me["email"])
        self.form: list[tuple[str, str]] = []
        self.pending: str | None = None  # typed, not acknowledged yet
        self.saves = 0
        self.open_own_area()

    def area_url(self, area: str) -> str:
        return f"/submissions/{self.me['submission']}/areas/{area}"

    def open_own_area(self) -> None:
        with self.client.get(
            self.area_url(self.me["area"]), name="area page", catch_response=True
        ) as page:
            if page.status_code != 200:
                page.failure(f"status {page.status_code}")
                self.form = []
                return
            self.form = area_form(page.text)

    @task(1)
    def read_another_area(self) -> None:
        area = random.choice(PLAN["areas"])
        self.client.get(self.area_url(area), name="area page")

    @task(4)
    def type_and_autosave(self) -> None:
        if not self.form:
            self.open_own_area()
            if not self.form:
                return
        if self.pending is None:
            self.saves += 1
            self.pending = f"{self.me['email']} save {self.saves}"
        field = f"{self.me['question']}-comment"
        page = dict(self.form)
        # What the page script posts: the changed field, the print it was changed from and the
        # lock version of the last acknowledged save (about 300 bytes, urlencoded).
        data = {
            "lock_version": page["lock_version"],
            field: self.pending,
            "base": json.dumps({field: json.loads(page["base"])[field]}, separators=(",", ":")),
        }
        with self.client.post(
            self.area_url(self.me["area"]),
            data=data,
            headers={"Accept": "application/json", "X-CSRFToken": page["csrf_token"]},
            name="autosave",
            catch_response=True,
        ) as reply:
            if reply.status_code == 200:
                body = reply.json()
                ACKS.append(
                    {
                        "submission": self.me["submission"],
                        "question": self.me["question"],
                        "value": self.pending,
                        "seq": self.saves,
                        "at": time.time(),
                    }
                )
                self.remember_ack(body, field)
                self.pending = None
                reply.success()
            elif reply.status_code == 409:
                reply.failure("conflict")
                self.open_own_area()
            else:
                # Kept "on the device" and sent again by the next autosave.
                reply.failure(f"status {reply.status_code}")

    def remember_ack(self, body: dict, field: str) -> None:
        """As the page script does after an acknowledged save: the field shows the saved value
        with the print the server returned for it, and the form takes the new lock version;
        colleagues' values the reply sends (after their saves) are taken for other fields."""
        base = json.loads(dict(self.form)["base"])
        base.update({name: print_ for name, print_ in body["base"].items()})
        for name, stored in body.get("server", {}).items():
            base[name] = stored["print"]
        self.form = [
            (
                k,
                json.dumps(base, separators=(",", ":"))
                if k == "base"
                else str(body["lock_version"])
                if k == "lock_version"
                else self.pending
                if k == field
                else v,
            )
            for k, v in self.form
        ]


class Coordinator(SignedIn):
    fixed_count = 10
    wait_time = between(3, 10)

    def on_start(self) -> None:
        self.sign_in(PLAN["coordinators"][next(_staff) % len(PLAN["coordinators"])])

    @task
    def rounds(self) -> None:
        self.client.get("/rounds/", name="rounds list")

    @task(2)
    def open_round(self) -> None:
        self.client.get(f"/rounds/{PLAN['open_round']}", name="round page")

    @task
    def review_list(self) -> None:
        self.client.get(f"/review/rounds/{PLAN['open_round']}", name="review list")

    @task(2)
    def review_submission(self) -> None:
        submission = random.choice(PLAN["submissions"])
        self.client.get(f"/review/submissions/{submission}", name="review submission")


class Analyst(SignedIn):
    fixed_count = 5
    wait_time = between(5, 15)

    def on_start(self) -> None:
        self.sign_in(PLAN["analysts"][next(_staff) % len(PLAN["analysts"])])

    @task(2)
    def dashboard(self) -> None:
        self.client.get("/results/", name="results index")
        self.client.get(f"/results/rounds/{PLAN['closed_round']}", name="round dashboard")

    @task(2)
    def country(self) -> None:
        country = random.choice(PLAN["countries"])
        self.client.get(f"/results/countries/{country}", name="country dashboard")

    @task(1)
    def scorecard(self) -> None:
        language = random.choice(("en", "fr"))
        self.client.get(
            f"/exports/rounds/{PLAN['closed_round']}/scorecard.xlsx?lang={language}",
            name="scorecard download",
        )


# The ratio phase compares rendering: both sides are asked for their pages uncompressed (as
# bench.serving's wrk asks). A browser's Accept-Encoding would have the platform gzip its page
# (surveys.web, ~0.25 ms of a worker's CPU for 40 KB, and locust's to inflate it) while the bare
# form is sent as it is.
UNCOMPRESSED = {"Accept-Encoding": "identity"}


class AreaReader(SignedIn):
    """The ratio phase: the area page as fast as it comes (closed loop)."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self.client.headers.update(UNCOMPRESSED)
        self.me = PLAN["respondents"][next(_respondents) % len(PLAN["respondents"])]
        self.sign_in(self.me["email"])

    @task
    def area(self) -> None:
        self.client.get(
            f"/submissions/{self.me['submission']}/areas/{self.me['area']}", name="area page"
        )


class BareReader(HttpUser):
    """The ratio phase's yardstick: the bare Flask form, same workers, same loop."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self.client.headers.update(UNCOMPRESSED)

    @task
    def form(self) -> None:
        self.client.get("/form", name="bare form")
