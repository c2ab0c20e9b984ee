"""Citizen field reports (phản ánh hiện trường): intake from the public form and other
channels, abuse limits, handling with deadlines, the answer back, and their indicators."""
