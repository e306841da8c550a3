"""The benchmarks' bare Flask anchors are the yardsticks of issue 15's and 18's ratios: they must
cost what a bare Flask page costs. A template compiled at every request (render_template_string)
made the bare form three times slower and every ratio against it look better than it was."""

from __future__ import annotations

import jinja2

from bench import anchors
from bench.load import bare


def test_the_bare_forms_compile_their_template_once_whatever_the_number_of_requests(monkeypatch):
    compiled: list[str] = []
    compile_ = jinja2.Environment.compile

    def counted(environment, source, *args, **kwargs):
        compiled.append(source)
        return compile_(environment, source, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    for app, path in ((bare.app, "/form"), (anchors.bare, "/form/40")):
        client = app.test_client()
        pages = [client.get(path) for _ in range(5)]
        assert {page.status_code for page in pages} == {200}
        assert 'name="q40"' in pages[-1].get_data(as_text=True)
    assert len(compiled) == 2  # once for each app
