test_csvio_OBJS := json mval
