"""The partnership's rules over each person's timeline: policy as data, pure evaluation."""
