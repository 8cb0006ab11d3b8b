"""What every capability stands on: settings, the database and its tables, the clock,
languages, photos, working days and Vietnam's administrative units."""
