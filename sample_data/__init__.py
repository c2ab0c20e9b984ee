"""Sample source data of Xã Chương Dương (10237) and its seeded generator."""
