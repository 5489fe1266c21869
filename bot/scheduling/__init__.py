"""When groups post: schedules in local time, the pure due computation, and the APScheduler wake-ups."""
