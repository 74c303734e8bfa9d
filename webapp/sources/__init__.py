"""Schedules from elsewhere: read pretalx / frab / c3voc (XML, JSON, schema2) and iCalendar sources.

This package owns `flask --app webapp import-schedule` (a source -> the two data files the app loads)
and `flask --app webapp follow-schedule` (each new release of a source -> ordinary changes in the log).
One module per format turns a source into the common model (`model.py`); `rooms.py` places its rooms
in the venues file; `writer.py` writes program.json; `follow.py` polls and diffs releases;
`geocode.py` (`flask --app webapp venues geocode`) places the venues through a geocoder.
"""
