"""Province/district mode: receive and pull commune values, roll them up, compare communes."""
