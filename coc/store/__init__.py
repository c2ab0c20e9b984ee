"""The store: tables, the engine, upserts, quarantine, audit and backup."""
