"""Tests of webapp.staff."""
