test_config_OBJS := addr
