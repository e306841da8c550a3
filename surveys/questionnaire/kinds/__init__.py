"""The question kinds: one class per question type, registered here by its `type:` name.

Part of the functional core: no Flask, no database. Adding a type is one module with its class
and one line below (plus, when it needs one, a widget template in responses); everything else
(the loader, forms, pages, e-mails, dashboards, workbooks, scoring) asks the question's kind.
"""

from __future__ import annotations

from surveys.questionnaire.kinds.base import Kind, Message, Translate, ValueProblem, ValueProblems
from surveys.questionnaire.kinds.date import Date
from surveys.questionnaire.kinds.decimal import DecimalNumber
from surveys.questionnaire.kinds.integer import WholeNumber
from surveys.questionnaire.kinds.long_text import LongText
from surveys.questionnaire.kinds.maturity import Maturity
from surveys.questionnaire.kinds.multiple_choice import MultipleChoice
from surveys.questionnaire.kinds.percentage import Percentage
from surveys.questionnaire.kinds.short_text import ShortText
from surveys.questionnaire.kinds.single_choice import SingleChoice
from surveys.questionnaire.kinds.statistics import Statistics
from surveys.questionnaire.kinds.year import Year
from surveys.questionnaire.kinds.yes_partly_no import YesPartlyNo
from surveys.questionnaire.schema import KINDS, Question

__all__ = [
    "KINDS",
    "Kind",
    "Message",
    "Translate",
    "ValueProblem",
    "ValueProblems",
    "kind_named",
    "kind_of",
]


def register(kind_class: type[Kind]) -> None:
    KINDS[kind_class.name] = kind_class()


for _kind in (
    YesPartlyNo,
    SingleChoice,
    MultipleChoice,
    Maturity,
    WholeNumber,
    DecimalNumber,
    Percentage,
    Date,
    ShortText,
    LongText,
    Statistics,
    Year,
):
    register(_kind)


def kind_named(name: str) -> Kind | None:
    return KINDS.get(name)


def kind_of(question: Question) -> Kind:
    return KINDS[question.type]
