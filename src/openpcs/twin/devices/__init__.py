"""Models of the chips and modules a Waspmote program talks to, one module each."""
