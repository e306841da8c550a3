"""What an area post changes, field by field, against what is stored now.

A page carries, for every answer field (a question's value inputs, its comment, "not
applicable" and its reason), a short print of the value it showed (`base`, a JSON object). A
post sends the fields it changes with their base prints: the autosave script only the fields
typed since the last save the server acknowledged, the plain form every field. Each field is
then one of:

- untouched: what is posted is what the page showed. The stored value stands, even if someone
  changed it since; a stale page never writes back what it shows.
- taken: changed here and nobody changed it since the page showed it (stored print = base).
- clashing: changed here and by someone else since: the question is a conflict, its stored
  answer stays and this person's answer is kept as a conflict revision for them to choose.

A field posted without a base print (a script, a page from before prints existed) counts as
shown as stored when the post's lock version is the submission's (nobody saved since), else as
shown empty. Fields not posted at all are not part of the change. Questions are stored whole
(an answer row and its revision), merged from the taken fields and the stored values of the
others.

A field whose input is refused (a figure that is no number, a text too long) is set aside: its
stored value stands, as if it were untouched, and the question's other changes are taken (the
other figures and the source of a table). The page shows what was typed in it, with its
message and the print it was changed from, so the next save sends it again; nothing typed is
lost and nothing refused is stored. When the post is also a conflict, the conflict page shows
the refused fields in the same way and sends them again with the choices.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from surveys.questionnaire.schema import Area, Question
from surveys.responses.fields import AnswerInput
from surveys.responses.forms import (
    AreaFormBase,
    FieldValues,
    field_values,
    initial_data,
    read_inputs,
)

MAX_BASE_CHARS = 200_000  # a real page's base is a few KB; anything larger is not ours


def field_state(data: object) -> object:
    """A field's value as the person sees it: blanks around text and line-break styles, the
    order of ticked boxes, and an empty list versus nothing make no difference."""
    if data is None or data is False:
        return ""
    if data is True:
        return "1"
    if isinstance(data, list | tuple):
        items = sorted(str(state) for state in map(field_state, data) if state != "")
        return items or ""
    return str(data).replace("\r\n", "\n").replace("\r", "\n").strip()


def field_print(data: object) -> str:
    """A short digest of `field_state` (what the page's `base` carries per field)."""
    state = field_state(data)
    if state == "":
        return EMPTY_PRINT  # most fields of a page: worked out once
    return _digest(state)


_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # json.dumps' own,
# made once: a page prints every field, and dumps() with options builds an encoder each time


def _digest(state: object) -> str:
    return hashlib.sha256(_CANONICAL.encode(state).encode()).hexdigest()[:12]


EMPTY_PRINT = _digest("")


def question_field_names(form: AreaFormBase, question: Question) -> list[str]:
    """The fields holding a question's answer (question ids never contain "-")."""
    prefix = question.id + "-"
    confirm = f"{question.id}-confirm"
    return [
        name
        for name in form._fields
        if (name == question.id or name.startswith(prefix)) and name != confirm
    ]


def area_field_names(form: AreaFormBase, area: Area) -> list[str]:
    return [name for q in area.questions for name in question_field_names(form, q)]


def stored_form(form_class: type[AreaFormBase], area: Area, answers: Mapping, language: str):
    """The area form showing the stored answers (no post bound)."""
    return form_class(formdata=None, data=initial_data(area, answers, language))


def stored_values(form_class: type[AreaFormBase], area: Area, answers: Mapping, language: str):
    """The data of `stored_form`, read without building the form (see `forms.FieldValues`)."""
    return field_values(form_class, data=initial_data(area, answers, language))


def field_prints(form: AreaFormBase, area: Area) -> dict[str, str]:
    return {name: field_print(form[name].data) for name in area_field_names(form, area)}


def raw_values(form_field) -> list[str]:
    """A field's value as a browser posts it (what the script puts back into the page)."""
    data = form_field.data
    if data is None or data is False:
        return []
    if data is True:
        return ["y"]  # BooleanField's value attribute
    if isinstance(data, list | tuple):
        return [str(item) for item in data]
    return [str(data)]


def posted_names(formdata: MultiDict) -> set[str]:
    """The fields a post is about: those it sends, and those it gives a base print of."""
    return set(formdata.keys()) | set(read_base(formdata.get("base")))


def read_base(text: str | None) -> dict[str, str]:
    """The posted `base` object (field name -> print); malformed input counts as none."""
    if not text or len(text) > MAX_BASE_CHARS:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, str)}


