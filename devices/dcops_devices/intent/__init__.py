"""Intended configuration: what the inventory says a network device carries.

`baseline` renders it per platform, `configtree` parses, edits and flattens config text
(compliance compares flattened paths; the lab applies pushed lines to the same trees), and
`masking` hides the lines that change without anyone changing the config. Nothing here
opens a connection: the lab serves these configs, compliance judges running ones by them.
"""
