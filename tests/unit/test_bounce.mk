test_bounce_OBJS := message html