@dataclass
class Merge:
    """The outcome of merging one post into the stored answers of an area."""

    inputs: dict[str, AnswerInput] = field(default_factory=dict)  # questions to store
    conflicts: dict[str, AnswerInput] = field(default_factory=dict)  # this person's answers
    errors: dict[str, str] = field(default_factory=dict)  # by field name
    changed: dict[str, list[str]] = field(default_factory=dict)  # question -> fields changed here
    same: list[str] = field(default_factory=list)  # fields posted as changed, already stored so
    base: dict[str, str] = field(default_factory=dict)  # what the post said the page showed
    form: AreaFormBase | FieldValues | None = None  # this person's values over the stored
    # ones, with errors (field data by name: `form[name].data`)
    refused: dict[str, object] = field(default_factory=dict)  # field -> what was posted there,
    # refused (`errors` says why): not stored, not in `changed`; the stored value stands for it

    def unsettled(self, question_id: str) -> bool:
        """Changed here but not stored: refused (errors) or a conflict."""
        return question_id in self.conflicts or (
            question_id in self.changed and question_id not in self.inputs
        )

    def acknowledged(self) -> list[str]:
        """The fields changed by this post that the server now holds."""
        stored = [
            name
            for question_id, names in self.changed.items()
            if not self.unsettled(question_id)
            for name in names
        ]
        return self.same + stored


def merge_post(
    form_class: type[AreaFormBase],
    area: Area,
    answers: Mapping,
    formdata: MultiDict,
    language: str,
    *,
    fresh: bool,
    keep_valid: bool = True,
) -> Merge:
    """Merge a post into the stored answers of `area` (see the module docstring).

    `fresh`: the post was made on the submission's current lock version. `keep_valid`: a
    question with refused fields is stored with its other changes (the web page); False: it is
    refused whole (an offline import, which stores nothing while anything is refused).
    """
    stored = stored_values(form_class, area, answers, language)
    posted = field_values(form_class, formdata=formdata)
    base = read_base(formdata.get("base"))
    in_body = set(formdata.keys())
    data = {name: stored[name].data for name in stored._fields}
    merge = Merge(base=base)
    clashing: set[str] = set()  # fields changed here and by someone else since the page showed them
    for question in area.questions:
        for name in question_field_names(stored, question):
            if name not in base and name not in in_body:
                continue  # not part of this post
            mine = field_print(posted[name].data)
            now = field_print(stored[name].data)
            shown = base.get(name) or (now if fresh else EMPTY_PRINT)
            if mine == shown:
                continue  # untouched here: the stored value stands
            if mine == now:
                merge.same.append(name)
                continue
            data[name] = posted[name].data
            merge.changed.setdefault(question.id, []).append(name)
            if now != shown:
                clashing.add(name)
    merged = field_values(form_class, data=data)
    inputs, errors = read_inputs(merged, area, language)
    merge.errors = {
        name: message for name, message in errors.items() if name.split("-", 1)[0] in merge.changed
    }
    if keep_valid and _set_aside_refused(merge, inputs, data, stored):
        merged = field_values(form_class, data=data)
        inputs, _errors = read_inputs(merged, area, language)
        for name, message in merge.errors.items():
            if name in merged:
                merged[name].errors = [message]
    for question_id, names in merge.changed.items():
        if question_id not in inputs:
            continue  # refused: its errors say why
        if clashing.intersection(names):
            merge.conflicts[question_id] = inputs[question_id]
        else:
            merge.inputs[question_id] = inputs[question_id]
    merge.form = merged
    return merge


def _set_aside_refused(merge: Merge, inputs: Mapping, data: dict, stored) -> bool:
    """Move the refused fields of each refused question out of `merge.changed` into
    `merge.refused`, putting back their stored values in `data`; True when a question has other
    changes left to take (its input is then read again, without the refused fields). A
    question refused on a field this post did not change (a stored value that no longer fits)
    stays refused whole."""
    again = False
    for question_id, names in list(merge.changed.items()):
        if question_id in inputs:
            continue
        refused = [name for name in merge.errors if name.split("-", 1)[0] == question_id]
        if not refused or not set(refused) <= set(names):
            continue
        for name in refused:
            merge.refused[name] = data[name]
            data[name] = stored[name].data
        kept = [name for name in names if name not in merge.refused]
        if kept:
            merge.changed[question_id] = kept
            again = True
        else:
            del merge.changed[question_id]
    return again
