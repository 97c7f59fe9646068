test_config_OBJS := addr cal tz
