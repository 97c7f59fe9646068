test_classify_OBJS := message html bounce autoreply quote rules rfc2047
