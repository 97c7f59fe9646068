fuzz_letter_OBJS := letter tmpl mval json vars contact config addr cal tz
