"""The 16 countries whose heads of security forces met in Niamey in June 2018."""

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
