"""Sanxiang (三项): the three administrative law-enforcement systems, run for real."""
