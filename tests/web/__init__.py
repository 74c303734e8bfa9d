"""Tests of webapp.web."""
