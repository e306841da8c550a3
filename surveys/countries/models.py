from __future__ import annotations

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from surveys.columns import JSONType
from surveys.extensions import db
from surveys.languages import DEFAULT_LANGUAGE, text_in


class Country(db.Model):
    __tablename__ = "countries"
    __table_args__ = (
        CheckConstraint("length(iso2) = 2", name="iso2_length"),
        CheckConstraint("length(iso3) = 3", name="iso3_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    iso2: Mapped[str] = mapped_column(String(2), unique=True)  # ISO 3166-1 alpha-2, upper case
    iso3: Mapped[str] = mapped_column(String(3), unique=True)  # ISO 3166-1 alpha-3, upper case
    # Its name per language code, like the questionnaires' texts: {"en": "Chad", "fr": "Tchad"};
    # a language it has no name in reads the default language's.
    names: Mapped[dict[str, str]] = mapped_column(JSONType)
    # Inactive countries stay in past rounds but are not offered for new ones.
    active: Mapped[bool] = mapped_column(default=True)

    def name(self, language: str | None) -> str:
        return text_in(self.names, language)

    @classmethod
    def sort_name(cls, language: str = DEFAULT_LANGUAGE) -> ColumnElement[str]:
        """Its name in `language` as an SQL expression, to order by."""
        return cls.names[language].as_string()

    def __repr__(self) -> str:
        return f"<Country {self.iso2}>"
