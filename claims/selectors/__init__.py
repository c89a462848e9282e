"""Reads used by more than one caller: claims, conflicts, search."""
