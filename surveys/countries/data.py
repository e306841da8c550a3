"""The 16 countries whose heads of security forces met in Niamey in June 2018."""

from flask_babel import lazy_gettext as _l

PARTICIPANTS = (
    # (alpha-2, alpha-3, name per language)
    ("BF", "BFA", {"en": "Burkina Faso", "fr": "Burkina Faso"}),
    ("TD", "TCD", {"en": "Chad", "fr": "Tchad"}),
    ("CI", "CIV", {"en": "Côte d'Ivoire", "fr": "Côte d'Ivoire"}),
    ("DE", "DEU", {"en": "Germany", "fr": "Allemagne"}),
    ("GM", "GMB", {"en": "Gambia", "fr": "Gambie"}),
    ("GN", "GIN", {"en": "Guinea", "fr": "Guinée"}),
    ("FR", "FRA", {"en": "France", "fr": "France"}),
    ("IT", "ITA", {"en": "Italy", "fr": "Italie"}),
    ("ML", "MLI", {"en": "Mali", "fr": "Mali"}),
    ("MR", "MRT", {"en": "Mauritania", "fr": "Mauritanie"}),
    ("NE", "NER", {"en": "Niger", "fr": "Niger"}),
    ("NL", "NLD", {"en": "Netherlands", "fr": "Pays-Bas"}),
    ("NG", "NGA", {"en": "Nigeria", "fr": "Nigéria"}),
    ("ES", "ESP", {"en": "Spain", "fr": "Espagne"}),
    ("SN", "SEN", {"en": "Senegal", "fr": "Sénégal"}),
    ("GB", "GBR", {"en": "United Kingdom", "fr": "Royaume-Uni"}),
)

# Groups of participants offered when choosing a round's countries: the mechanism's two sides
# (the African and the European delegations), and the five G5 Sahel states of 2018.
# (key, name as a message id of the catalogues, alpha-2 codes)
REGIONS = (
    (
        "africa",
        _l("African countries"),
        ("BF", "TD", "CI", "GM", "GN", "ML", "MR", "NE", "NG", "SN"),
    ),
    ("europe", _l("European countries"), ("DE", "FR", "IT", "NL", "ES", "GB")),
    ("sahel", _l("G5 Sahel"), ("BF", "TD", "ML", "MR", "NE")),
)
