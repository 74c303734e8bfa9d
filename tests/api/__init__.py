"""Tests of webapp.api."""
