fuzz_dsn_OBJS := message html bounce rfc2047
