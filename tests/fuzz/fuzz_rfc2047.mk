fuzz_rfc2047_OBJS := rfc2047
