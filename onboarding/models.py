"""Onboarding data: people and roles, succession, onboarding paths, documentation gaps, reports."""
