"""The partnership's panel directory: who is on which panel, and how alerts reach them."""
