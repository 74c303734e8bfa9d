"""Standard exports of the program: iCalendar, frab / c3voc schedule XML and JSON, GeoJSON."""
