"""Getting between venues: distances, walking estimates, transit hints, directions, the agenda's plan.

Below the program: the program's pages (and /agenda among them) draw what present.py returns.
"""
