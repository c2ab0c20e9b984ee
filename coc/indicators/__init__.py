"""Indicators: the catalog, measures over stored facts, the engine, completion and bands."""
