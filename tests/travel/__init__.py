"""Tests of webapp.travel."""
