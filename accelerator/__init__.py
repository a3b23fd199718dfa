"""Accelerator: student projects, stages, mentor and jury reviews, the funnel. Depends on ``lms``."""
