fuzz_tmpl_OBJS := tmpl mval json
