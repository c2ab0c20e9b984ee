"""Render functions shared by the pages and the wall-screen playlist (no callbacks here)."""
