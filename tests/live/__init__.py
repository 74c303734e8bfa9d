"""Tests of webapp.live."""
