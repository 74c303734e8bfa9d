"""Browser tests of Venue Live (Chromium through Playwright); see conftest.py."""
