"""Helpers shared by the tests of every folder (imported from here, never from another test module)."""

PIN = "2468"  # every test person's PIN (tests/conftest.py make_staff)
