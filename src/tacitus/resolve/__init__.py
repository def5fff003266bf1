"""Resolution of what coding finds: actors, places, dates and magnitudes."""
