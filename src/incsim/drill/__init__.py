"""Drills and tabletop exercises: the session engine, transcripts, counterfactuals, the after-action report."""
