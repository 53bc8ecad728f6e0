"""Ingest adapters: each turns what a transport delivers into arrivals for the pipeline."""
