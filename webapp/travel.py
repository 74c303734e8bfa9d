"""Travel between venues: distances (geopy), honest walking times, transit hints, directions links."""
