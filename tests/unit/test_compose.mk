test_compose_OBJS := rfc2047 mime markdown
