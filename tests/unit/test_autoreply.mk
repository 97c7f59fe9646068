test_autoreply_OBJS := message html bounce quote rules classify rfc2047
