"""Articles from links, files and feeds: fetched, extracted, drafted with a model, stored for review."""
