"""The simulated data center: devices built from the inventory, served on loopback only."""
