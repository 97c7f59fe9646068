fuzz_message_OBJS := message html bounce autoreply quote rules classify rfc2047
