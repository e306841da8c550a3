"""The 16 countries whose heads of security forces met in Niamey in June 2018."""

from flask_babel import lazy_gettext as _l

PARTICIPANTS = (
    # (alpha-2, alpha-3, English name, French name)
    ("BF", "BFA", "Burkina Faso", "Burkina Faso"),
    ("TD", "TCD", "Chad", "Tchad"),
    ("CI", "CIV", "Côte d'Ivoire", "Côte d'Ivoire"),
    ("DE", "DEU", "Germany", "Allemagne"),
    ("GM", "GMB", "Gambia", "Gambie"),
    ("GN", "GIN", "Guinea", "Guinée"),
    ("FR", "FRA", "France", "France"),
    ("IT", "ITA", "Italy", "Italie"),
    ("ML", "MLI", "Mali", "Mali"),
    ("MR", "MRT", "Mauritania", "Mauritanie"),
    ("NE", "NER", "Niger", "Niger"),
    ("NL", "NLD", "Netherlands", "Pays-Bas"),
    ("NG", "NGA", "Nigeria", "Nigéria"),
    ("ES", "ESP", "Spain", "Espagne"),
    ("SN", "SEN", "Senegal", "Sénégal"),
    ("GB", "GBR", "United Kingdom", "Royaume-Uni"),
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
