test_tmpl_spec_OBJS := tmpl mval json
