"""yes_partly_no: Yes, Partly or No, with built-in labels and scores (1, 0.5, 0) that a
definition may override, and optionally "don't know" (`dont_know: true`): an answer that is
never scored and counts against coverage.

Part of the functional core: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Mapping

from surveys.questionnaire.kinds.choices import ChoiceKind, key_node
from surveys.questionnaire.reader import Reader, join
from surveys.questionnaire.schema import Option
from surveys.translatable import N_

VALUES = ("yes", "partly", "no")
DEFAULT_SCORES: Mapping[str, float] = {"yes": 1.0, "partly": 0.5, "no": 0.0}
DEFAULT_LABELS: Mapping[str, Mapping[str, str]] = {
    "yes": {"en": "Yes", "fr": "Oui"},
    "partly": {"en": "Partly", "fr": "Partiellement"},
    "no": {"en": "No", "fr": "Non"},
}
DONT_KNOW = "dont_know"
"""The value of the unscored answer a yes/partly/no question may offer (`dont_know: true`)."""
DEFAULT_DONT_KNOW_LABEL: Mapping[str, str] = {"en": "Don't know", "fr": "Ne sait pas"}


def _refuse_dont_know_key(
    reader: Reader, node, path: str, offered: bool | None, template: str
) -> bool:
    """`scores` or `labels` naming dont_know: never scored, labelled only when offered."""
    found = key_node(node, DONT_KNOW)
    if found is None or (offered and path.endswith("labels")):
        return False
    reader.report(found, join(path, DONT_KNOW), template)
    return True


class YesPartlyNo(ChoiceKind):
    name = "yes_partly_no"
    label = N_("Yes / partly / no")
    keys = ("scores", "labels", "dont_know")

    def read(self, reader, fields, path):
        dont_know = reader.optional(fields, "dont_know", path, reader.boolean, None)
        if "dont_know" not in fields:
            dont_know = False
        valid = dont_know is not None
        values = (*VALUES, DONT_KNOW) if dont_know else VALUES
        scores, scores_valid = self._scores(reader, fields, path, dont_know)
        if scores is None:
            return None
        valid = valid and scores_valid
        labels_path = join(path, "labels")
        given_labels = {}
        if "labels" in fields:
            if _refuse_dont_know_key(
                reader,
                fields["labels"],
                labels_path,
                dont_know,
                N_("a label for 'don't know' needs dont_know: true on the question"),
            ):
                return None
            read_labels = reader.fields(fields["labels"], labels_path, values)
            valid = valid and read_labels is not None
            given_labels = read_labels or {}
        unlabelled = [value for value in values if value not in given_labels]
        languages = reader.languages or ("en", "fr")
        without_default = [lang for lang in languages if lang not in DEFAULT_LABELS["yes"]]
        if unlabelled and without_default:
            reader.report(
                fields.get("labels") or fields.get("type"),
                labels_path,
                N_("no built-in labels in %(languages)s: give labels for %(values)s"),
                languages=", ".join(without_default),
                values=", ".join(unlabelled),
            )
            return None
        options: list[Option] = []
        for value in values:
            if value in given_labels:
                label = reader.localized(given_labels[value], join(labels_path, value))
            elif value == DONT_KNOW:
                label = {lang: DEFAULT_DONT_KNOW_LABEL[lang] for lang in languages}
            else:
                label = {lang: DEFAULT_LABELS[value][lang] for lang in languages}
            if label is None:
                valid = False
            elif value == DONT_KNOW:
                options.append(Option(value=value, label=label, score=None, dont_know=True))
            else:
                options.append(Option(value=value, label=label, score=scores[value]))
        return {"options": tuple(options)} if valid else None

    @staticmethod
    def _scores(reader, fields, path, dont_know) -> tuple[dict[str, float] | None, bool]:
        """The scores (None when "don't know" is given one) and whether they are valid."""
        scores = dict(DEFAULT_SCORES)
        if "scores" not in fields:
            return scores, True
        scores_path = join(path, "scores")
        if _refuse_dont_know_key(
            reader,
            fields["scores"],
            scores_path,
            dont_know,
            N_(
                "'don't know' is never scored (it answers the question and counts against "
                "coverage): remove this score"
            ),
        ):
            return None, False
        given = reader.fields(fields["scores"], scores_path, VALUES)
        valid = given is not None
        for value, node in (given or {}).items():
            score = reader.score(node, join(scores_path, value))
            valid = valid and score is not None
            if score is not None:
                scores[value] = score
        return scores, valid

    def example(self, question, level, rng):
        return "yes" if rng.random() < level else ("partly" if rng.random() < 0.7 else "no")
