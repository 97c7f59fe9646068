fuzz_qp_OBJS := mime rfc2047
