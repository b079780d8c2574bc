"""Model files shipped with skdigits (see skdigits.field_reader.default_reader)."""
