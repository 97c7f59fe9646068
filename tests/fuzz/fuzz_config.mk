fuzz_config_OBJS := config addr cal tz
