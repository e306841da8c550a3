"""The fields a browser would post for a page's form (what FormData collects)."""

from __future__ import annotations

from html.parser import HTMLParser


class FormFields(HTMLParser):
    """Names and values of the first <form method="post"> with a lock_version field."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self._form: list[tuple[str, str]] | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._option: tuple[str, bool] | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._form = []
        if self._form is None:
            return
        name = attributes.get("name")
        if tag == "input" and name and attributes.get("type") not in ("file", "submit", "button"):
            kind = attributes.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            self._form.append((name, attributes.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            value = attributes.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in attributes:
                self._form.append((self._select, value))
                self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            # As a browser: line breaks as CR LF, and the one right after <textarea> dropped.
            text = "".join(self._text).replace("\r\n", "\n").removeprefix("\n")
            self._form.append((self._textarea, text.replace("\n", "\r\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            self._form.append((self._select, self._first_option or ""))
            self._select = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def area_form(html: str) -> list[tuple[str, str]]:
    parser = FormFields()
    parser.feed(html)
    for form in parser.forms:
        if any(name == "lock_version" for name, _ in form):
            return form
    raise ValueError("no area form on the page")
