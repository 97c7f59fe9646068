test_secret_OBJS := config addr cal tz
