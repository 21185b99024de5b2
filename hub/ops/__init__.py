"""Operations: the metrics contract as data, and the broker-side view behind `hub status`."""
