"""A save reads the fields of a post and of the stored answers without binding WTForms forms
(issue 18): `field_values` must hold exactly the `data` the bound form would, for every field of
every kind, whatever is posted (missing, empty, repeated, junk)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from surveys.questionnaire.loader import parse_definition
from surveys.questionnaire.schema import Definition
from surveys.responses.forms import FieldValues, area_form_class, field_readers, field_values
from tests.conftest import FIXTURES, FORMS_V1, MINI_V1
from tests.questionnaire.test_rules_beside import NIAMEY_V3

YEARS_V1 = FIXTURES / "questionnaires" / "years" / "v1.yaml"


def _fixture(path) -> Definition:
    return parse_definition(path.read_text(encoding="utf-8"), f"{path.parent.name}/v1.yaml")


DEFINITIONS = {
    "mini": _fixture(MINI_V1),
    "forms": _fixture(FORMS_V1),
    "years": _fixture(YEARS_V1),
    "niamey-v3": NIAMEY_V3,
}
AREAS = [(key, area.id) for key, d in DEFINITIONS.items() for area in d.areas]


def _form_class(key: str, area_id: str, language: str = "en"):
    definition = DEFINITIONS[key]
    return area_form_class(definition, definition.area(area_id), language, f"test:{key}")


def _options(key: str, area_id: str) -> list[str]:
    area = DEFINITIONS[key].area(area_id)
    return sorted({str(o.value) for q in area.questions for o in q.options})


def _data(form) -> dict[str, object]:
    return {field.name: field.data for field in form}


JUNK = ["", " ", "y", "n", "false", "False", "0", "1", "12", " 1 234,5 ", "2024-02-30", "é\u00a0x"]


# Generated posts and stored data: many examples, each slow enough to need no deadline.
GENERATED = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.mark.parametrize(("key", "area_id"), AREAS)
def test_every_field_of_every_area_is_read_without_a_form(app, key, area_id):
    assert field_readers(_form_class(key, area_id)) is not None


@GENERATED
@given(data=st.data())
def test_a_post_reads_as_the_bound_form_reads_it(app, data):
    key, area_id = data.draw(st.sampled_from(AREAS))
    form_class = _form_class(key, area_id)
    names = [field.name for field in form_class(formdata=None)]
    values = st.sampled_from(JUNK + _options(key, area_id))
    posted = data.draw(st.dictionaries(st.sampled_from(names), st.lists(values, max_size=3)))
    formdata = MultiDict([(name, value) for name, items in posted.items() for value in items])
    light = field_values(form_class, formdata=formdata)
    assert isinstance(light, FieldValues)
    assert _data(light) == _data(form_class(formdata=formdata))


@GENERATED
@given(data=st.data())
def test_stored_data_reads_as_the_form_showing_it(app, data):
    key, area_id = data.draw(st.sampled_from(AREAS))
    form_class = _form_class(key, area_id, data.draw(st.sampled_from(["en", "fr"])))
    names = [field.name for field in form_class(formdata=None)]
    value = st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(JUNK + _options(key, area_id)),
        st.integers(-5, 5),
        st.lists(st.sampled_from(_options(key, area_id) or ["a"]), max_size=3),
    )
    stored = data.draw(st.dictionaries(st.sampled_from(names), value))
    light = field_values(form_class, data=stored)
    assert _data(light) == _data(form_class(formdata=None, data=stored))
