"""`N_` and `NP_`: mark a message for extraction (`make extract-messages`) without translating it.

For code that runs without Flask (the functional core, workbook layouts): the message is
translated where it is shown, in the reader's or the workbook's language.
"""

from typing import NamedTuple


def N_(message: str) -> str:
    return message


class Plural(NamedTuple):
    """A message whose words follow a number (ngettext's singular and plural msgids): the
    language shown chooses the form for the count, as French and English do differently."""

    singular: str
    plural: str

    def english(self, count: int) -> str:
        """The msgid for `count` (English, untranslated)."""
        return self.singular if count == 1 else self.plural


def NP_(singular: str, plural: str) -> Plural:
    return Plural(singular, plural)


# The platform's words for a length limit: forms, the questionnaire's text kinds, the offline
# workbook's validation (one msgid for all of them).
AT_MOST_CHARACTERS = NP_(
    "Enter at most %(count)s character.", "Enter at most %(count)s characters."
)
