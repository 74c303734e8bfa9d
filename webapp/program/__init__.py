"""The event's program: data files, import, queries, the map, the pages, room screens (screens.py) and
the streams page (streams.py, /live).

It reads the shared layers (webapp/web/, webapp/live/, and the base: models, walking, folding, ...) and
never a feature above it: the visitor's agenda (webapp/travel/), the API, the exports and the staff pages
read the program, not the other way round."""
