"""Local services for the README's two commands, `make run` and `make test` (not part of the app, not in the
production image): an embedded PostgreSQL when none is configured, a Redis of its own for the tests when
none answers, and the steps each command runs with them."""
