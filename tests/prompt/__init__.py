"""Tests of prompt understanding."""
