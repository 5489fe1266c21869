"""The console platform: a terminal group chat for trying atou with no account (`atou demo`)."""
