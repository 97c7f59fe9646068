test_bounce_OBJS := message html rfc2047
