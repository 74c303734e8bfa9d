"""The event's program: data files, import, queries, the map, the pages (and /agenda), room screens and /live."""
