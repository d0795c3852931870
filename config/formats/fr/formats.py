"""How dates and times read in French: "26 novembre 2026 à 14:30 CET"."""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i T"
DATETIME_FORMAT = r"j F Y \à H:i T"
SHORT_DATE_FORMAT = "j N Y"  # "26 nov. 2026"
SHORT_DATETIME_FORMAT = "j N Y, H:i T"
