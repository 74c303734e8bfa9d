"""The visitor's agenda: its plan (service.py), its page data (present.py) and its page, /agenda (pages.py).

Above the program, which it reads (sessions, venues, the walking method in words); the program never
reads it. The walks themselves (webapp/walking.py) and directions (webapp/web/directions.py) stand below
both; the agenda's API route is webapp/api/travel.py.
"""
