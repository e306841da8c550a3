from __future__ import annotations

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from surveys.extensions import db


class Country(db.Model):
    __tablename__ = "countries"
    __table_args__ = (
        CheckConstraint("length(iso2) = 2", name="iso2_length"),
        CheckConstraint("length(iso3) = 3", name="iso3_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    iso2: Mapped[str] = mapped_column(String(2), unique=True)  # ISO 3166-1 alpha-2, upper case
    iso3: Mapped[str] = mapped_column(String(3), unique=True)  # ISO 3166-1 alpha-3, upper case
    name_en: Mapped[str] = mapped_column(String(120))
    name_fr: Mapped[str] = mapped_column(String(120))
    # Inactive countries stay in past rounds but are not offered for new ones.
    active: Mapped[bool] = mapped_column(default=True)

    def name(self, language: str) -> str:
        return self.name_fr if language == "fr" else self.name_en

    def __repr__(self) -> str:
        return f"<Country {self.iso2}>"
