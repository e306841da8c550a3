"""Names in the order a reader expects, whatever the database's collation.

Python's `sorted` and SQL's ORDER BY compare code points: "Aïssa" comes after "Anna" (ï is
U+00EF), "Égypte" after "Zambie", and lower case after upper case. `sort_key` compares letters
first, without their accents, case or ligatures ("Aïssa" between "Aisha" and "Ajay", "Œuvre"
as "oeuvre"), then, between names equal at that level, a plain letter before an accented one,
so the order is the same every time. It needs no locale data: a dictionary's order for the
Latin letters of English and French names.
"""

from __future__ import annotations

import unicodedata

# Letters that no Unicode decomposition takes apart, spelled as a reader sorts them.
_SPELLED_OUT = str.maketrans(
    {"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)


def sort_key(text: str | None) -> tuple[str, str, str]:
    """The key to sort names by: letters without accents or case, then accents, then case."""
    text = " ".join((text or "").split())
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_SPELLED_OUT))
    letters = "".join(c for c in folded if not unicodedata.combining(c))
    return letters, folded, text
