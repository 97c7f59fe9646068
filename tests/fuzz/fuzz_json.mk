fuzz_json_OBJS := json mval
