"""Event contracts: Avro schemas (schemas/avro/), single-object codec, envelope, compatibility."""
