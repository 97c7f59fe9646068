test_letter_OBJS := tmpl mval vars contact config addr json cal tz
