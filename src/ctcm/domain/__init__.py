"""Pure domain values and rules: stdlib and dateutil only, no I/O, no clock."""
