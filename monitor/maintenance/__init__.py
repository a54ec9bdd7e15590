"""Looking after the stored history: re-deriving it with a better parser (reparse),
checking that the parsers still read the registries (doctor), recording cassettes."""
