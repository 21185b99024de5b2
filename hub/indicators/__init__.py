"""The partnership's measures of success, from linked events, with disclosure control."""
