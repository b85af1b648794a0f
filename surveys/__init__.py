"""The household roll: households, persons and their yearly schooling status."""
