fuzz_text_OBJS := html quote rules autoreply message rfc2047
