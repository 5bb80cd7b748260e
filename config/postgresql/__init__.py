"""PostgreSQL as Parley uses it (`base.DatabaseWrapper`)."""
