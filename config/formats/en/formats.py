"""How dates and times read in English: day first, 24-hour clock, and the viewer's time zone named
("26 November 2026, 14:30 CET"), as diplomatic records write them."""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i T"
DATETIME_FORMAT = "j F Y, H:i T"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i T"
