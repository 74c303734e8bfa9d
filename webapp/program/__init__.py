"""The event's program: data files, import, queries, the map, the pages, room screens and /live."""
