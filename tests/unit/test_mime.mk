test_mime_OBJS := rfc2047
