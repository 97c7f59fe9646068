test_message_OBJS := html
