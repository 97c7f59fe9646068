test_message_OBJS := html rfc2047
