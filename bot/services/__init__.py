"""The use cases of the discussion engine, written against the ports in `bot.ports`."""
