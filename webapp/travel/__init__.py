"""Getting between venues: distances, walking estimates, transit hints, directions, the personal agenda."""
