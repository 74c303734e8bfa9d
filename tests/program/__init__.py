"""Tests of webapp.program."""
