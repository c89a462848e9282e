"""Writes with rules, by sub-domain: keyword-only, typed, transactional.

claims: claim writes and the workflow; conflicts: detection and its links;
candidates: extraction, accept and reject; imports and exports: bulk files;
anchoring: where quotes sit in their documents' texts.
"""
