"""Courses: catalogue, modules, lessons, enrolment, progress, assignments and grading.

Depends on ``lms``; ``certificates`` depends on it. Filled in by the courses work.
"""
