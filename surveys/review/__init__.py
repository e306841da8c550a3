"""Coordinator review of submissions: queries on questions, return, validate, reopen."""
