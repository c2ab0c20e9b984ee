"""Upward sync: the commune pushes changed values upstream; a province pulls commune feeds."""
