"""A fast writer of the area forms' widgets: the same HTML as WTForms, a fraction of the time.

An area page renders 100 to 300 inputs. WTForms writes every attribute through
`Markup.format` and `escape`, which made widget rendering about 40 % of a page's time (issue 18).
`render_field` writes the widgets the area forms use (text, date, hidden, checkbox and radio
inputs, text areas) byte for byte as WTForms does (attributes sorted by name, `True` as a bare
attribute, `False` left out) with plain string operations, and hands any other widget to
WTForms.
"""

from __future__ import annotations

from markupsafe import Markup, escape
from wtforms.widgets import (
    CheckboxInput,
    DateInput,
    HiddenInput,
    RadioInput,
    TextArea,
    TextInput,
)

_INPUTS = (TextInput, DateInput, HiddenInput, CheckboxInput, RadioInput)


def clean_key(key: str) -> str:
    """As WTForms: `class_` is `class`, `data_x`/`aria_x` are `data-x`/`aria-x`."""
    key = key.rstrip("_")
    if key.startswith(("data_", "aria_")):
        key = key.replace("_", "-")
    return key


def attribute_text(attributes: dict[str, object]) -> str:
    """`wtforms.widgets.html_params` with plain strings: sorted, True bare, False omitted."""
    parts = []
    for key, value in sorted(attributes.items()):
        if value is True:
            parts.append(key)
        elif value is False:
            continue
        else:
            text = str(escape(value))
            if '"' in text:  # a Markup value is not escaped again: quote its quotes
                text = text.replace('"', "&quot;")
            parts.append(f'{key}="{text}"')
    return " ".join(parts)


def _with_flags(field, attributes: dict[str, object], names, call: bool) -> None:
    """The validation attributes a field's flags give (required, maxlength...), as WTForms."""
    flags = getattr(field, "flags", None)
    if flags is None:
        return
    for name, value in vars(flags).items():
        if name in names and name not in attributes:
            attributes[name] = value() if call and callable(value) else value


def render_field(field, render_kw: dict[str, object]) -> Markup:
    """What `field.widget(field, **render_kw)` returns, with the field's own `render_kw`."""
    widget = field.widget
    kind = type(widget)
    if kind not in _INPUTS and kind is not TextArea:
        from wtforms.meta import DefaultMeta

        return DefaultMeta.render_field(field.meta, field, render_kw)
    attributes = {clean_key(k): v for k, v in (field.render_kw or {}).items()}
    for key, value in render_kw.items():
        attributes[clean_key(key)] = value
    attributes.setdefault("id", field.id)
    if kind is TextArea:
        _with_flags(field, attributes, widget.validation_attrs, call=False)
        attributes["name"] = field.name
        inner = escape(field._value())
        return Markup(f"<textarea {attribute_text(attributes)}>\r\n{inner}</textarea>")  # noqa: S704 - escaped
    checked = field.checked if kind is RadioInput else getattr(field, "checked", field.data)
    if kind in (CheckboxInput, RadioInput) and checked:
        attributes.setdefault("checked", True)
    attributes.setdefault("type", widget.input_type)
    if "value" not in attributes:
        attributes["value"] = field._value()
    _with_flags(field, attributes, widget.validation_attrs, call=True)
    attributes["name"] = field.name
    return Markup(f"<input {attribute_text(attributes)}>")  # noqa: S704 - attributes escaped


_CELL_PREFIXES: dict[tuple, str] = {}
MAX_CELL_PREFIXES = 50_000


def stat_cells(form, cells, question_id: str, errors, failed_cells) -> Markup:
    """The editable cells of one statistics-table row: `<td>` and its input, as the macro wrote
    them with `form[cell.field](...)`.

    A cell's markup is the same on every page but for its value, its rule class and whether
    it is invalid: everything before the value is written once per form class and reused.
    """
    out = []
    for cell in cells:
        failed = failed_cells.get(cell.field) if failed_cells else None
        invalid = bool(errors.get(cell.field)) or failed == "error"
        key = (type(form), cell.field, failed, invalid, cell.computed, cell.total_of)
        prefix = _CELL_PREFIXES.get(key)
        field = form[cell.field]
        if prefix is None:
            attributes = {
                "size": 5,
                "aria-labelledby": cell.header_ids,
                "aria-invalid": "true" if invalid else False,
                "aria-describedby": f"{question_id}-rules" if failed else False,
                "readonly": cell.computed,
                "data-total-of": cell.total_of or False,
                "tabindex": "-1" if cell.computed else False,
                "value": "\0",
            }
            html = render_field(field, attributes)
            prefix = html[: html.index("\0")]
            if not html.endswith('\0">'):  # value is not the last attribute: no shortcut
                whole = render_field(field, attributes | {"value": field._value()})
                out.append(f"<td{_rule_class(failed)}>{whole}</td>")
                continue
            if len(_CELL_PREFIXES) >= MAX_CELL_PREFIXES:
                _CELL_PREFIXES.clear()
            _CELL_PREFIXES[key] = prefix = f"<td{_rule_class(failed)}>{prefix}"
        out.append(f'{prefix}{escape(field._value())}"></td>')
    return Markup("".join(out))  # noqa: S704 - values escaped, the rest written by render_field


def _rule_class(failed: str | None) -> str:
    return f' class="rule-{failed}"' if failed else ""
