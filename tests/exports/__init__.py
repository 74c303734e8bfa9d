"""Tests of webapp.exports."""
