test_tmpl_OBJS := mval json
