"""A bare Flask app that renders a static form like an area page: the yardstick of the load test
(no database, no session, no access checks; the same Jinja engine and a similar amount of HTML).

The template is loaded by name, as a Flask app loads its template files: compiled once, then taken
from Jinja's cache. (`render_template_string` compiles its source again at every call, 2.7 ms of a
4 ms request: a yardstick that slow flattered every ratio measured against it.)"""

from __future__ import annotations

from flask import Flask, render_template
from jinja2 import DictLoader

QUESTIONS = 40  # about the bytes of the load test's area pages (40 KB)
TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="/static/app.css"></head>
<body><header><nav><a href="/">Home</a> <a href="/my">My questionnaires</a></nav></header>
<main><h1>{{ title }}</h1>
<form method="post" action="/form">
<input type="hidden" name="csrf_token" value="{{ token }}">
<input type="hidden" name="lock_version" value="7">
{% for q in questions %}
<fieldset class="question" id="q{{ q }}">
  <legend>{{ q }}. Question number {{ q }} about the national legal framework and its
  implementation against migrant smuggling and trafficking in persons</legend>
  <p class="hint">Give the most recent information available for the period under review.</p>
  {% for option in options %}
  <label><input type="radio" name="q{{ q }}" value="{{ option }}"> {{ option }}</label>
  {% endfor %}
  <label for="q{{ q }}-comment">Comment</label>
  <textarea id="q{{ q }}-comment" name="q{{ q }}-comment" rows="3">Comment {{ q }}</textarea>
  <label for="q{{ q }}-evidence">Evidence</label>
  <input type="file" id="q{{ q }}-evidence" name="q{{ q }}-evidence">
</fieldset>
{% endfor %}
<button type="submit">Save</button>
</form></main></body></html>"""

FORM = "bare-form.html"
app = Flask(__name__)
app.jinja_loader = DictLoader({FORM: TEMPLATE})


@app.get("/form")
def form():
    return render_template(
        FORM,
        title="Legal framework",
        token="x" * 40,
        questions=range(1, QUESTIONS + 1),
        options=("Yes", "Partly", "No", "Not applicable", "No information"),
    )
